"""Monthly tier flow: how many members moved from one tier to another in each month."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, DateField, Exists, OuterRef
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from loyalty.models import TierChange
from membership.models import Order, Tier

from .months import ReportScope, shop_zone

UP, DOWN, JOINED, SAME = "up", "down", "joined", "same"
DIRECTION_LABELS = {UP: _("Up"), DOWN: _("Down"), JOINED: _("First tier"), SAME: _("Same rank")}


@dataclass
class TierFlowRow:
    month: datetime.date
    from_tier: Tier | None
    to_tier: Tier
    direction: str
    members: int

    @property
    def from_name(self) -> str:
        return self.from_tier.display_name if self.from_tier else "—"

    @property
    def to_name(self) -> str:
        return self.to_tier.display_name

    @property
    def direction_label(self) -> str:
        return str(DIRECTION_LABELS[self.direction])


def _direction(from_tier: Tier | None, to_tier: Tier) -> str:
    if from_tier is None:
        return JOINED
    if to_tier.rank > from_tier.rank:
        return UP
    return DOWN if to_tier.rank < from_tier.rank else SAME


def store_customers(scope: ReportScope, member_ref: str = "member"):
    """Exists(): the member had a completed order at the scope's store within its months."""
    return Exists(
        Order.objects.filter(
            member=OuterRef(member_ref),
            store_id=scope.store_id,
            status=Order.Status.COMPLETED,
            created_at__gte=scope.start,
            created_at__lt=scope.end,
        )
    )


def tier_flow(scope: ReportScope) -> list[TierFlowRow]:
    """Tier changes counted by local month and (from, to) pair, two queries whatever the
    number of members. With a store: changes of members who bought there in the months."""
    changes = TierChange.objects.filter(occurred_at__gte=scope.start, occurred_at__lt=scope.end)
    if scope.store_id:
        changes = changes.filter(store_customers(scope))
    counts = (
        changes.annotate(
            month=TruncMonth("occurred_at", output_field=DateField(), tzinfo=shop_zone())
        )
        .values("month", "from_tier_id", "to_tier_id")
        .annotate(members=Count("id"))
        .order_by()
    )
    tiers = {tier.pk: tier for tier in Tier.objects.all()}
    rows = []
    for count in counts:
        from_tier = tiers.get(count["from_tier_id"])
        to_tier = tiers[count["to_tier_id"]]
        rows.append(
            TierFlowRow(
                month=count["month"],
                from_tier=from_tier,
                to_tier=to_tier,
                direction=_direction(from_tier, to_tier),
                members=count["members"],
            )
        )
    order = {UP: 0, DOWN: 1, SAME: 2, JOINED: 3}
    rows.sort(
        key=lambda row: (
            row.month,
            order[row.direction],
            -(row.from_tier.rank if row.from_tier else -1),
            -row.to_tier.rank,
        )
    )
    return rows
