"""Customer lifetime value by current tier: completed orders' net spend (the order total,
after every discount) in the months shown, per member."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count

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


def _spend_by_tier(scope: ReportScope) -> dict[int, tuple[Decimal, int, int]]:
    """(spend, orders, buyers) per current tier. Summed per member first, then per tier: one
    pass over the months' orders without the sort a COUNT(DISTINCT member) needs (at two
    million orders that sort is most of the time)."""
    orders, members = Order._meta.db_table, Member._meta.db_table
    store = " AND o.store_id = %s" if scope.store_id else ""
    sql = (
        "SELECT m.tier_id, SUM(p.spend), SUM(p.orders), COUNT(*) FROM ("
        f"SELECT o.member_id, SUM(o.total) AS spend, COUNT(*) AS orders FROM {orders} o "
        f"WHERE o.status = %s AND o.created_at >= %s AND o.created_at < %s{store} "
        "GROUP BY o.member_id"
        f") p JOIN {members} m ON m.id = p.member_id WHERE m.tier_id IS NOT NULL "
        "GROUP BY m.tier_id"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = [Order.Status.COMPLETED, adapt(scope.start), adapt(scope.end)]
    if scope.store_id:
        params.append(scope.store_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            tier_id: (Decimal(str(spend or 0)), orders_count, buyers)
            for tier_id, spend, orders_count, buyers in cursor.fetchall()
        }


def lifetime_value_by_tier(scope: ReportScope) -> list[LifetimeValueRow]:
    """Three queries: the spend per tier, members per tier and the tiers."""
    spent = _spend_by_tier(scope)
    members = dict(
        Member.objects.filter(tier__isnull=False)
        .values_list("tier_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for tier in Tier.objects.order_by("-rank"):
        spend, orders_count, buyers = spent.get(tier.pk, (Decimal(0), 0, 0))
        spend = spend.quantize(CENT)
        in_tier = members.get(tier.pk, 0)
        rows.append(
            LifetimeValueRow(
                tier=tier,
                members=in_tier,
                buyers=buyers,
                orders=orders_count,
                spend=spend,
                per_member=_per(spend, in_tier),
                per_buyer=_per(spend, buyers),
            )
        )
    return rows
