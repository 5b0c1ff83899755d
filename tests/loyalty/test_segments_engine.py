"""Segment assignment at every boundary: lifecycle stage, RFM quintiles, the amount ×
frequency matrix and the dynamic tag rules (pure functions, no database)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.engine import segments as engine
from loyalty.engine.segments import (
    Cutoffs,
    LifecycleLimits,
    MemberFacts,
    TagRule,
    lifecycle_stage,
    population_cutoffs,
    quintile_cutoffs,
    rule_matches,
    score_higher_is_better,
    score_lower_is_better,
    segment_for,
    tags_for,
    upper_median,
    value_group,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LIMITS = LifecycleLimits(new_days=30, active_days=90, sleeping_days=180)
SECOND = timedelta(seconds=1)


def ago(days: int, extra: timedelta = timedelta(0)) -> datetime:
    return NOW - timedelta(days=days) - extra


def facts(**kw) -> MemberFacts:
    kw.setdefault("joined_at", ago(1000))
    return MemberFacts(**kw)


# --- lifecycle stage ---------------------------------------------------------------------


def test_a_member_who_never_ordered_is_a_prospect_however_long_ago_they_joined():
    assert lifecycle_stage(facts(joined_at=NOW), LIMITS, NOW) == engine.PROSPECT
    assert lifecycle_stage(facts(joined_at=ago(5000)), LIMITS, NOW) == engine.PROSPECT


@pytest.mark.parametrize(
    ("first", "last", "stage"),
    [
        (ago(0), ago(0), engine.NEW),
        (ago(30), ago(30), engine.NEW),  # exactly the new days: still new
        (ago(30, SECOND), ago(30, SECOND), engine.ACTIVE),  # a second later: active
        (ago(30, SECOND), ago(0), engine.ACTIVE),
        (ago(400), ago(90), engine.ACTIVE),  # exactly the active days
        (ago(400), ago(90, SECOND), engine.SLEEPING),
        (ago(400), ago(180), engine.SLEEPING),  # exactly the sleeping days
        (ago(400), ago(180, SECOND), engine.CHURNED),
        (ago(2000), ago(2000), engine.CHURNED),
    ],
)
def test_stage_boundaries(first, last, stage):
    member = facts(first_order_at=first, last_order_at=last, orders_in_window=1)
    assert lifecycle_stage(member, LIMITS, NOW) == stage


def test_new_wins_over_active_whatever_the_limits():
    limits = LifecycleLimits(new_days=120, active_days=90, sleeping_days=180)
    member = facts(first_order_at=ago(100), last_order_at=ago(100))
    assert lifecycle_stage(member, limits, NOW) == engine.NEW


# --- quintiles ---------------------------------------------------------------------------


def test_quintile_cutoffs_are_nearest_rank_percentiles():
    assert quintile_cutoffs(range(1, 11)) == (2, 4, 6, 8)
    assert quintile_cutoffs([7]) == (7, 7, 7, 7)
    assert quintile_cutoffs([]) == ()
    assert quintile_cutoffs([5, 1, 4, 2, 3]) == (1, 2, 3, 4)


@pytest.mark.parametrize(
    ("value", "score"),
    [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (8, 4), (9, 5), (10, 5)],
)
def test_higher_is_better_scores_at_each_cutoff(value, score):
    assert score_higher_is_better(value, (2, 4, 6, 8)) == score


@pytest.mark.parametrize(
    ("days", "score"),
    [(0, 5), (2, 5), (3, 4), (4, 4), (5, 3), (6, 3), (7, 2), (8, 2), (9, 1), (400, 1)],
)
def test_recency_scores_fewer_days_higher(days, score):
    assert score_lower_is_better(days, (2, 4, 6, 8)) == score


def test_equal_values_share_a_score():
    cutoffs = quintile_cutoffs([1] * 8 + [2, 3])
    assert cutoffs == (1, 1, 1, 1)
    assert {score_higher_is_better(1, cutoffs), score_higher_is_better(2, cutoffs)} == {1, 5}


def test_upper_median():
    assert upper_median([]) is None
    assert upper_median([3]) == 3
    assert upper_median([4, 1, 3, 2]) == 3  # half at or above
    assert upper_median([1, 2, 3, 4, 5]) == 3


# --- the amount × frequency matrix -------------------------------------------------------


@pytest.mark.parametrize(
    ("ticket", "orders", "group"),
    [
        (Decimal("200"), 6, engine.BIG),  # both exactly on the line
        (Decimal("200"), 5, engine.POTENTIAL),
        (Decimal("199.99"), 6, engine.LOYAL),
        (Decimal("199.99"), 5, engine.OCCASIONAL),
        (Decimal("999"), 1, engine.POTENTIAL),
        (Decimal("1"), 60, engine.LOYAL),
    ],
)
def test_value_group_at_the_lines(ticket, orders, group):
    result = value_group(
        average_ticket=ticket, orders=orders, amount_line=Decimal("200"), frequency_line=6
    )
    assert result == group


def test_the_matrix_uses_the_average_ticket_in_the_window():
    member = facts(
        first_order_at=ago(300),
        last_order_at=ago(3),
        orders_in_window=4,
        spend_in_window=Decimal("800"),
    )
    lines = Cutoffs(
        recency_days=(1, 2, 3, 4),
        frequency=(1, 2, 3, 4),
        monetary=(Decimal(1),) * 4,
        amount_line=Decimal("200"),
        frequency_line=5,
    )
    assert segment_for(member, limits=LIMITS, cutoffs=lines, now=NOW).value_group == (
        engine.POTENTIAL
    )
    higher = Cutoffs(amount_line=Decimal("200.01"), frequency_line=4)
    assert segment_for(member, limits=LIMITS, cutoffs=higher, now=NOW).value_group == (engine.LOYAL)


def test_no_order_in_the_window_means_no_group_and_no_order_ever_means_no_scores():
    lines = population_cutoffs(
        [facts(first_order_at=ago(5), last_order_at=ago(5), orders_in_window=1)], now=NOW
    )
    lapsed = facts(first_order_at=ago(900), last_order_at=ago(800))
    segment = segment_for(lapsed, limits=LIMITS, cutoffs=lines, now=NOW)
    assert segment.value_group is None and segment.recency_score == 1
    assert (segment.frequency_score, segment.monetary_score) == (1, 1)
    prospect = segment_for(facts(), limits=LIMITS, cutoffs=lines, now=NOW)
    assert prospect == engine.Segment(engine.PROSPECT, None, None, None, None)


def test_before_any_run_there_are_no_scores_and_no_median_group():
    member = facts(first_order_at=ago(5), last_order_at=ago(5), orders_in_window=1)
    segment = segment_for(member, limits=LIMITS, cutoffs=Cutoffs(), now=NOW)
    assert segment == engine.Segment(engine.NEW, None, None, None, None)


def test_population_lines_come_from_members_who_ordered():
    members = [facts()] + [
        facts(
            first_order_at=ago(400),
            last_order_at=ago(d),
            orders_in_window=n,
            spend_in_window=Decimal(n * 100),
        )
        for d, n in [(1, 1), (10, 2), (100, 3), (200, 4), (500, 0)]
    ]
    lines = population_cutoffs(members, now=NOW)
    assert lines.recency_days == (1, 10, 100, 200)
    assert lines.frequency == (0, 1, 2, 3)
    assert lines.monetary == (Decimal(0), Decimal(100), Decimal(200), Decimal(300))
    assert lines.amount_line == Decimal(100) and lines.frequency_line == 3
    own = population_cutoffs(members, now=NOW, amount_line=Decimal("50"), frequency_line=2)
    assert (own.amount_line, own.frequency_line) == (Decimal("50"), 2)


# --- dynamic tag rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spent", "earned"), [("0", False), ("500", False), ("500.01", True), ("9000", True)]
)
def test_spent_more_than_this_month(spent, earned):
    rule = TagRule(tag_id=1, kind=engine.SPENT_THIS_MONTH, amount=Decimal("500"))
    assert rule_matches(rule, facts(spend_this_month=Decimal(spent)), NOW) is earned


@pytest.mark.parametrize(
    ("last", "earned"),
    [(None, False), (ago(0), False), (ago(89, timedelta(hours=23)), False), (ago(90), True)],
)
def test_no_visit_for_n_days(last, earned):
    rule = TagRule(tag_id=1, kind=engine.NO_VISIT, days=90)
    member = facts(first_order_at=last, last_order_at=last)
    assert rule_matches(rule, member, NOW) is earned


@pytest.mark.parametrize(("pickups", "earned"), [(0, False), (2, False), (3, True), (10, True)])
def test_pickup_n_or_more_times(pickups, earned):
    rule = TagRule(tag_id=1, kind=engine.PICKUP_TIMES, count=3)
    assert rule_matches(rule, facts(pickup_orders_in_window=pickups), NOW) is earned


@pytest.mark.parametrize(("orders", "earned"), [(0, False), (3, False), (4, True)])
def test_high_frequency_counts_the_rules_own_days(orders, earned):
    rule = TagRule(tag_id=1, kind=engine.HIGH_FREQUENCY, count=4, days=30)
    member = facts(orders_in_days={30: orders, 60: 99})
    assert rule_matches(rule, member, NOW) is earned


def test_a_tag_is_earned_by_any_of_its_rules_and_unknown_kinds_never_match():
    rules = [
        TagRule(tag_id=1, kind=engine.PICKUP_TIMES, count=3),
        TagRule(tag_id=1, kind=engine.SPENT_THIS_MONTH, amount=Decimal("10")),
        TagRule(tag_id=2, kind=engine.NO_VISIT, days=1),
        TagRule(tag_id=3, kind="something else"),
    ]
    member = facts(spend_this_month=Decimal("11"))
    assert tags_for(rules, member, NOW) == {1}
    lapsed = facts(first_order_at=ago(5), last_order_at=ago(5), pickup_orders_in_window=3)
    assert tags_for(rules, lapsed, NOW) == {1, 2}
