from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.engine.tiers import (
    MemberStats,
    MonthStats,
    TierCriteria,
    criteria_met,
    month_boundaries,
    months_needed,
    shift_months,
    tier_for,
)

# The seed articles' defaults (PRODUCT.md): rolling 12 months.
SEED = TierCriteria(
    key="seed",
    rank=4,
    min_spend=Decimal("10000"),
    min_orders=30,
    min_orders_per_recent_month=2,
    recent_months=3,
)
CORE = TierCriteria(key="core", rank=3, min_spend=Decimal("3000"))
POTENTIAL = TierCriteria(key="potential", rank=2, min_spend=Decimal("1000"))
BASIC = TierCriteria(key="basic", rank=1)
SEED_TIERS = [BASIC, SEED, POTENTIAL, CORE]  # deliberately not in rank order


def stats(*months: tuple[int, str]) -> MemberStats:
    return MemberStats(months=tuple(MonthStats(orders=o, spend=Decimal(s)) for o, s in months))


def even(months: int, orders: int, spend: str) -> MemberStats:
    """`orders` orders and `spend` in each of `months` months."""
    return stats(*[(orders, spend)] * months)


# --- criteria_met ------------------------------------------------------------------------


def test_spend_threshold_is_inclusive():
    assert criteria_met(CORE, stats((1, "3000.00")))
    assert not criteria_met(CORE, stats((1, "2999.99")))


def test_order_threshold_is_inclusive():
    criteria = TierCriteria(key="x", rank=1, min_orders=30)
    assert criteria_met(criteria, stats((30, "0")))
    assert not criteria_met(criteria, stats((29, "0")))


def test_spend_and_orders_are_summed_over_the_window_only():
    criteria = TierCriteria(key="x", rank=1, window_months=3, min_spend=Decimal("300"))
    inside = stats((1, "100"), (1, "100"), (1, "100"))
    assert criteria_met(criteria, inside)
    # The same spend with one month falling out of the 3-month window is not enough.
    outside = stats((1, "100"), (1, "100"), (0, "0"), (1, "100"))
    assert not criteria_met(criteria, outside)


def test_every_recent_month_needs_the_minimum():
    history = [(3, "900")] * 12
    assert criteria_met(SEED, stats(*history))
    for month in range(3):
        weak = list(history)
        weak[month] = (1, "2000")
        assert not criteria_met(SEED, stats(*weak)), month
    # An older month below the per-month minimum does not matter.
    old_gap = list(history)
    old_gap[3] = (0, "0")
    old_gap[4] = (6, "2000")
    assert criteria_met(SEED, stats(*old_gap))


def test_months_missing_from_the_history_count_as_empty():
    # Only two months of history: the third recent month has no orders.
    assert not criteria_met(SEED, stats((20, "6000"), (20, "6000")))
    assert MemberStats().orders_per_month(months=3) == (0, 0, 0)
    assert MemberStats().spend(months=12) == Decimal("0")


def test_recent_month_minimum_without_months_checks_nothing():
    criteria = TierCriteria(key="x", rank=1, min_orders_per_recent_month=5, recent_months=0)
    assert criteria_met(criteria, MemberStats())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window_months": 0},
        {"min_orders": -1},
        {"recent_months": -1},
        {"min_orders_per_recent_month": -1},
        {"min_spend": Decimal("-1")},
    ],
)
def test_invalid_criteria_are_refused(kwargs):
    with pytest.raises(ValueError):
        TierCriteria(key="x", rank=1, **kwargs)


