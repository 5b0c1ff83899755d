"""The tier review's decision for one member, and the progress behind it. Pure Python.

Months are the rolling months of `loyalty.engine.tiers` counted back from the review date.
The review runs at the start of each month in the shop's time zone, so there a rolling
month is exactly a calendar month; a promotion checked on an order counts the rolling
months before that order. The decision, the member's explanation and the reports all read
the same months.

What the review does with what a member earned (`tier_for`) depends on where they are:
- earned a higher tier: promoted to it (at the review, or on the qualifying order when
  the tier they are in says so);
- earned their own tier: kept, and a grace warning is cleared;
- earned less, or their visits dropped (the frequency-drop rule of the tier they hold):
  kept while the tier is held (N months from entry), warned on the first failed review
  when the tier gives grace, otherwise demoted one step or straight to what they earned;
- never below a floor staff set (until its end date).
"""

import calendar
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from loyalty.engine.tiers import MemberStats, TierCriteria, tier_for


class Rule(StrEnum):
    """Why a member is in the tier the review gives them (stored with every move)."""

    KEPT = "kept"
    PROMOTION = "promotion"
    DEMOTION = "demotion"
    HELD = "held"  # failed, but the tier is held for N months from entry
    GRACE = "grace"  # failed for the first time: warned, not moved
    FLOOR = "floor"  # staff pinned the member at or above a tier
    HOLD_EXPIRED = "hold_expired"  # demoted on the first review after the hold ended


@dataclass(frozen=True)
class MovementPolicy:
    """How members move into and out of one tier (owner-set, per tier)."""

    promote_on_order: bool = False  # enter this tier on the order that qualifies
    demote_one_step: bool = True  # leave it one step at a time, else straight to earned
    hold_months: int = 0  # kept at least this many months from entry
    grace: bool = False  # the first failed review only warns
    frequency_drop_months: int = 0  # N: compare orders in the last N months ...
    frequency_drop_percent: int = 0  # ... with the N before; at or below X % fails the tier

    def __post_init__(self):
        if self.hold_months < 0 or self.frequency_drop_months < 0:
            raise ValueError("months cannot be negative")
        if not 0 <= self.frequency_drop_percent <= 100:
            raise ValueError("frequency_drop_percent must be within 0-100")


@dataclass(frozen=True)
class TierState:
    """Where a member stands before the review."""

    tier: Hashable | None
    since: datetime | None = None
    warned: bool = False  # the previous review gave a grace warning
    floor: Hashable | None = None
    floor_until: datetime | None = None  # None: the floor has no end date


@dataclass(frozen=True)
class TierDecision:
    tier: Hashable
    rule: Rule
    warn: bool = False  # the member is warned (grace), to be recorded in their state

    def moves(self, state: TierState) -> bool:
        return self.tier != state.tier


def frequency_dropped(stats: MemberStats, policy: MovementPolicy) -> bool:
    """Orders in the last N months at or below X % of the N months before (which had orders)."""
    n = policy.frequency_drop_months
    if not n or not policy.frequency_drop_percent:
        return False
    counts = stats.orders_per_month(months=2 * n)
    recent, before = sum(counts[:n]), sum(counts[n:])
    return before > 0 and recent * 100 <= before * policy.frequency_drop_percent


def _floor_active(state: TierState, as_of: datetime) -> bool:
    return state.floor is not None and (state.floor_until is None or as_of < state.floor_until)


def hold_end(state: TierState, policy: MovementPolicy, as_of: datetime) -> datetime | None:
    """When the hold on the member's tier ends (None: no hold). Months are counted on the
    shop's calendar, the time zone of `as_of` (a database gives `since` in UTC, where
    1 October 00:00 in Shanghai is 30 September)."""
    if not policy.hold_months or state.since is None:
        return None
    since = state.since.astimezone(as_of.tzinfo) if as_of.tzinfo else state.since
    return shift_forward(since, policy.hold_months)


def _held(state: TierState, policy: MovementPolicy, as_of: datetime) -> bool:
    end = hold_end(state, policy, as_of)
    return end is not None and as_of < end


def shift_forward(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months, the day clamped (31 Jan + 1 month = 28/29 Feb)."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month0 = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def review_decision(
    *,
    stats: MemberStats,
    tiers: Sequence[TierCriteria],
    policies: dict[Hashable, MovementPolicy],
    state: TierState,
    as_of: datetime,
    on_order: bool = False,
) -> TierDecision:
    """The tier a member holds after a review at `as_of` (or after an order, `on_order`:
    only promotions into tiers that promote on the order; nothing else moves). A staff
    floor lifts whatever the rules decide."""
    ranked = sorted(tiers, key=lambda t: t.rank)
    decision = _by_the_rules(stats, ranked, policies, state, as_of, on_order)
    return _with_floor(decision, ranked, state, as_of)


