"""The outlook's 'what is missing' is exact: adding it to this month meets the criterion, one
unit less does not; the visits criterion is the frequency-drop rule turned around."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from loyalty.engine.tier_review import (
    MovementPolicy,
    frequency_dropped,
    tier_progress,
    visits_progress,
)
from loyalty.engine.tiers import MemberStats, MonthStats, TierCriteria, criteria_met

months = st.lists(
    st.builds(
        MonthStats,
        orders=st.integers(0, 6),
        spend=st.decimals(0, 800, places=2, allow_nan=False, allow_infinity=False),
    ),
    max_size=8,
)


def with_this_month(stats: MemberStats, orders: int = 0, spend: Decimal = Decimal(0)):
    padded = list(stats.months) or [MonthStats()]
    first = padded[0]
    padded[0] = MonthStats(orders=first.orders + orders, spend=first.spend + spend)
    return MemberStats(months=tuple(padded))


@given(months, st.integers(1, 4), st.integers(1, 4))
def test_orders_each_month_missing_is_exact(history, needed, recent):
    criteria = TierCriteria(
        key="t", rank=1, min_orders_per_recent_month=needed, recent_months=recent
    )
    stats = MemberStats(months=tuple(history))
    (progress,) = tier_progress(criteria, stats)

    assert progress.met == criteria_met(criteria, stats)
    if progress.met or not progress.reachable:
        return
    assert criteria_met(criteria, with_this_month(stats, orders=progress.missing))
    assert not criteria_met(criteria, with_this_month(stats, orders=progress.missing - 1))


@given(months, st.decimals(1, 3000, places=2, allow_nan=False, allow_infinity=False))
def test_spend_missing_is_exact_to_the_cent(history, needed):
    criteria = TierCriteria(key="t", rank=1, min_spend=needed, window_months=6)
    stats = MemberStats(months=tuple(history))
    (progress,) = tier_progress(criteria, stats)

    assert progress.met == criteria_met(criteria, stats)
    if progress.met:
        return
    assert criteria_met(criteria, with_this_month(stats, spend=progress.missing))
    assert not criteria_met(
        criteria, with_this_month(stats, spend=progress.missing - Decimal("0.01"))
    )


@given(months, st.integers(1, 3), st.integers(1, 100))
def test_visits_progress_is_met_exactly_when_the_frequency_did_not_drop(history, n, percent):
    policy = MovementPolicy(frequency_drop_months=n, frequency_drop_percent=percent)
    stats = MemberStats(months=tuple(history))
    progress = visits_progress(stats, policy)

    if progress is None:
        assert not frequency_dropped(stats, policy)
        return
    assert progress.met == (not frequency_dropped(stats, policy))
    if not progress.met:
        assert not frequency_dropped(with_this_month(stats, orders=progress.missing), policy)
        assert frequency_dropped(with_this_month(stats, orders=progress.missing - 1), policy)