# --- tier_for with the seed's four tiers ---------------------------------------------------


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (MemberStats(), "basic"),  # never ordered
        (stats((1, "999.99")), "basic"),
        (stats((1, "1000")), "potential"),
        (even(12, 1, "249.99"), "potential"),  # 2,999.88 a year
        (even(12, 1, "250"), "core"),  # 3,000 a year
        (even(12, 1, "2000"), "core"),  # big spender, only 12 orders: not Seed
        (even(12, 3, "1000"), "seed"),  # 36 orders, 12,000, 3 a month
        (even(15, 3, "1000"), "seed"),  # longer history than the window
        # Seed spend and orders, but a quiet month among the last three: Core.
        (stats((2, "900"), (0, "0"), *[(4, "1500")] * 10), "core"),
        # 30 orders and >= 2 in each recent month but 9,999.99 spend: Core.
        (stats((2, "666.67"), (2, "666.66"), (2, "666.66"), *[(3, "1000")] * 8), "core"),
        # 29 orders: Core.
        (stats((2, "5000"), (2, "5000"), (2, "5000"), (23, "10")), "core"),
        # Exactly 30 orders, 10,000, 2 in each of the last 3 months: Seed.
        (stats((2, "5000"), (2, "2500"), (2, "2500"), (24, "0")), "seed"),
        # Spend in month 12 (the 13th month back) is outside the window.
        (stats(*[(0, "0")] * 12, (5, "50000")), "basic"),
    ],
)
def test_seed_tiers(history, expected):
    assert tier_for(history, SEED_TIERS).key == expected


def test_without_tiers_there_is_no_tier():
    assert tier_for(MemberStats(), []) is None


def test_lowest_tier_is_the_default_even_when_its_criteria_are_not_met():
    picky_lowest = TierCriteria(key="low", rank=1, min_orders=5)
    higher = TierCriteria(key="high", rank=2, min_orders=10)
    assert tier_for(MemberStats(), [higher, picky_lowest]).key == "low"


def test_best_rank_wins_when_several_tiers_are_met():
    loose_high = TierCriteria(key="vip", rank=9)
    assert tier_for(even(12, 3, "1000"), [*SEED_TIERS, loose_high]).key == "vip"


def test_months_needed_covers_window_and_recent_months():
    assert months_needed(SEED_TIERS) == 12
    assert months_needed([TierCriteria(key="x", rank=1, window_months=3, recent_months=6)]) == 6
    assert months_needed([]) == 1


month_stats = st.builds(
    MonthStats,
    orders=st.integers(min_value=0, max_value=8),
    spend=st.decimals(min_value=0, max_value=3000, places=2),
)
histories = st.lists(month_stats, max_size=14).map(lambda months: MemberStats(tuple(months)))


@given(histories)
def test_the_result_is_met_or_is_the_default(history):
    chosen = tier_for(history, SEED_TIERS)
    assert chosen is BASIC or criteria_met(chosen, history)
    better = [t for t in SEED_TIERS if t.rank > chosen.rank]
    assert not any(criteria_met(t, history) for t in better)


@given(histories, st.integers(min_value=0, max_value=13), month_stats)
def test_more_activity_never_lowers_the_tier(history, month, extra):
    months = list(history.months) + [MonthStats()] * (14 - len(history.months))
    months[month] = MonthStats(
        orders=months[month].orders + extra.orders, spend=months[month].spend + extra.spend
    )
    more = MemberStats(tuple(months))
    assert tier_for(more, SEED_TIERS).rank >= tier_for(history, SEED_TIERS).rank


# --- rolling month arithmetic ------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 5, 15, 9, 30, tzinfo=UTC), 0, datetime(2026, 5, 15, 9, 30, tzinfo=UTC)),
        (datetime(2026, 5, 15, 9, 30, tzinfo=UTC), 1, datetime(2026, 4, 15, 9, 30, tzinfo=UTC)),
        (datetime(2026, 1, 10), 1, datetime(2025, 12, 10)),
        (datetime(2026, 1, 10), 13, datetime(2024, 12, 10)),
        (datetime(2026, 3, 31), 1, datetime(2026, 2, 28)),
        (datetime(2024, 3, 31), 1, datetime(2024, 2, 29)),  # leap year
        (datetime(2026, 7, 31), 1, datetime(2026, 6, 30)),
        (datetime(2026, 3, 31), 2, datetime(2026, 1, 31)),
    ],
)
def test_shift_months(moment, months, expected):
    assert shift_months(moment, months) == expected


def test_shift_months_refuses_going_forward():
    with pytest.raises(ValueError):
        shift_months(datetime(2026, 1, 1), -1)


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)))
def test_month_boundaries_strictly_decrease(as_of):
    bounds = month_boundaries(as_of, 13)
    assert bounds[0] == as_of
    assert len(bounds) == 14
    assert all(later > earlier for later, earlier in zip(bounds, bounds[1:], strict=False))