def _by_the_rules(stats, ranked, policies, state, as_of, on_order) -> TierDecision:
    current = next((t for t in ranked if t.key == state.tier), None)
    earned = tier_for(stats, ranked)
    if current is None:  # a new member or a deleted tier: they get what they earned
        return TierDecision(earned.key, Rule.PROMOTION)
    if earned.rank > current.rank:
        if on_order and not policies.get(earned.key, MovementPolicy()).promote_on_order:
            return TierDecision(current.key, Rule.KEPT, warn=state.warned)
        return TierDecision(earned.key, Rule.PROMOTION)
    policy = policies.get(current.key, MovementPolicy())
    fails = earned.rank < current.rank or frequency_dropped(stats, policy)
    if on_order:  # an order only ever promotes; the warning stands until the next review
        return TierDecision(current.key, Rule.KEPT, warn=state.warned)
    if not fails:
        return TierDecision(current.key, Rule.KEPT)
    if _held(state, policy, as_of):
        return TierDecision(current.key, Rule.HELD)
    if policy.grace and not state.warned:
        return TierDecision(current.key, Rule.GRACE, warn=True)
    below = [t for t in ranked if t.rank < current.rank]
    if not below:
        return TierDecision(current.key, Rule.KEPT)
    target = below[-1] if policy.demote_one_step else min(earned, below[-1], key=lambda t: t.rank)
    rule = Rule.HOLD_EXPIRED if policy.hold_months and state.since else Rule.DEMOTION
    return TierDecision(target.key, rule)


def _with_floor(
    decision: TierDecision, ranked: Sequence[TierCriteria], state: TierState, as_of: datetime
) -> TierDecision:
    if not _floor_active(state, as_of):
        return decision
    rank = {t.key: t.rank for t in ranked}
    floor_rank = rank.get(state.floor)
    if floor_rank is None or rank[decision.tier] >= floor_rank:
        return decision
    return TierDecision(state.floor, Rule.FLOOR)


@dataclass(frozen=True)
class Progress:
    """How far a member is on one criterion of a tier (what the explanation and bars show).

    For the "each of the last N months" criteria `have` is the weakest of those months,
    `this_month` the most recent one (month 0) and `earlier_met` whether every other month
    of the streak already meets it: only then can orders this month still complete it.
    """

    kind: str  # "spend", "orders", "orders_each_month", "spend_each_month" or "visits"
    needed: Decimal | int
    have: Decimal | int
    months: int
    this_month: Decimal | int | None = None
    earlier_met: bool = True

    @property
    def met(self) -> bool:
        return self.have >= self.needed

    @property
    def missing(self) -> Decimal | int:
        """What is still needed: for a monthly streak, in the most recent month."""
        if self.this_month is not None:
            return max(self.needed - self.this_month, 0)
        return max(self.needed - self.have, 0)

    @property
    def reachable(self) -> bool:
        """Whether orders in the most recent month alone can still meet it."""
        return self.met or self.earlier_met

    @property
    def percent(self) -> int:
        """0-100, for a progress bar (a monthly streak: the most recent month)."""
        have = self.have if self.this_month is None else self.this_month
        if not self.needed:
            return 100
        return int(min(Decimal(have) / Decimal(self.needed), Decimal(1)) * 100)


def _streak(kind: str, needed, per_month: tuple, months: int) -> Progress:
    return Progress(
        kind,
        needed,
        min(per_month),
        months,
        this_month=per_month[0],
        earlier_met=all(value >= needed for value in per_month[1:]),
    )


def tier_progress(criteria: TierCriteria, stats: MemberStats) -> tuple[Progress, ...]:
    """Each criterion of a tier with what the member has: the same checks as `criteria_met`."""
    window, recent = criteria.window_months, criteria.recent_months
    progress = []
    if criteria.min_spend:
        progress.append(Progress("spend", criteria.min_spend, stats.spend(months=window), window))
    if criteria.min_orders:
        progress.append(
            Progress("orders", criteria.min_orders, stats.orders(months=window), window)
        )
    if recent and criteria.min_orders_per_recent_month:
        per_month = stats.orders_per_month(months=recent)
        progress.append(
            _streak("orders_each_month", criteria.min_orders_per_recent_month, per_month, recent)
        )
    if recent and criteria.min_spend_per_recent_month:
        per_month = stats.spend_per_month(months=recent)
        progress.append(
            _streak("spend_each_month", criteria.min_spend_per_recent_month, per_month, recent)
        )
    return tuple(progress)


def visits_progress(stats: MemberStats, policy: MovementPolicy) -> Progress | None:
    """The frequency-drop rule as a criterion: orders needed in the last N months so that
    they are no longer at or below X % of the N months before (None: the rule is off, or
    the months before had no orders, so nothing can drop)."""
    n, percent = policy.frequency_drop_months, policy.frequency_drop_percent
    if not n or not percent:
        return None
    counts = stats.orders_per_month(months=2 * n)
    recent, before = sum(counts[:n]), sum(counts[n:])
    if not before:
        return None
    # Fails while recent * 100 <= before * percent: the least that passes is one more.
    needed = before * percent // 100 + 1
    return Progress("visits", needed, recent, n)
