"""Properties of the review's decision over random tier set-ups, policies, histories and
member states: a member is never given a tier below an active staff floor, never leaves a
held tier except upwards, and a floor that has ended (or names no tier) changes nothing.
Pure: no database."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.engine.tier_review import (
    MovementPolicy,
    TierState,
    review_decision,
    shift_forward,
)
from loyalty.engine.tiers import MemberStats, MonthStats, TierCriteria

SHANGHAI = ZoneInfo("Asia/Shanghai")
GONE = "deleted-tier"  # a key no tier has (the owner deleted the tier)

money = st.decimals(0, 6000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def tier_setups(draw) -> tuple[TierCriteria, ...]:
    count = draw(st.integers(1, 5))
    ranks = draw(st.lists(st.integers(0, 50), min_size=count, max_size=count, unique=True))
    return tuple(
        TierCriteria(
            key=f"t{i}",
            rank=rank,
            window_months=draw(st.integers(1, 12)),
            min_spend=draw(money),
            min_orders=draw(st.integers(0, 30)),
            min_orders_per_recent_month=draw(st.integers(0, 3)),
            min_spend_per_recent_month=draw(st.decimals(0, 500, places=2)),
            recent_months=draw(st.integers(0, 4)),
        )
        for i, rank in enumerate(ranks)
    )


policies = st.builds(
    MovementPolicy,
    promote_on_order=st.booleans(),
    demote_one_step=st.booleans(),
    hold_months=st.integers(0, 24),
    grace=st.booleans(),
    frequency_drop_months=st.integers(0, 6),
    frequency_drop_percent=st.integers(0, 100),
)
histories = st.lists(
    st.builds(MonthStats, orders=st.integers(0, 8), spend=st.decimals(0, 3000, places=2)),
    max_size=24,
).map(lambda months: MemberStats(months=tuple(months)))
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(SHANGHAI)
)


@st.composite
def cases(draw):
    tiers = draw(tier_setups())
    keys = [t.key for t in tiers]
    key_or_other = st.sampled_from([*keys, None, GONE])
    as_of = draw(moments)
    since = draw(st.none() | st.integers(-2, 40).map(lambda m: shift_forward(as_of, -m)))
    until = draw(st.none() | st.integers(-400, 400).map(lambda d: as_of + timedelta(days=d)))
    state = TierState(
        tier=draw(key_or_other),
        since=since,
        warned=draw(st.booleans()),
        floor=draw(key_or_other),
        floor_until=until,
    )
    policy_map = draw(st.dictionaries(st.sampled_from(keys), policies))
    return tiers, policy_map, state, as_of


def _decide(tiers, policy_map, stats, state, as_of, on_order):
    return review_decision(
        stats=stats,
        tiers=tiers,
        policies=policy_map,
        state=state,
        as_of=as_of,
        on_order=on_order,
    )


@settings(max_examples=1500, deadline=None)
@given(case=cases(), stats=histories, on_order=st.booleans())
def test_never_below_an_active_floor_never_out_of_a_held_tier_except_up(case, stats, on_order):
    tiers, policy_map, state, as_of = case
    rank = {t.key: t.rank for t in tiers}

    decision = _decide(tiers, policy_map, stats, state, as_of, on_order)

    assert decision.tier in rank
    floor_active = state.floor in rank and (state.floor_until is None or as_of < state.floor_until)
    if floor_active:
        assert rank[decision.tier] >= rank[state.floor], (decision, state)
    if state.tier in rank:
        policy = policy_map.get(state.tier, MovementPolicy())
        held = (
            policy.hold_months
            and state.since is not None
            and as_of < shift_forward(state.since, policy.hold_months)
        )
        if held or on_order:
            assert rank[decision.tier] >= rank[state.tier], (decision, state, policy)
    if not floor_active:
        without = TierState(tier=state.tier, since=state.since, warned=state.warned)
        assert decision == _decide(tiers, policy_map, stats, without, as_of, on_order)


@st.composite
def held_cases(draw):
    """A member in a tier with a hold (of at least one month), entered at `since`."""
    tiers = draw(tier_setups())
    keys = [t.key for t in tiers]
    current = draw(st.sampled_from(keys))
    policy_map = draw(st.dictionaries(st.sampled_from(keys), policies))
    policy_map[current] = draw(
        st.builds(
            MovementPolicy,
            demote_one_step=st.booleans(),
            hold_months=st.integers(1, 24),
            grace=st.booleans(),
            frequency_drop_months=st.integers(0, 6),
            frequency_drop_percent=st.integers(0, 100),
        )
    )
    return tiers, policy_map, current, draw(moments)


@settings(max_examples=300, deadline=None)
@given(case=held_cases(), stats=histories, warned=st.booleans())
def test_the_hold_ends_exactly_hold_months_after_entry(case, stats, warned):
    """A moment before the hold ends the review may only move the member up; from that
    moment on it decides as if there were no hold."""
    tiers, policy_map, current, since = case
    rank = {t.key: t.rank for t in tiers}
    ends = shift_forward(since, policy_map[current].hold_months)
    state = TierState(tier=current, since=since, warned=warned)
    unheld = {**policy_map, current: replace(policy_map[current], hold_months=0)}

    before = _decide(tiers, policy_map, stats, state, ends - timedelta(seconds=1), False)
    at_end = _decide(tiers, policy_map, stats, state, ends, False)

    assert rank[before.tier] >= rank[current], (before, state)
    assert at_end.tier == _decide(tiers, unheld, stats, state, ends, False).tier
