"""Points liability and expiry by month: points members hold at each month's end, that
month's points earned, redeemed, expired and reversed, and the points due to expire in the
months ahead.

A fixed number of queries whatever the number of members, every sum in the database: what the
accounts hold now and one sum per month and entry kind from the first month on (the balance
before it is what is held now less every movement since: each balance is the sum of its
entries, so the history before the first month is never read), and for
what is due to expire, the open lots' points and what was already taken from them, each
grouped by the month the lot expires. Points belong to the member, not a store: the
liability is business-wide and takes no store filter.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Sum
from django.utils import timezone

from loyalty.models import EntryKind, PointsAccount, PointsAllocation, PointsEntry

from .month_sums import (
    month_moment,
    month_of,
    next_month,
    shop_bounds,
    shop_months,
    truncated_month,
)

EARNED_KINDS = (EntryKind.EARN, EntryKind.GRANT)


@dataclass
class PointsMonth:
    month: date
    earned: int = 0  # earned on orders and granted by rules
    redeemed: int = 0  # spent (shown positive)
    expired: int = 0  # shown positive
    reversed: int = 0  # refunds: earned points taken back less spent points given back (signed)
    other: int = 0  # adjustments, opening balances and any other kind (signed)
    outstanding: int = 0  # held at the month's end


@dataclass
class PointsDue:
    month: date
    points: int


def points_by_month(*, scope) -> list[PointsMonth]:
    """One row per month of the scope, oldest first (its store is not used: see above)."""
    start, _end = shop_bounds(scope)
    held = PointsAccount.objects.aggregate(total=Sum("balance"))["total"] or 0
    rows = {month: PointsMonth(month=month) for month in shop_months(scope)}
    sums = (
        PointsEntry.objects.filter(created_at__gte=start)
        .annotate(month=truncated_month("created_at"))
        .values_list("month", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    moved: dict[date, int] = {}
    since = 0  # every movement from the first month on, later months included
    for moment, kind, total in sums:
        month = month_of(moment)
        since += total
        if (row := rows.get(month)) is None:
            continue
        if kind in EARNED_KINDS:
            row.earned += total
        elif kind == EntryKind.REDEEM:
            row.redeemed -= total
        elif kind == EntryKind.EXPIRE:
            row.expired -= total
        elif kind == EntryKind.REVERSAL:
            row.reversed += total
        else:
            row.other += total
        moved[month] = moved.get(month, 0) + total
    balance = held - since
    for month, row in rows.items():
        balance += moved.get(month, 0)
        row.outstanding = balance
    return list(rows.values())


def points_due_to_expire(*, ahead: int = 6, now: datetime | None = None) -> list[PointsDue]:
    """Points still held that expire in each of the ``ahead`` months from this one (this
    month counts from ``now``). Two queries: the lots' points and what was taken from them,
    each grouped by the month the lot expires."""
    now = now or timezone.now()
    first = month_of(now)
    months = [first]
    while len(months) < ahead:
        months.append(next_month(months[-1]))
    end = month_moment(next_month(months[-1]))
    lots = PointsEntry.objects.filter(amount__gt=0, expires_at__gt=now, expires_at__lt=end)
    due = dict.fromkeys(months, 0)
    for moment, points in (
        lots.annotate(month=truncated_month("expires_at"))
        .values_list("month")
        .annotate(points=Sum("amount"))
        .order_by()
    ):
        due[month_of(moment)] += points
    for moment, points in (
        PointsAllocation.objects.filter(
            lot__amount__gt=0, lot__expires_at__gt=now, lot__expires_at__lt=end
        )
        .annotate(month=truncated_month("lot__expires_at"))
        .values_list("month")
        .annotate(points=Sum("points"))
        .order_by()
    ):
        due[month_of(moment)] -= points
    return [PointsDue(month=month, points=points) for month, points in due.items()]
