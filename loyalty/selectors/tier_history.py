"""A member's tier moves, newest first (their archive, dashboard, tier page, counter)."""

from django.db.models import QuerySet

from loyalty.models import TierChange
from membership.models import Member


def member_tier_changes(member: Member) -> QuerySet[TierChange]:
    """Index `tier_change_history` (member, -occurred_at) serves it at any length."""
    return (
        TierChange.objects.filter(member=member)
        .select_related("from_tier", "to_tier")
        .order_by("-occurred_at", "-id")
    )
