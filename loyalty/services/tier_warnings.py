"""Tell members, before the monthly review, that it will move them down unless they act.

Who is told is read off a dry run of that very review (the same decisions, nothing
written), from the owner's number of days before it. Each member is texted at most once per
review, and only if they agreed to texts; the dashboard shows the warning to everyone.
"""

from datetime import datetime

from django.db import transaction

from loyalty.engine.tier_review import Rule
from loyalty.models import MemberTierState
from loyalty.notifications import send_tier_warning_sms
from loyalty.selectors.tier_outlook import next_review_at, tier_warning_due
from loyalty.services.tier_review import tier_review_run
from membership.member_pages import shop_pages_changed
from membership.models import Member

_DOWN = (Rule.DEMOTION, Rule.HOLD_EXPIRED)


def tier_warnings_send(*, now: datetime | None = None) -> int:
    """Queue one SMS per member the next review will move down (who consented and was not
    yet told for that review), after commit; returns how many were queued."""
    review_at = next_review_at(now)
    if not tier_warning_due(review_at, now=now):
        return 0
    period = review_at.date()
    moves = tier_review_run(as_of=review_at, dry_run=True).moves
    down = {move.member_id for move in moves if move.rule in _DOWN}
    if not down:
        return 0
    told = set(
        MemberTierState.objects.filter(member_id__in=down, demotion_notice_for=period).values_list(
            "member_id", flat=True
        )
    )
    to_tell = list(
        Member.objects.filter(
            pk__in=down - told, consent_marketing_sms=True, user__phone__isnull=False
        )
        .exclude(user__phone="")
        .values_list("pk", flat=True)
    )
    if not to_tell:
        return 0
    with transaction.atomic():
        existing = set(
            MemberTierState.objects.filter(member_id__in=to_tell).values_list(
                "member_id", flat=True
            )
        )
        shop_pages_changed()  # the dashboard's demotion warning, for many members at once
        MemberTierState.objects.filter(member_id__in=existing).update(demotion_notice_for=period)
        MemberTierState.objects.bulk_create(
            [
                MemberTierState(member_id=pk, demotion_notice_for=period)
                for pk in to_tell
                if pk not in existing
            ]
        )
        review = period.isoformat()
        for member_id in to_tell:
            transaction.on_commit(
                lambda member_id=member_id: send_tier_warning_sms.enqueue(
                    member_id=member_id, review=review
                )
            )
    return len(to_tell)
