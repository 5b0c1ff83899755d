"""A member's tier outlook for the next monthly review (dashboard, tier page, counter panel).

One query for the member's order statistics; the tiers' rules come from the cache.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from loyalty.conf import loyalty_settings
from loyalty.engine.tier_outlook import TierOutlook, tier_outlook
from loyalty.engine.tier_review import TierState
from loyalty.selectors.stats import member_rolling_stats_one
from loyalty.selectors.tier_rules import TierRules, tier_rules_cached
from membership.models import Member, Tier


def next_review_at(now: datetime | None = None) -> datetime:
    """Midnight on the first of next month in the shop's time zone: the next review."""
    today = timezone.localdate(now or timezone.now())
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return timezone.make_aware(datetime.combine(first, clock.min))


def member_tier_state(member: Member) -> TierState:
    """What the review knows about the member (their warning and floor, if any).

    Reads `member.tier_state`: select_related("tier_state") saves the query."""
    try:
        saved = member.tier_state
    except ObjectDoesNotExist:
        saved = None
    return TierState(
        tier=member.tier_id,
        since=member.tier_since,
        warned=bool(saved and saved.warned_at),
        floor=saved.floor_tier_id if saved else None,
        floor_until=saved.floor_until if saved else None,
    )


@dataclass(frozen=True)
class MemberTierOutlook:
    outlook: TierOutlook
    tier: Tier | None
    next_tier: Tier | None
    review_tier: Tier | None  # the tier the review gives if nothing more happens
    lower_tier: Tier | None  # the tier just below the current one

    @property
    def deadline(self) -> date:
        """The last day that counts for the next review."""
        return timezone.localdate(self.outlook.review_at) - timedelta(days=1)


def member_tier_outlook(
    member: Member, *, now: datetime | None = None, rules: TierRules | None = None
) -> MemberTierOutlook | None:
    """None when the shop has no tiers."""
    rules = rules or tier_rules_cached()
    if not rules.tiers:
        return None
    review_at = next_review_at(now)
    stats = member_rolling_stats_one(member_id=member.pk, as_of=review_at, months=rules.months)
    outlook = tier_outlook(
        stats_at_review=stats,
        tiers=rules.criteria,
        policies=rules.policies,
        state=member_tier_state(member),
        review_at=review_at,
    )
    by_pk = rules.by_pk
    tier = by_pk.get(member.tier_id)
    below = [t for t in rules.tiers if tier is not None and t.rank < tier.rank]
    return MemberTierOutlook(
        outlook=outlook,
        tier=tier,
        next_tier=by_pk.get(outlook.next_tier),
        review_tier=by_pk.get(outlook.decision.tier),
        lower_tier=below[-1] if below else None,
    )


def tier_warning_due(review_at: datetime, *, now: datetime | None = None) -> bool:
    """Whether members moving down at `review_at` are warned yet (the owner's days before)."""
    days = loyalty_settings().tier_warning_days
    today = timezone.localdate(now or timezone.now())
    return bool(days) and (timezone.localdate(review_at) - today).days <= days
