"""Which tier a member's recent behaviour earns them. Pure Python: no database, no clock.

A member's behaviour is summarised in calendar-free rolling months counted back from the
review date (`as_of`): month 0 is [as_of - 1 month, as_of), month 1 the month before, and so
on. A tier's criteria are all minimums over that rolling window, as in the seed articles
(e.g. Seed: spend >= 10,000 and >= 30 orders in 12 months, >= 2 orders in each of the
last 3 months). The member gets the best-ranked tier whose criteria are all met; when none
is met, the lowest-ranked tier (the default).
"""

import calendar
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property


@dataclass(frozen=True)
class MonthStats:
    """Completed orders and their spend in one rolling month."""

    orders: int = 0
    spend: Decimal = Decimal("0")


@dataclass(frozen=True)
class MemberStats:
    """A member's rolling months, most recent first (index 0 ends at the review date).

    Months beyond the end of the tuple count as months without orders.
    """

    months: tuple[MonthStats, ...] = ()

    def _window(self, months: int) -> tuple[MonthStats, ...]:
        return self.months[:months]

    @cached_property
    def _totals(self) -> tuple[tuple[Decimal, int], ...]:
        """Running (spend, orders) from the most recent month back: each window is one
        lookup, however many tiers ask (the review asks for every member)."""
        spend, orders, totals = Decimal("0"), 0, [(Decimal("0"), 0)]
        for month in self.months:
            spend, orders = spend + month.spend, orders + month.orders
            totals.append((spend, orders))
        return tuple(totals)

    def spend(self, *, months: int) -> Decimal:
        return self._totals[min(months, len(self.months))][0]

    def orders(self, *, months: int) -> int:
        return self._totals[min(months, len(self.months))][1]

    def spend_per_month(self, *, months: int) -> tuple[Decimal, ...]:
        """Spend in each of the last `months` months, padded with zeros."""
        spends = [m.spend for m in self._window(months)]
        return tuple(spends + [Decimal("0")] * (months - len(spends)))

    def orders_per_month(self, *, months: int) -> tuple[int, ...]:
        """Orders in each of the last `months` months, padded with zeros."""
        counts = [m.orders for m in self._window(months)]
        return tuple(counts + [0] * (months - len(counts)))


@dataclass(frozen=True)
class TierCriteria:
    """What it takes to hold a tier. `key` identifies the tier to the caller (e.g. its pk)."""

    key: Hashable
    rank: int
    window_months: int = 12
    min_spend: Decimal = Decimal("0")
    min_orders: int = 0
    min_orders_per_recent_month: int = 0
    min_spend_per_recent_month: Decimal = Decimal("0")  # the seed's "over 300 in each of 2 months"
    recent_months: int = 0

    def __post_init__(self):
        if self.window_months < 1:
            raise ValueError("window_months must be at least 1")
        if self.recent_months < 0 or self.min_orders < 0 or self.min_orders_per_recent_month < 0:
            raise ValueError("criteria cannot be negative")
        if self.min_spend < 0 or self.min_spend_per_recent_month < 0:
            raise ValueError("spend minimums cannot be negative")

    @property
    def months_needed(self) -> int:
        return max(self.window_months, self.recent_months)


def criteria_met(criteria: TierCriteria, stats: MemberStats) -> bool:
    if stats.spend(months=criteria.window_months) < criteria.min_spend:
        return False
    if stats.orders(months=criteria.window_months) < criteria.min_orders:
        return False
    if criteria.recent_months and criteria.min_orders_per_recent_month:
        recent = stats.orders_per_month(months=criteria.recent_months)
        if any(count < criteria.min_orders_per_recent_month for count in recent):
            return False
    if criteria.recent_months and criteria.min_spend_per_recent_month:
        recent_spend = stats.spend_per_month(months=criteria.recent_months)
        if any(spend < criteria.min_spend_per_recent_month for spend in recent_spend):
            return False
    return True


def tier_for(stats: MemberStats, tiers: Sequence[TierCriteria]) -> TierCriteria | None:
    """The best-ranked tier whose criteria the stats meet, else the lowest-ranked tier.

    Returns None only when there are no tiers at all.
    """
    if not tiers:
        return None
    ranked = sorted(tiers, key=lambda t: t.rank, reverse=True)
    for criteria in ranked:
        if criteria_met(criteria, stats):
            return criteria
    return ranked[-1]


def months_needed(tiers: Iterable[TierCriteria]) -> int:
    """How many rolling months of history the criteria look at (at least 1)."""
    return max((t.months_needed for t in tiers), default=1)


def shift_months(moment: datetime, months: int) -> datetime:
    """`moment` moved back by whole calendar months, the day clamped to the month's length.

    shift_months(31 March, 1) is 28/29 February; the time of day and tzinfo are kept.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def month_boundaries(as_of: datetime, months: int) -> list[datetime]:
    """[as_of, as_of - 1 month, ..., as_of - `months` months]: rolling month i is
    [boundaries[i + 1], boundaries[i])."""
    return [shift_months(as_of, i) for i in range(months + 1)]
