"""Customer lifetime value by current tier: completed orders' net spend (the order total,
after every discount) in the months shown, per member."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from membership.models import Member, Order, Tier

from .months import ReportScope

CENT = Decimal("0.01")


@dataclass
class LifetimeValueRow:
    tier: Tier
    members: int  # members in the tier now
    buyers: int  # of them, those with a completed order in the months (at the store)
    orders: int
    spend: Decimal
    per_member: Decimal | None
    per_buyer: Decimal | None


def _per(total: Decimal, count: int) -> Decimal | None:
    return (total / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else None


def lifetime_value_by_tier(scope: ReportScope) -> list[LifetimeValueRow]:
    """Three queries: tiers, members per tier, and one aggregate over the months' orders."""
    orders = Order.objects.filter(
        status=Order.Status.COMPLETED,
        created_at__gte=scope.start,
        created_at__lt=scope.end,
        member__tier__isnull=False,
    )
    if scope.store_id:
        orders = orders.filter(store_id=scope.store_id)
    spent = {
        values["member__tier"]: values
        for values in orders.values("member__tier")
        .annotate(spend=Sum("total"), orders=Count("pk"), buyers=Count("member_id", distinct=True))
        .order_by()
    }
    members = dict(
        Member.objects.filter(tier__isnull=False)
        .values_list("tier_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for tier in Tier.objects.order_by("-rank"):
        values = spent.get(tier.pk, {})
        spend = Decimal(values.get("spend") or 0).quantize(CENT)
        in_tier = members.get(tier.pk, 0)
        buyers = values.get("buyers", 0)
        rows.append(
            LifetimeValueRow(
                tier=tier,
                members=in_tier,
                buyers=buyers,
                orders=values.get("orders", 0),
                spend=spend,
                per_member=_per(spend, in_tier),
                per_buyer=_per(spend, buyers),
            )
        )
    return rows
