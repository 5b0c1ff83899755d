"""The pure booking decisions: distance, held-back places, cut-offs, the response window."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from membership import booking_rules as rules

NOW = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)


# --- distance and area -------------------------------------------------------------------------


def test_haversine_matches_a_known_distance():
    # People's Square to Xujiahui, Shanghai: about 4.8 km as the crow flies.
    km = rules.haversine_km(31.2304, 121.4737, 31.1938, 121.4372)
    assert 5.0 < km < 5.4
    assert rules.haversine_km(31.2, 121.4, 31.2, 121.4) == 0


def test_one_degree_of_latitude_is_about_111_km():
    assert rules.haversine_km(0, 0, 1, 0) == pytest.approx(111.2, abs=0.1)


def test_no_area_accepts_everyone():
    verdict = rules.area_check(10, 10, [])
    assert verdict.inside and verdict.outside_km == 0


def test_outside_says_how_far_beyond_the_nearest_edge():
    store = rules.Circle(31.0, 121.0, 3.0)
    zone = rules.Circle(31.2, 121.0, 1.0, "Zone B")
    point = (31.0 + 5 / 111.2, 121.0)  # 5 km north of the store, about 17 km from the zone

    verdict = rules.area_check(*point, [zone, store])

    assert not verdict.inside
    assert verdict.nearest == store
    assert verdict.outside_km == pytest.approx(2.0, abs=0.05)


def test_inside_a_named_zone_is_inside():
    store = rules.Circle(31.0, 121.0, 1.0)
    zone = rules.Circle(31.2, 121.0, 2.0, "Zone B")
    assert rules.area_check(31.21, 121.0, [store, zone]).inside


# --- held-back places ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "percent", "held"),
    [(4, 25, 1), (4, 0, 0), (0, 50, 0), (2, 25, 1), (10, 33, 3), (3, 100, 3), (5, 10, 1)],
)
def test_held_back_places_round_half_up(capacity, percent, held):
    assert rules.held_back_places(capacity, percent) == held


@given(st.integers(0, 500), st.integers(0, 100))
def test_held_back_never_exceeds_capacity(capacity, percent):
    assert 0 <= rules.held_back_places(capacity, percent) <= capacity


def _state(booked, *, capacity=4, held=1, release=NOW + timedelta(hours=2)):
    return rules.SlotState(capacity=capacity, held_back=held, booked=booked, release_at=release)


def test_before_release_the_last_held_back_place_is_for_priority_only():
    state = _state(3)  # 4 places, 1 held back, 3 taken: only the held-back place is left

    assert rules.take_refusal(state, now=NOW, priority=False) is rules.TakeRefusal.HELD_BACK
    assert rules.take_refusal(state, now=NOW, priority=True) is None
    assert rules.places_left(state, now=NOW, priority=False) == 0
    assert rules.places_left(state, now=NOW, priority=True) == 1


def test_after_release_everyone_may_take_the_held_back_place():
    state = _state(3)
    at_release = state.release_at

    assert rules.take_refusal(state, now=at_release, priority=False) is None
    assert rules.booking_limit(state, now=at_release, priority=False) == 4
    assert rules.booking_limit(state, now=at_release - timedelta(seconds=1), priority=False) == 3


def test_a_full_slot_is_full_for_everyone():
    state = _state(4)
    for priority in (False, True):
        assert rules.take_refusal(state, now=NOW, priority=priority) is rules.TakeRefusal.FULL


@given(
    capacity=st.integers(0, 20),
    held=st.integers(0, 20),
    booked=st.integers(0, 20),
    priority=st.booleans(),
    minutes=st.integers(-300, 300),
)
def test_places_left_never_let_booked_pass_capacity(capacity, held, booked, priority, minutes):
    held, booked = min(held, capacity), min(booked, capacity)
    state = rules.SlotState(capacity, held, booked, NOW)
    now = NOW + timedelta(minutes=minutes)
    left = rules.places_left(state, now=now, priority=priority)
    assert booked + left <= capacity
    assert (rules.take_refusal(state, now=now, priority=priority) is None) == (left > 0)


# --- times -------------------------------------------------------------------------------------


def refusal(start, *, cutoff=120, days=14, hours=None):
    return rules.booking_time_refusal(
        start, now=NOW, cutoff_minutes=cutoff, days_ahead=days, response_hours=hours
    )


def test_past_cutoff_and_too_far():
    assert refusal(NOW) is rules.TimeRefusal.PAST
    assert refusal(NOW - timedelta(hours=1)) is rules.TimeRefusal.PAST
    assert refusal(NOW + timedelta(minutes=119)) is rules.TimeRefusal.CUTOFF
    assert refusal(NOW + timedelta(minutes=120)) is None
    assert refusal(NOW + timedelta(days=14)) is None
    assert refusal(NOW + timedelta(days=14, minutes=1)) is rules.TimeRefusal.TOO_FAR


def test_the_response_window_passes_the_cutoff_for_slots_inside_it():
    inside = NOW + timedelta(minutes=90)
    outside = NOW + timedelta(hours=2, minutes=1)

    assert refusal(inside, cutoff=180, hours=2) is None
    assert refusal(inside, cutoff=180, hours=None) is rules.TimeRefusal.CUTOFF
    assert refusal(outside, cutoff=180, hours=2) is rules.TimeRefusal.CUTOFF
    assert refusal(NOW, cutoff=180, hours=2) is rules.TimeRefusal.PAST  # never a started slot


def test_changes_are_allowed_until_the_change_cutoff():
    start = NOW + timedelta(hours=2)
    assert rules.change_allowed(start, now=NOW, change_cutoff_minutes=120)
    assert not rules.change_allowed(
        start, now=NOW + timedelta(seconds=1), change_cutoff_minutes=120
    )


def test_response_window_pick_is_the_earliest_slot_with_a_place_inside_the_window():
    options = [
        (NOW + timedelta(minutes=30), 0),  # inside but full
        (NOW + timedelta(minutes=90), 2),  # inside: the pick
        (NOW + timedelta(minutes=100), 1),
        (NOW + timedelta(hours=3), 5),  # outside
    ]
    assert rules.response_window_pick(options, now=NOW, response_hours=2) == options[1][0]
    assert rules.response_window_pick(options, now=NOW, response_hours=None) is None
    assert rules.response_window_pick(options[3:], now=NOW, response_hours=2) is None
