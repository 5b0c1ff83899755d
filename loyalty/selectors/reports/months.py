"""Calendar months in the shop's time zone (settings.TIME_ZONE): the unit of every report."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def shop_zone() -> ZoneInfo:
    """The shop's calendar, whatever zone the request activated (Wagtail activates each
    admin user's own time zone)."""
    return ZoneInfo(settings.TIME_ZONE)


def month_first(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_start(month: datetime.date) -> datetime.datetime:
    """The first instant of a month, local midnight on the 1st in the shop's time zone."""
    return datetime.datetime(month.year, month.month, 1, tzinfo=shop_zone())


def month_end(month: datetime.date) -> datetime.datetime:
    """The first instant after the month (exclusive bound)."""
    return month_start(month_add(month, 1))


def current_month() -> datetime.date:
    return month_first(timezone.localdate(timezone=shop_zone()))


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], month_first(first)
    while month <= last:
        months.append(month)
        month = month_add(month, 1)
    return months


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: an inclusive range of months and optionally one store."""

    first_month: datetime.date
    last_month: datetime.date
    store_id: int | None = None

    @property
    def months(self) -> list[datetime.date]:
        return months_between(self.first_month, self.last_month)

    @property
    def start(self) -> datetime.datetime:
        return month_start(self.first_month)

    @property
    def end(self) -> datetime.datetime:
        return month_end(self.last_month)
