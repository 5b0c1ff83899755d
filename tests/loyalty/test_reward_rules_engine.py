"""The reward rules' decisions, at every boundary (pure: no database)."""

from datetime import date
from decimal import Decimal

import pytest

from loyalty.engine import rules as engine

TODAY = date(2026, 11, 23)


def facts(**kwargs) -> engine.Facts:
    return engine.Facts(tier_id=kwargs.pop("tier_id", 1), **kwargs)


def test_no_conditions_means_everyone():
    assert engine.failed_condition(engine.Conditions(), facts(), today=TODAY) is None


@pytest.mark.parametrize(("tier_id", "failed"), [(1, None), (2, "tier"), (None, "tier")])
def test_tier(tier_id, failed):
    c = engine.Conditions(tier_ids=frozenset({1}))
    assert engine.failed_condition(c, facts(tier_id=tier_id), today=TODAY) == failed


@pytest.mark.parametrize(
    ("tags", "failed"), [({5}, None), ({5, 6}, None), ({6}, "tag"), (set(), "tag")]
)
def test_tags_any_of(tags, failed):
    c = engine.Conditions(tag_ids=frozenset({5, 7}))
    assert engine.failed_condition(c, facts(tag_ids=frozenset(tags)), today=TODAY) == failed


@pytest.mark.parametrize(
    ("stage", "failed"), [("sleeping", None), ("active", "stage"), (None, "stage")]
)
def test_stage(stage, failed):
    c = engine.Conditions(stages=frozenset({"sleeping", "churned"}))
    assert engine.failed_condition(c, facts(stage=stage), today=TODAY) == failed


@pytest.mark.parametrize(
    ("spend", "failed"),
    [(Decimal("300.00"), None), (Decimal("299.99"), "spend"), (Decimal("1000"), None)],
)
def test_window_spend_at_and_below(spend, failed):
    c = engine.Conditions(spend_window="this_month", min_spend=Decimal("300"))
    assert engine.failed_condition(c, facts(window_spend=spend), today=TODAY) == failed


@pytest.mark.parametrize(("orders", "failed"), [(3, None), (2, "orders"), (0, "orders")])
def test_window_orders(orders, failed):
    c = engine.Conditions(spend_window="last_days", window_days=30, min_orders=3)
    assert engine.failed_condition(c, facts(window_orders=orders), today=TODAY) == failed


def test_previous_months_cross_the_year():
    assert engine.previous_months(date(2026, 2, 10), 3) == [(2026, 1), (2025, 12), (2025, 11)]


def _streak(amounts: list[str]) -> dict:
    months = engine.previous_months(TODAY, len(amounts))
    return {m: Decimal(a) for m, a in zip(months, amounts, strict=True)}


def test_streak_needs_more_than_the_amount_in_every_month():
    c = engine.Conditions(streak_months=6, streak_min_spend=Decimal("500"))
    ok = _streak(["500.01"] * 6)
    assert engine.failed_condition(c, facts(monthly_spend=ok), today=TODAY) is None
    exactly = _streak(["500.01"] * 5 + ["500.00"])
    assert engine.failed_condition(c, facts(monthly_spend=exactly), today=TODAY) == "streak"
    gap = _streak(["900"] * 5)  # the sixth month spent nothing
    assert engine.failed_condition(c, facts(monthly_spend=gap), today=TODAY) == "streak"


def test_streak_ignores_the_current_month():
    c = engine.Conditions(streak_months=1, streak_min_spend=Decimal("500"))
    only_now = {(2026, 11): Decimal("9000")}
    assert engine.failed_condition(c, facts(monthly_spend=only_now), today=TODAY) == "streak"


@pytest.mark.parametrize(
    ("last_visit", "failed"),
    [
        (date(2026, 8, 25), None),  # 90 days ago
        (date(2026, 8, 26), "recent_visit"),  # 89 days ago
        (None, "recent_visit"),  # never visited: nothing to win back
    ],
)
def test_days_since_visit(last_visit, failed):
    c = engine.Conditions(min_days_since_visit=90)
    assert engine.failed_condition(c, facts(last_visit=last_visit), today=TODAY) == failed


@pytest.mark.parametrize(
    ("period", "key"),
    [
        ("each", "event:42"),
        ("day", "day:2026-11-23"),
        ("month", "month:2026-11"),
        ("year", "year:2026"),
        ("absence", "absence:2026-08-01"),
        ("ever", "ever"),
    ],
)
def test_period_keys(period, key):
    assert engine.period_key(period, today=TODAY, event_id=42, last_visit=date(2026, 8, 1)) == key


def test_each_time_without_an_event_is_per_day():
    assert (
        engine.period_key("each", today=TODAY, event_id=None, last_visit=None) == "day:2026-11-23"
    )


def test_unknown_period_is_refused():
    with pytest.raises(ValueError):
        engine.period_key("weekly", today=TODAY, event_id=None, last_visit=None)


@pytest.mark.parametrize(
    ("birthday", "today", "expected"),
    [
        (date(1990, 11, 23), TODAY, True),
        (date(1990, 11, 22), TODAY, False),
        (None, TODAY, False),
        (date(1992, 2, 29), date(2027, 2, 28), True),  # not a leap year
        (date(1992, 2, 29), date(2028, 2, 28), False),  # a leap year: the 29th comes
        (date(1992, 2, 29), date(2028, 2, 29), True),
    ],
)
def test_birthday(birthday, today, expected):
    assert engine.is_birthday(birthday, today) is expected


@pytest.mark.parametrize(
    ("before", "after", "direction"),
    [(1, 2, "up"), (2, 1, "down"), (None, 1, "up"), (2, 2, None), (2, None, None)],
)
def test_tier_direction(before, after, direction):
    assert engine.tier_direction(before, after) == direction


@pytest.mark.parametrize(
    ("count_limit", "amount_limit", "used", "spent", "value", "allowed"),
    [
        (3, None, 2, "0", "50", True),
        (3, None, 3, "0", "50", False),
        (None, "100", 0, "50", "50", True),
        (None, "100", 0, "50.01", "50", False),
        (None, None, 10**6, "1e6", "50", True),
    ],
)
def test_budget(count_limit, amount_limit, used, spent, value, allowed):
    budget = engine.Budget(
        count_limit, Decimal(amount_limit) if amount_limit else None, used, Decimal(spent)
    )
    assert engine.budget_allows(budget, Decimal(value)) is allowed
