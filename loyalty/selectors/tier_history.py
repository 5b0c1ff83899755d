"""A member's tier moves, newest first (their archive, dashboard, tier page, counter)."""

from collections.abc import Mapping

from django.db.models import QuerySet

from loyalty.models import TierChange
from membership.models import Member, Tier


def member_tier_changes(member: Member) -> QuerySet[TierChange]:
    """Index `tier_change_history` (member, -occurred_at) serves it at any length."""
    return (
        TierChange.objects.filter(member=member)
        .select_related("from_tier", "to_tier")
        .order_by("-occurred_at", "-id")
    )


def member_last_tier_change(member: Member, *, tiers: Mapping[int, Tier]) -> TierChange | None:
    """The newest move (the dashboard), its tiers taken from ``tiers`` (the cached tier
    rules' ``by_pk``): the row's few columns, no join. A tier missing there is read when
    shown."""
    change = (
        TierChange.objects.filter(member=member)
        .only("member_id", "from_tier_id", "to_tier_id", "reason", "occurred_at")
        .order_by("-occurred_at", "-id")
        .first()
    )
    if change is not None:
        for field in ("from_tier", "to_tier"):
            tier = tiers.get(getattr(change, f"{field}_id"))
            if tier is not None:
                setattr(change, field, tier)
    return change
