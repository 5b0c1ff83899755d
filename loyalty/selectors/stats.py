"""Members' rolling-month order statistics, for all members in one aggregate query."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from django.db import connections, router
from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.db.models.functions import Round
from django.db.models.sql.constants import MULTI

from loyalty.engine.tiers import MemberStats, MonthStats, month_boundaries
from membership.models import Order

_CHUNK = 10_000


def member_rolling_stats(
    *, as_of: datetime, months: int, member_ids: Iterable[int] | None = None
) -> dict[int, MemberStats]:
    """Completed orders and spend per rolling month before `as_of`, keyed by member id.

    Month i is [as_of - (i + 1) months, as_of - i months). Members without a completed order
    in the window are absent from the result (their stats are all zeros). One query,
    whatever the number of members and orders.
    """
    return dict(member_rolling_stats_by_member(as_of=as_of, months=months, member_ids=member_ids))


def member_rolling_stats_by_member(
    *, as_of: datetime, months: int, member_ids: Iterable[int] | None = None
) -> Iterator[tuple[int, MemberStats]]:
    """The same statistics one member at a time, in increasing member id (members without
    an order in the window are skipped), read in chunks from one query: what is held in
    memory does not grow with the number of members or orders."""
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
    connection = connections[orders.db]
    if connection.vendor == "sqlite":
        # SQLite sums decimals as floats: sum whole cents (exact), made a Decimal below.
        spend, to_decimal = Sum(Round(F("total") * 100)), _cents
    else:  # PostgreSQL sums numeric exactly; the driver returns a Decimal
        spend, to_decimal = Sum("total"), None
    rows = (
        orders.annotate(month=month)
        .values_list("member_id", "month")
        .annotate(orders=Count("id"), spend=spend)
        .order_by("member_id")
    )
    # The rows as the database driver returns them: Django's per-value converters would cost
    # more than the rest of the review (about ten rows per member).
    chunks = rows.query.get_compiler(using=orders.db).execute_sql(
        MULTI, chunked_fetch=True, chunk_size=_CHUNK
    )
    current, slots, empty = None, [], MonthStats()
    for chunk in chunks:
        for member_id, index, count, total in chunk:
            if member_id != current:
                if current is not None:
                    yield current, MemberStats(months=tuple(slots))
                current, slots = member_id, [empty] * months
            slots[index] = MonthStats(count, to_decimal(total) if to_decimal else total)
    if current is not None:
        yield current, MemberStats(months=tuple(slots))


_STATS_FIELDS = ("member", "status", "created_at", "total")


def member_rolling_stats_one(*, member_id: int, as_of: datetime, months: int) -> MemberStats:
    """``member_rolling_stats`` for one member, for the pages that explain a member's tier
    (dashboard, tier page, counter panel). The same query, written as SQL: it runs on every
    such page, and the ORM spent more time compiling its CASE over the months than the
    database spent answering it. Falls back to the ORM on databases other than these two."""
    connection = connections[router.db_for_read(Order)]
    if connection.vendor not in ("postgresql", "sqlite"):
        found = member_rolling_stats(as_of=as_of, months=months, member_ids=[member_id])
        return found.get(member_id, MemberStats())
    bounds = month_boundaries(as_of, months)
    moment = connection.ops.adapt_datetimefield_value
    qn = connection.ops.quote_name
    column = {name: qn(Order._meta.get_field(name).column) for name in _STATS_FIELDS}
    created, total = column["created_at"], column["total"]
    # SQLite sums decimals as floats: sum whole cents (exact), made a Decimal below.
    postgresql = connection.vendor == "postgresql"
    spend = f"SUM({total})" if postgresql else f"SUM(ROUND({total} * 100))"
    month = " ".join(f"WHEN {created} >= %s THEN {i}" for i in range(months))
    sql = (
        f"SELECT CASE {month} END, COUNT(*), {spend} FROM {qn(Order._meta.db_table)}"
        f" WHERE {column['member']} = %s AND {column['status']} = %s"
        f" AND {created} >= %s AND {created} < %s GROUP BY 1"
    )
    params = [moment(bound) for bound in bounds[1:]]
    params += [member_id, Order.Status.COMPLETED.value, moment(bounds[-1]), moment(as_of)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return MemberStats()
    slots = [MonthStats()] * months
    for index, count, amount in rows:
        slots[index] = MonthStats(count, amount if postgresql else _cents(amount))
    return MemberStats(months=tuple(slots))


def _cents(value) -> Decimal:
    return Decimal(int(value)).scaleb(-2)
