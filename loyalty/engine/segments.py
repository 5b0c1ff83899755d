"""Segments, decided without the database: lifecycle stage, RFM quintile scores, the
amount × frequency matrix and the owner's dynamic tag rules, over one member's aggregates.

The same functions serve the nightly recompute of every member and the refresh of one
member after an order, so the two can never disagree.

Conventions (each is tested at its boundary):
- "within N days" means at most N days ago (exactly N days ago is within);
- a quintile cut-off is the nearest-rank 20th / 40th / 60th / 80th percentile of the members
  who have ordered; a value above a cut-off scores one more (recency the other way round:
  fewer days since the last order is better);
- on the matrix a value at or above its line is high (amount) or frequent (frequency); the
  median line is the upper median, so half the members are on each side when values differ.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

PROSPECT = "prospect"
NEW = "new"
ACTIVE = "active"
SLEEPING = "sleeping"
CHURNED = "churned"

BIG = "big"
POTENTIAL = "potential"
LOYAL = "loyal"
OCCASIONAL = "occasional"

# Dynamic tag rule kinds
SPENT_THIS_MONTH = "spent_this_month"
NO_VISIT = "no_visit"
PICKUP_TIMES = "pickup_times"
HIGH_FREQUENCY = "high_frequency"


@dataclass(frozen=True)
class LifecycleLimits:
    new_days: int  # new for this many days after the first order
    active_days: int  # active if the last order is at most this many days ago
    sleeping_days: int  # sleeping up to this many days; churned beyond


@dataclass(frozen=True)
class MemberFacts:
    """One member's aggregates over completed orders (refunded and voided ones do not count)."""

    joined_at: datetime
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    orders_in_window: int = 0
    spend_in_window: Decimal = Decimal("0")
    spend_this_month: Decimal = Decimal("0")
    pickup_orders_in_window: int = 0
    # orders in the last D days, for each D a high-frequency rule looks at
    orders_in_days: Mapping[int, int] = field(default_factory=dict)

    @property
    def average_ticket(self) -> Decimal:
        if not self.orders_in_window:
            return Decimal("0")
        return self.spend_in_window / self.orders_in_window


@dataclass(frozen=True)
class TagRule:
    tag_id: int
    kind: str
    amount: Decimal | None = None
    count: int | None = None
    days: int | None = None


@dataclass(frozen=True)
class Cutoffs:
    """The population's lines, from the last recompute of every member."""

    recency_days: tuple[int, ...] = ()  # four ascending cut-offs, or () when nobody ordered
    frequency: tuple[int, ...] = ()
    monetary: tuple[Decimal, ...] = ()
    amount_line: Decimal | None = None  # average ticket at or above: high
    frequency_line: int | None = None  # orders in the window at or above: frequent


@dataclass(frozen=True)
class Segment:
    lifecycle_stage: str
    value_group: str | None
    recency_score: int | None
    frequency_score: int | None
    monetary_score: int | None


def within_days(moment: datetime, now: datetime, days: int) -> bool:
    return now - moment <= timedelta(days=days)


def lifecycle_stage(facts: MemberFacts, limits: LifecycleLimits, now: datetime) -> str:
    """Prospect (never ordered), new (first order within the new days), active, sleeping or
    churned (by the days since the last order)."""
    if facts.first_order_at is None or facts.last_order_at is None:
        return PROSPECT
    if within_days(facts.first_order_at, now, limits.new_days):
        return NEW
    if within_days(facts.last_order_at, now, limits.active_days):
        return ACTIVE
    if within_days(facts.last_order_at, now, limits.sleeping_days):
        return SLEEPING
    return CHURNED


def days_since(moment: datetime, now: datetime) -> int:
    """Whole days from ``moment`` to ``now`` (0 on the same day, never negative)."""
    return max(0, (now - moment).days)


def nearest_rank(sorted_values: Sequence, percent: int):
    """The nearest-rank percentile of ascending values (at least one value)."""
    rank = max(1, math.ceil(percent * len(sorted_values) / 100))
    return sorted_values[rank - 1]


def quintile_cutoffs(values: Iterable) -> tuple:
    """The 20th, 40th, 60th and 80th nearest-rank percentiles, or () for no values."""
    ordered = sorted(values)
    if not ordered:
        return ()
    return tuple(nearest_rank(ordered, p) for p in (20, 40, 60, 80))


