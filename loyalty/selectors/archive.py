"""The loyalty side of a member's archive: balances, segment, tier moves and both ledgers.

Lists are querysets newest first for the caller to paginate (two queries a page at any
length: the ledger indexes (account, -created_at) and the tier history index serve them).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from loyalty.models import MemberSegment, PointsEntry, TierChange, WalletEntry
from loyalty.selectors.tier_history import member_tier_changes
from membership.models import Member


@dataclass(frozen=True)
class ArchiveBalances:
    points: int
    principal: Decimal
    bonus: Decimal
    currency: str | None
    segment: MemberSegment | None

    @property
    def stored_value(self) -> Decimal:
        return self.principal + self.bonus


def archive_balances(*, member: Member) -> ArchiveBalances:
    """Points, stored value (principal and bonus apart) and the segment (lifecycle stage,
    value group, RFM scores as of the last recompute): one query."""
    row = (
        Member.objects.select_related("points_account", "wallet_account", "segment")
        .only(
            "id",
            "points_account__balance",
            "wallet_account__principal",
            "wallet_account__bonus",
            "wallet_account__currency",
            *(f"segment__{field.name}" for field in MemberSegment._meta.concrete_fields),
        )
        .get(pk=member.pk)
    )
    points = getattr(row, "points_account", None)
    wallet = getattr(row, "wallet_account", None)
    return ArchiveBalances(
        points=points.balance if points else 0,
        principal=wallet.principal if wallet else Decimal("0"),
        bonus=wallet.bonus if wallet else Decimal("0"),
        currency=wallet.currency if wallet else None,
        segment=getattr(row, "segment", None),
    )


def archive_tier_changes(*, member: Member) -> QuerySet[TierChange]:
    """Every tier move with its tiers and, for manual ones, who made it."""
    return member_tier_changes(member).select_related("acting_user")


def archive_points_entries(*, member: Member) -> QuerySet[PointsEntry]:
    return (
        PointsEntry.objects.select_related("acting_user")
        .filter(account__member=member)
        .order_by("-created_at", "-id")
    )


def archive_wallet_entries(*, member: Member) -> QuerySet[WalletEntry]:
    return (
        WalletEntry.objects.select_related("acting_user")
        .filter(account__member=member)
        .order_by("-created_at", "-id")
    )
