"""Booking decisions that need no database: distance to the service area, how many places of a
slot a member may take, whether a slot is still bookable or changeable, and the tier's pickup
response window.

Plain functions over plain values (no ORM, no clock: `now` is always passed in), so the
booking services, the slot selectors and the tests ask the same code.

Held-back places: a slot of capacity C keeps H of its places for tiers with priority booking
until its release time. Before it, a member without priority may take a place only while
fewer than C - H are booked; a member with priority up to C. From the release time on, anyone
up to C. So a Basic member cannot take the last held-back place, a Core member can.

Response window: a member whose tier promises a pickup within W hours may book a pickup slot
that starts within W hours from now even inside the store's booking cut-off (the shop
promised to come quickly), and the earliest such slot with a free place is offered first.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance between two points in km (good to well under 1% at city scale)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lng2) - float(lng1))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Circle:
    """A served area: the store's radius around it, or a named zone."""

    latitude: float
    longitude: float
    radius_km: float
    name: str = ""  # empty for the store's own radius


@dataclass(frozen=True)
class AreaVerdict:
    inside: bool
    outside_km: float  # 0 when inside; else how far beyond the nearest area's edge
    nearest: Circle | None


def area_check(latitude: float, longitude: float, areas: list[Circle]) -> AreaVerdict:
    """Is the point inside any of the areas, and if not, how far outside the nearest one?

    No areas at all means the store has not drawn one: every address is accepted.
    """
    if not areas:
        return AreaVerdict(inside=True, outside_km=0.0, nearest=None)
    best: tuple[float, Circle] | None = None
    for area in areas:
        beyond = haversine_km(latitude, longitude, area.latitude, area.longitude) - area.radius_km
        if beyond <= 0:
            return AreaVerdict(inside=True, outside_km=0.0, nearest=area)
        if best is None or beyond < best[0]:
            best = (beyond, area)
    return AreaVerdict(inside=False, outside_km=best[0], nearest=best[1])


def held_back_places(capacity: int, percent: int) -> int:
    """The places a slot holds back: percent of capacity, rounded half up, at most capacity."""
    if capacity <= 0 or percent <= 0:
        return 0
    share = (Decimal(capacity) * Decimal(min(percent, 100)) / 100).quantize(
        Decimal("1"), rounding=ROUND_HALF_UP
    )
    return min(capacity, int(share))


@dataclass(frozen=True)
class SlotState:
    capacity: int
    held_back: int
    booked: int
    release_at: datetime


class TakeRefusal(StrEnum):
    FULL = "full"
    HELD_BACK = "held_back"  # places left, but only for priority tiers until the release


def booking_limit(state: SlotState, *, now: datetime, priority: bool) -> int:
    """How many places may be booked in total when this member books (the UPDATE's bound)."""
    if priority or now >= state.release_at:
        return state.capacity
    return max(0, state.capacity - state.held_back)


def places_left(state: SlotState, *, now: datetime, priority: bool) -> int:
    """Places this member could still take."""
    return max(0, booking_limit(state, now=now, priority=priority) - state.booked)


def take_refusal(state: SlotState, *, now: datetime, priority: bool) -> TakeRefusal | None:
    """Why this member cannot take a place now, or None when they can."""
    if state.booked >= state.capacity:
        return TakeRefusal.FULL
    if places_left(state, now=now, priority=priority) <= 0:
        return TakeRefusal.HELD_BACK
    return None


class TimeRefusal(StrEnum):
    PAST = "past"
    CUTOFF = "cutoff"
    TOO_FAR = "too_far"


def in_response_window(start: datetime, *, now: datetime, response_hours: int | None) -> bool:
    """Does a (not yet started) slot start within the tier's pickup response window?"""
    if not response_hours or start <= now:
        return False
    return start <= now + timedelta(hours=response_hours)


def booking_time_refusal(
    start: datetime,
    *,
    now: datetime,
    cutoff_minutes: int,
    days_ahead: int,
    response_hours: int | None = None,
) -> TimeRefusal | None:
    """Why a slot starting at `start` cannot be booked now (None: it can).

    `response_hours` is the member's tier window, for pickups only: a slot inside it may be
    booked past the cut-off.
    """
    if start <= now:
        return TimeRefusal.PAST
    if start > now + timedelta(days=days_ahead):
        return TimeRefusal.TOO_FAR
    if start - timedelta(minutes=cutoff_minutes) >= now:
        return None
    if in_response_window(start, now=now, response_hours=response_hours):
        return None
    return TimeRefusal.CUTOFF


def change_allowed(start: datetime, *, now: datetime, change_cutoff_minutes: int) -> bool:
    """May the member still cancel or move a booking whose slot starts at `start`?"""
    return start - timedelta(minutes=change_cutoff_minutes) >= now


def response_window_pick(
    options: list[tuple[datetime, int]], *, now: datetime, response_hours: int | None
) -> datetime | None:
    """The slot start to offer first: the earliest start inside the response window with a
    place left (`options` are (start, places left for this member)); None without one."""
    if not response_hours:
        return None
    inside = [
        start
        for start, left in options
        if left > 0 and in_response_window(start, now=now, response_hours=response_hours)
    ]
    return min(inside) if inside else None
