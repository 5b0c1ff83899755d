"""Members' rolling-month order statistics, for all members in one aggregate query."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Sum, Value, When

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
    # One row per member and month (the month's index from a CASE over the boundaries): two
    # aggregates a row instead of two per month, so far fewer values to convert.
    month = Case(
        *[When(created_at__gte=bounds[i + 1], then=Value(i)) for i in range(months)],
        output_field=IntegerField(),
    )
    orders = Order.objects.filter(
        status=Order.Status.COMPLETED, created_at__gte=bounds[-1], created_at__lt=as_of
    )
    if member_ids is not None:
        orders = orders.filter(member_id__in=list(member_ids))
    rows = (
        orders.annotate(month=month)
        .order_by()
        .values_list("member_id", "month")
        .annotate(orders=Count("id"), spend=Sum("total"))
    )
    per_member: dict[int, list[MonthStats]] = {}
    empty = MonthStats()
    for member_id, index, count, spend in rows.iterator(chunk_size=5000):
        slots = per_member.get(member_id)
        if slots is None:
            slots = per_member[member_id] = [empty] * months
        slots[index] = MonthStats(orders=count, spend=Decimal(spend))
    return {member_id: MemberStats(months=tuple(slots)) for member_id, slots in per_member.items()}
