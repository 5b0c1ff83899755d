"""Members' rolling-month order statistics, for all members in one aggregate query."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from loyalty.engine.tiers import MemberStats, MonthStats, month_boundaries
from membership.models import Order


def member_rolling_stats(
    *, as_of: datetime, months: int, member_ids: Iterable[int] | None = None
) -> dict[int, MemberStats]:
    """Completed orders and spend per rolling month before `as_of`, keyed by member id.

    Month i is [as_of - (i + 1) months, as_of - i months). Members without a completed order
    in the window are absent from the result (their stats are all zeros). One query,
    whatever the number of members and orders.
    """
    bounds = month_boundaries(as_of, months)
    aggregates = {}
    for i in range(months):
        in_month = Q(created_at__gte=bounds[i + 1], created_at__lt=bounds[i])
        aggregates[f"orders_{i}"] = Count("id", filter=in_month)
        aggregates[f"spend_{i}"] = Coalesce(
            Sum("total", filter=in_month),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    orders = Order.objects.filter(
        status=Order.Status.COMPLETED, created_at__gte=bounds[-1], created_at__lt=as_of
    )
    if member_ids is not None:
        orders = orders.filter(member_id__in=list(member_ids))
    rows = orders.order_by().values("member_id").annotate(**aggregates)
    return {
        row["member_id"]: MemberStats(
            months=tuple(
                MonthStats(orders=row[f"orders_{i}"], spend=Decimal(row[f"spend_{i}"]))
                for i in range(months)
            )
        )
        for row in rows.iterator(chunk_size=2000)
    }
