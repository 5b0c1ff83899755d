"""Whether an automatic reward rule applies to a member, and for which period: pure
functions over plain data, shared by the real run and the dry run so the two cannot
disagree."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

EVENT_TRIGGERS = (
    "order_completed",
    "first_order",
    "topped_up",
    "tier_up",
    "tier_down",
    "referral_qualified",
)
SCHEDULED_TRIGGERS = ("monthly_review", "daily", "birthday")


@dataclass(frozen=True)
class Conditions:
    tier_ids: frozenset[int] = frozenset()
    tag_ids: frozenset[int] = frozenset()
    stages: frozenset[str] = frozenset()
    spend_window: str = ""  # "", "this_month" or "last_days"
    window_days: int | None = None
    min_spend: Decimal | None = None
    min_orders: int | None = None
    streak_months: int | None = None
    streak_min_spend: Decimal | None = None
    min_days_since_visit: int | None = None


@dataclass(frozen=True)
class Facts:
    """What the conditions look at, for one member, as of one local day."""

    tier_id: int | None
    tag_ids: frozenset[int] = frozenset()
    stage: str | None = None
    window_spend: Decimal = Decimal("0")
    window_orders: int = 0
    # Completed spend per calendar month, (year, month) → amount; missing months spent 0.
    monthly_spend: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    last_visit: date | None = None
    birthday: date | None = None


def previous_months(today: date, count: int) -> list[tuple[int, int]]:
    """The `count` calendar months before today's month, newest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append((year, month))
    return months


def is_birthday(birthday: date | None, today: date) -> bool:
    """29 February birthdays are kept on 28 February in other years."""
    if birthday is None:
        return False
    if (birthday.month, birthday.day) == (today.month, today.day):
        return True
    leap_day = (birthday.month, birthday.day) == (2, 29)
    try:
        date(today.year, 2, 29)
        is_leap = True
    except ValueError:
        is_leap = False
    return leap_day and not is_leap and (today.month, today.day) == (2, 28)


def failed_condition(conditions: Conditions, facts: Facts, *, today: date) -> str | None:
    """The first condition the member does not meet, or None when all hold."""
    c = conditions
    if c.tier_ids and facts.tier_id not in c.tier_ids:
        return "tier"
    if c.tag_ids and not (c.tag_ids & facts.tag_ids):
        return "tag"
    if c.stages and facts.stage not in c.stages:
        return "stage"
    if c.spend_window:
        if c.min_spend is not None and facts.window_spend < c.min_spend:
            return "spend"
        if c.min_orders is not None and facts.window_orders < c.min_orders:
            return "orders"
    if c.streak_months:
        for month in previous_months(today, c.streak_months):
            if facts.monthly_spend.get(month, Decimal("0")) <= c.streak_min_spend:
                return "streak"
    # A member who never visited has no absence to win back from.
    if c.min_days_since_visit is not None and (
        facts.last_visit is None or (today - facts.last_visit).days < c.min_days_since_visit
    ):
        return "recent_visit"
    return None


def period_key(period: str, *, today: date, event_id: int | None, last_visit: date | None) -> str:
    """The key that makes a rule fire at most once per member per period."""
    if period == "each":
        return f"event:{event_id}" if event_id is not None else f"day:{today.isoformat()}"
    if period == "day":
        return f"day:{today.isoformat()}"
    if period == "month":
        return f"month:{today:%Y-%m}"
    if period == "year":
        return f"year:{today.year}"
    if period == "absence":
        return f"absence:{last_visit.isoformat() if last_visit else 'none'}"
    if period == "ever":
        return "ever"
    raise ValueError(f"unknown period {period!r}")


def tier_direction(from_rank: int | None, to_rank: int | None) -> str | None:
    """'up', 'down' or None for a tier change between two ranks (None: no tier)."""
    if to_rank is None:
        return None
    if from_rank is None or to_rank > from_rank:
        return "up"
    if to_rank < from_rank:
        return "down"
    return None


@dataclass(frozen=True)
class Budget:
    count_limit: int | None
    amount_limit: Decimal | None
    count_used: int
    amount_used: Decimal


def budget_allows(budget: Budget, value: Decimal) -> bool:
    if budget.count_limit is not None and budget.count_used + 1 > budget.count_limit:
        return False
    return budget.amount_limit is None or budget.amount_used + value <= budget.amount_limit