def upper_median(values: Iterable):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[len(ordered) // 2]


def score_higher_is_better(value, cutoffs: Sequence) -> int:
    """1 at or below the first cut-off, 5 above the last."""
    return 1 + sum(1 for c in cutoffs if value > c)


def score_lower_is_better(value, cutoffs: Sequence) -> int:
    """5 at or below the first cut-off, 1 above the last."""
    return 5 - sum(1 for c in cutoffs if value > c)


def value_group(
    *, average_ticket: Decimal, orders: int, amount_line: Decimal, frequency_line: int
) -> str:
    """The seeds' final classification by amount and frequency: big (frequent, high amount),
    potential (infrequent, high amount), loyal (frequent, low amount), occasional (neither)."""
    high = average_ticket >= amount_line
    frequent = orders >= frequency_line
    if high and frequent:
        return BIG
    if high:
        return POTENTIAL
    if frequent:
        return LOYAL
    return OCCASIONAL


def segment_for(
    facts: MemberFacts, *, limits: LifecycleLimits, cutoffs: Cutoffs, now: datetime
) -> Segment:
    stage = lifecycle_stage(facts, limits, now)
    group = None
    if (
        facts.orders_in_window
        and cutoffs.amount_line is not None
        and cutoffs.frequency_line is not None
    ):
        group = value_group(
            average_ticket=facts.average_ticket,
            orders=facts.orders_in_window,
            amount_line=cutoffs.amount_line,
            frequency_line=cutoffs.frequency_line,
        )
    recency = frequency = monetary = None
    if facts.last_order_at is not None and cutoffs.recency_days:
        recency = score_lower_is_better(days_since(facts.last_order_at, now), cutoffs.recency_days)
        frequency = score_higher_is_better(facts.orders_in_window, cutoffs.frequency)
        monetary = score_higher_is_better(facts.spend_in_window, cutoffs.monetary)
    return Segment(
        lifecycle_stage=stage,
        value_group=group,
        recency_score=recency,
        frequency_score=frequency,
        monetary_score=monetary,
    )


def population_cutoffs(
    facts: Iterable[MemberFacts],
    *,
    now: datetime,
    amount_line: Decimal | None = None,
    frequency_line: int | None = None,
) -> Cutoffs:
    """The quintile cut-offs over the members who have ordered, and the matrix lines: the
    owner's numbers where given, else the upper median over the members with orders in the
    analysis window."""
    recency, frequency, monetary, tickets, counts = [], [], [], [], []
    for f in facts:
        if f.last_order_at is None:
            continue
        recency.append(days_since(f.last_order_at, now))
        frequency.append(f.orders_in_window)
        monetary.append(f.spend_in_window)
        if f.orders_in_window:
            tickets.append(f.average_ticket)
            counts.append(f.orders_in_window)
    return Cutoffs(
        recency_days=quintile_cutoffs(recency),
        frequency=quintile_cutoffs(frequency),
        monetary=quintile_cutoffs(monetary),
        amount_line=amount_line if amount_line is not None else upper_median(tickets),
        frequency_line=frequency_line if frequency_line is not None else upper_median(counts),
    )


def rule_matches(rule: TagRule, facts: MemberFacts, now: datetime) -> bool:
    """Does the member earn the rule's tag?

    - spent this month: more than ``amount`` in completed orders this calendar month;
    - no visit: has ordered before, but not in the last ``days`` days (exactly ``days``
      days ago counts as no visit);
    - pickup: ``count`` or more pickup/delivery orders in the analysis window;
    - high frequency: ``count`` or more orders in the last ``days`` days.
    """
    if rule.kind == SPENT_THIS_MONTH:
        return facts.spend_this_month > (rule.amount or Decimal("0"))
    if rule.kind == NO_VISIT:
        return facts.last_order_at is not None and now - facts.last_order_at >= timedelta(
            days=rule.days or 0
        )
    if rule.kind == PICKUP_TIMES:
        return facts.pickup_orders_in_window >= (rule.count or 0)
    if rule.kind == HIGH_FREQUENCY:
        return facts.orders_in_days.get(rule.days or 0, 0) >= (rule.count or 0)
    return False


def tags_for(rules: Iterable[TagRule], facts: MemberFacts, now: datetime) -> set[int]:
    """The dynamic tags the member should carry: a tag is earned by any of its rules."""
    return {rule.tag_id for rule in rules if rule_matches(rule, facts, now)}
