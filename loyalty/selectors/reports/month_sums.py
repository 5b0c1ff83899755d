"""Calendar months on the shop's clock, and sums grouped by them in the database.

The money and points reports group ledger rows by the month they happened in, as the shop
reads its calendar (``settings.TIME_ZONE``): an entry at 23:30 on 31 January in the shop
belongs to January, whatever the UTC date.
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import BigIntegerField, F, Sum
from django.db.models.functions import Round, TruncMonth
from django.utils import timezone

from .months import shop_zone

CENT = Decimal("0.01")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_moment(month: date) -> datetime:
    """Midnight at the start of ``month`` in the shop."""
    return datetime.combine(month_start(month), time.min, tzinfo=shop_zone())


def month_of(moment: datetime) -> date:
    """The shop's month ``moment`` falls in (as the first day of that month)."""
    return month_start(timezone.localtime(moment, shop_zone()).date())


def shop_months(scope) -> list[date]:
    """The months of a report's scope (``first_month`` to ``last_month``, both included)."""
    months, month = [], month_start(scope.first_month)
    while month <= scope.last_month:
        months.append(month)
        month = next_month(month)
    return months


def shop_bounds(scope) -> tuple[datetime, datetime]:
    """From the shop's midnight starting the scope's first month to the one after its last.

    Always the shop's clock, even when the admin shows times in the user's own zone: the
    bounds and the grouping in ``truncated_month`` must agree.
    """
    return month_moment(scope.first_month), month_moment(next_month(month_start(scope.last_month)))


def truncated_month(field: str) -> TruncMonth:
    """``field`` cut to the start of its month in the shop's time zone (in SQL)."""
    return TruncMonth(field, tzinfo=shop_zone())


def cents_sum(field: str) -> Sum:
    """A money column summed exactly as whole cents: SQLite adds decimals as floats;
    PostgreSQL's numeric is exact either way. Read it back with ``from_cents``."""
    return Sum(Round(F(field) * 100), output_field=BigIntegerField())


def from_cents(value) -> Decimal:
    return (Decimal(int(round(value or 0))) / 100).quantize(CENT)
