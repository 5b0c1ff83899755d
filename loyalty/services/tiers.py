"""Put every member in the tier their recent orders earn (the monthly tier review)."""

from dataclasses import dataclass, field
from datetime import datetime
from itertools import batched

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.engine.tiers import MemberStats, months_needed, tier_for
from loyalty.selectors.stats import member_rolling_stats
from loyalty.selectors.tier_rules import tier_criteria
from membership.member_pages import shop_pages_changed
from membership.models import Member, MemberEvent, Tier, User
from membership.services.audit import audit_record
from membership.services.events import member_events_record_many

_UPDATE_BATCH = 500


@dataclass(frozen=True)
class TierAssignment:
    as_of: datetime
    changed: int
    members_per_tier: dict[str, int] = field(default_factory=dict)  # tier code -> members


@transaction.atomic
def tiers_assign_all(*, as_of: datetime, acting_user: User | None = None) -> TierAssignment:
    """Evaluate every member's rolling stats at `as_of` and move those whose tier changes.

    Moved members get `tier_since = as_of`; the others are not written. A fixed number of
    queries whatever the number of members (plus one UPDATE per 500 moved members).
    When an owner runs it (`acting_user`), one audit row records the run and its outcome.
    History of individual moves comes with the monthly review.
    """
    if timezone.is_naive(as_of):
        raise ValidationError(_("The review date needs a timezone."))
    tiers = list(Tier.objects.all())
    if not tiers:
        raise ValidationError(_("Set up at least one tier before assigning members to tiers."))
    criteria = [tier_criteria(tier) for tier in tiers]
    code_by_pk = {tier.pk: tier.code for tier in tiers}
    stats = member_rolling_stats(as_of=as_of, months=months_needed(criteria))

    empty = MemberStats()
    moves: dict[int, list[int]] = {}
    events: list[MemberEvent] = []
    members_per_tier = dict.fromkeys(code_by_pk.values(), 0)
    for member_id, tier_id in (
        Member.objects.order_by().values_list("pk", "tier_id").iterator(chunk_size=2000)
    ):
        target = tier_for(stats.get(member_id, empty), criteria).key
        members_per_tier[code_by_pk[target]] += 1
        if target != tier_id:
            moves.setdefault(target, []).append(member_id)
            events.append(
                MemberEvent(
                    member_id=member_id,
                    kind=MemberEvent.Kind.TIER_CHANGED,
                    occurred_at=as_of,
                    data={"from": code_by_pk.get(tier_id), "to": code_by_pk[target]},
                )
            )

    if moves:
        shop_pages_changed()  # many members at once: every kept member page goes
    for tier_id, member_ids in moves.items():
        for batch in batched(member_ids, _UPDATE_BATCH):
            Member.objects.filter(pk__in=batch).update(tier_id=tier_id, tier_since=as_of)
    member_events_record_many(events)
    result = TierAssignment(
        as_of=as_of,
        changed=sum(len(ids) for ids in moves.values()),
        members_per_tier=members_per_tier,
    )
    if acting_user is not None:
        audit_record(
            actor=acting_user,
            action="tiers_assign_all",
            details={
                "as_of": as_of.isoformat(),
                "changed": result.changed,
                "members_per_tier": members_per_tier,
            },
        )
    return result
