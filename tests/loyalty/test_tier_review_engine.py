"""The review's decision engine: the seed's thresholds at, above and below, and the movement
rules (hold, grace, floor, one step, frequency drop). Pure: no database."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.engine.tier_review import (
    MovementPolicy,
    Rule,
    TierState,
    frequency_dropped,
    review_decision,
    shift_forward,
    tier_progress,
)
from loyalty.engine.tiers import MemberStats, MonthStats, TierCriteria, criteria_met

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = datetime(2026, 6, 1, tzinfo=SHANGHAI)

BASIC = TierCriteria(key="basic", rank=1)
POTENTIAL = TierCriteria(key="potential", rank=2, min_spend=D("1000"))
CORE = TierCriteria(key="core", rank=3, min_spend=D("3000"))
SEED = TierCriteria(
    key="seed",
    rank=4,
    min_spend=D("10000"),
    min_orders=30,
    min_orders_per_recent_month=2,
    recent_months=3,
)
TIERS = (BASIC, POTENTIAL, CORE, SEED)


def months(*pairs) -> MemberStats:
    """months((orders, spend), ...) most recent first."""
    return MemberStats(months=tuple(MonthStats(orders=o, spend=D(str(s))) for o, s in pairs))


def seed_member(spend="10000", orders=30, weakest_recent=2) -> MemberStats:
    """12 months: the last 3 with `weakest_recent` orders at least, all the spend last month."""
    recent = [weakest_recent, max(weakest_recent, 2), max(weakest_recent, 2)]
    rest = orders - sum(recent)
    older = [rest // 9 + (1 if i < rest % 9 else 0) for i in range(9)]
    return months(*[(o, spend if i == 0 else 0) for i, o in enumerate(recent + older)])


# --- criteria at, above and below the seed's thresholds ------------------------------------


@pytest.mark.parametrize(
    ("spend", "expected"), [("9999.99", False), ("10000", True), ("10000.01", True)]
)
def test_seed_spend_threshold(spend, expected):
    assert criteria_met(SEED, seed_member(spend=spend)) is expected


@pytest.mark.parametrize(("orders", "expected"), [(29, False), (30, True), (31, True)])
def test_seed_order_count_threshold(orders, expected):
    assert criteria_met(SEED, seed_member(orders=orders)) is expected


@pytest.mark.parametrize(("weakest", "expected"), [(1, False), (2, True), (3, True)])
def test_seed_needs_two_orders_in_each_of_the_last_three_months(weakest, expected):
    assert criteria_met(SEED, seed_member(weakest_recent=weakest, orders=31)) is expected


@pytest.mark.parametrize(
    ("weakest", "expected"), [("299.99", False), ("300", True), ("300.01", True)]
)
def test_spend_in_each_of_two_consecutive_months(weakest, expected):
    # The seed: a Potential customer spending over 300 in each of 2 consecutive months moves up.
    streak = TierCriteria(key="core", rank=3, min_spend_per_recent_month=D("300"), recent_months=2)
    assert criteria_met(streak, months((1, "450"), (1, weakest))) is expected
    assert criteria_met(streak, months((1, "450"))) is False  # the month before had nothing


@pytest.mark.parametrize(
    ("recent_orders", "dropped"), [(1, True), (2, True), (3, False), (4, False)]
)
def test_frequency_drop_at_or_below_half_of_the_months_before(recent_orders, dropped):
    policy = MovementPolicy(frequency_drop_months=2, frequency_drop_percent=50)
    stats = months((recent_orders, 100), (0, 0), (2, 100), (2, 100))

    assert frequency_dropped(stats, policy) is dropped


def test_no_drop_without_orders_in_the_months_before_or_without_the_rule():
    rule = MovementPolicy(frequency_drop_months=2, frequency_drop_percent=50)
    assert frequency_dropped(months((0, 0), (0, 0)), rule) is False
    assert frequency_dropped(months((0, 0), (0, 0), (5, 500)), MovementPolicy()) is False


# --- movement rules -------------------------------------------------------------------------


def decide(stats, state, *, policies=None, as_of=JUNE, on_order=False):
    return review_decision(
        stats=stats,
        tiers=TIERS,
        policies=policies or {},
        state=state,
        as_of=as_of,
        on_order=on_order,
    )


def test_promotion_and_keeping_a_tier_earned():
    up = decide(months((1, "3500")), TierState(tier="potential"))
    kept = decide(months((1, "3500")), TierState(tier="core", warned=True))

    assert (up.tier, up.rule) == ("core", Rule.PROMOTION)
    assert (kept.tier, kept.rule, kept.warn) == ("core", Rule.KEPT, False)


def test_demotion_is_one_step_by_default_or_straight_to_what_was_earned():
    nothing = months()
    one_step = decide(nothing, TierState(tier="seed"))
    straight = decide(
        nothing, TierState(tier="seed"), policies={"seed": MovementPolicy(demote_one_step=False)}
    )

    assert (one_step.tier, one_step.rule) == ("core", Rule.DEMOTION)
    assert (straight.tier, straight.rule) == ("basic", Rule.DEMOTION)


def test_a_frequency_drop_demotes_a_member_whose_spend_still_qualifies():
    policy = MovementPolicy(frequency_drop_months=3, frequency_drop_percent=50)
    stats = months((1, 2000), (0, 0), (0, 0), (2, 500), (2, 500), (2, 500))

    decision = decide(stats, TierState(tier="core"), policies={"core": policy})

    assert criteria_met(CORE, stats)
    assert (decision.tier, decision.rule) == ("potential", Rule.DEMOTION)


def test_a_held_tier_is_kept_until_the_hold_ends_then_demoted():
    policy = {"core": MovementPolicy(hold_months=12)}
    since = datetime(2026, 1, 15, tzinfo=SHANGHAI)
    state = TierState(tier="core", since=since)

    during = decide(months(), state, policies=policy, as_of=datetime(2027, 1, 1, tzinfo=SHANGHAI))
    after = decide(months(), state, policies=policy, as_of=datetime(2027, 2, 1, tzinfo=SHANGHAI))

    assert (during.tier, during.rule) == ("core", Rule.HELD)
    assert (after.tier, after.rule) == ("potential", Rule.HOLD_EXPIRED)
    assert shift_forward(since, 12) == datetime(2027, 1, 15, tzinfo=SHANGHAI)


def test_grace_warns_on_the_first_failed_review_and_demotes_on_the_second():
    policy = {"core": MovementPolicy(grace=True)}

    first = decide(months(), TierState(tier="core"), policies=policy)
    second = decide(months(), TierState(tier="core", warned=first.warn), policies=policy)

    assert (first.tier, first.rule, first.warn) == ("core", Rule.GRACE, True)
    assert (second.tier, second.rule) == ("potential", Rule.DEMOTION)


def test_a_staff_floor_holds_until_its_end_date():
    until = datetime(2026, 7, 1, tzinfo=SHANGHAI)
    state = TierState(tier="core", floor="core", floor_until=until)

    pinned = decide(months(), state)
    later = decide(months(), state, as_of=datetime(2026, 7, 1, tzinfo=SHANGHAI))

    assert (pinned.tier, pinned.rule) == ("core", Rule.FLOOR)
    assert (later.tier, later.rule) == ("potential", Rule.DEMOTION)


def test_a_floor_lifts_a_new_member_too():
    decision = decide(months(), TierState(tier=None, floor="potential"))
    assert (decision.tier, decision.rule) == ("potential", Rule.FLOOR)


def test_on_an_order_only_tiers_that_promote_on_order_move_and_nobody_is_demoted():
    core_now = {"core": MovementPolicy(promote_on_order=True)}
    rich = months((2, "3200"))

    at_review_only = decide(rich, TierState(tier="potential"), on_order=True)
    immediately = decide(rich, TierState(tier="potential"), policies=core_now, on_order=True)
    failing = decide(months(), TierState(tier="seed"), on_order=True)

    assert (at_review_only.tier, at_review_only.rule) == ("potential", Rule.KEPT)
    assert (immediately.tier, immediately.rule) == ("core", Rule.PROMOTION)
    assert (failing.tier, failing.rule) == ("seed", Rule.KEPT)


# --- progress: the explanation reads the same checks ---------------------------------------


def test_progress_says_what_is_missing_for_each_criterion():
    stats = seed_member(spend="9580", orders=28, weakest_recent=1)
    progress = {p.kind: p for p in tier_progress(SEED, stats)}

    assert progress["spend"].missing == D("420")
    assert progress["orders"].missing == 2
    assert progress["orders_each_month"].have == 1 and progress["orders_each_month"].missing == 1
    assert 0 < progress["spend"].percent < 100


# --- properties ----------------------------------------------------------------------------

month_stats = st.builds(
    MonthStats,
    orders=st.integers(0, 6),
    spend=st.decimals(0, 2000, places=2, allow_nan=False, allow_infinity=False),
)
policies = st.builds(
    MovementPolicy,
    promote_on_order=st.booleans(),
    demote_one_step=st.booleans(),
    hold_months=st.integers(0, 12),
    grace=st.booleans(),
    frequency_drop_months=st.integers(0, 3),
    frequency_drop_percent=st.integers(0, 100),
)
keys = st.sampled_from([t.key for t in TIERS])
RANK = {t.key: t.rank for t in TIERS}


@settings(max_examples=400, deadline=None)
@given(
    stats=st.lists(month_stats, max_size=12).map(lambda m: MemberStats(months=tuple(m))),
    policy_map=st.dictionaries(keys, policies),
    tier=keys,
    months_in_tier=st.integers(0, 24),
    warned=st.booleans(),
    floor=st.none() | keys,
    on_order=st.booleans(),
)
def test_the_review_never_goes_below_a_floor_or_out_of_a_held_tier(
    stats, policy_map, tier, months_in_tier, warned, floor, on_order
):
    since = shift_forward(datetime(2024, 6, 1, tzinfo=SHANGHAI), 24 - months_in_tier)
    state = TierState(tier=tier, since=since, warned=warned, floor=floor)

    decision = decide(stats, state, policies=policy_map, on_order=on_order)

    assert decision.tier in RANK
    if floor is not None:
        assert RANK[decision.tier] >= RANK[floor]
    policy = policy_map.get(tier, MovementPolicy())
    if policy.hold_months and shift_forward(since, policy.hold_months) > JUNE:
        assert RANK[decision.tier] >= RANK[tier]
    if on_order:
        assert RANK[decision.tier] >= RANK[tier]  # an order never demotes


@settings(max_examples=300, deadline=None)
@given(stats=st.lists(month_stats, max_size=12).map(lambda m: MemberStats(months=tuple(m))))
def test_progress_is_met_exactly_when_the_criteria_are(stats):
    for criteria in TIERS:
        assert all(p.met for p in tier_progress(criteria, stats)) == criteria_met(criteria, stats)
