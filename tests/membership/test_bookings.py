"""Booking pickups and deliveries: what is booked, and every refusal writes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from membership.models import Booking, ServiceZone, Slot, StoreClosedDate
from membership.selectors.bookings import bookings_for_member
from membership.services.bookings import (
    SERIES_LENGTH,
    booking_cancel,
    booking_create,
    booking_reschedule,
)
from tests.factories import BookingFactory, MemberFactory, ServiceCategoryFactory, TierFactory
from tests.membership.booking_helpers import FAR, NEAR, booking_store, shop_time

pytestmark = pytest.mark.django_db

# Monday 7 January 2030, 06:00 in the shop: the 09:00 slot is 3 hours away.
NOW = shop_time(2030, 1, 7, 6)
NINE = shop_time(2030, 1, 7, 9)
TWO_PM = shop_time(2030, 1, 7, 14)


def book(member, store, start=NINE, now=NOW, **kwargs):
    kwargs.setdefault("address", "1 Nanjing Road")
    kwargs.setdefault("latitude", NEAR[0])
    kwargs.setdefault("longitude", NEAR[1])
    return booking_create(
        member=member, store=store, kind=kwargs.pop("kind", "pickup"), start=start, now=now,
        **kwargs,
    )  # fmt: skip


def refused(call, code: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    if code:
        assert caught.value.code == code, caught.value.messages
    return caught.value


def nothing_written():
    return not Booking.objects.exists() and not Slot.objects.filter(booked__gt=0).exists()


@pytest.fixture
def store():
    return booking_store()


@pytest.fixture
def core():
    return TierFactory(code="core", priority_booking=True, pickup_response_hours=2)


@pytest.fixture
def basic():
    return TierFactory(code="basic")


# --- booking ---------------------------------------------------------------------------------


def test_a_pickup_takes_a_place_in_its_slot(store, member):
    outcome = book(member, store, note="Two suits", is_express=False)

    (booking,) = outcome.bookings
    assert outcome.skipped == []
    assert (booking.kind, booking.status, booking.slot_start) == ("pickup", "requested", NINE)
    assert booking.slot_end == NINE + timedelta(hours=2)
    assert (booking.latitude, booking.note) == (NEAR[0], "Two suits")
    assert booking.slot.booked == 1
    assert Slot.objects.get().booked == 1


def test_a_pickup_with_its_return_delivery(store, member):
    back = shop_time(2030, 1, 9, 14)

    pickup = book(member, store, return_start=back).bookings[0]

    delivery = Booking.objects.get(kind="delivery")
    assert delivery.return_for == pickup and pickup.return_delivery == delivery
    assert delivery.slot_start == back and delivery.slot.kind == "delivery"
    assert sorted(Slot.objects.values_list("kind", "booked")) == [("delivery", 1), ("pickup", 1)]


def test_the_return_delivery_must_come_after_the_pickup(store, member):
    error = refused(lambda: book(member, store, start=TWO_PM, return_start=NINE))
    assert error.code == "return_before_pickup"
    assert nothing_written()


def test_express_takes_the_stores_surcharge_when_offered(member):
    store = booking_store(express_offered=True, express_surcharge=Decimal("20"))

    booking = book(member, store, is_express=True).bookings[0]

    assert booking.is_express and booking.express_surcharge == Decimal("20.00")


def test_express_is_refused_where_not_offered(store, member):
    refused(lambda: book(member, store, is_express=True), "express")
    assert nothing_written()


@pytest.mark.parametrize(
    ("start", "now", "code"),
    [
        (NINE, NINE + timedelta(minutes=1), "past"),  # started
        (NINE - timedelta(days=1), NOW, "past"),
        (NINE, NINE - timedelta(minutes=90), "cutoff"),  # inside the 2-hour cut-off
        (NINE + timedelta(days=15), NOW, "too_far"),
        (NINE + timedelta(hours=1), NOW, "no_slot"),  # 10:00 is no slot
        (NINE + timedelta(minutes=1), NOW, "no_slot"),
    ],
)
def test_times_that_cannot_be_booked(store, member, start, now, code):
    refused(lambda: book(member, store, start=start, now=now), code)
    assert nothing_written()


def test_a_closed_day_is_refused_with_the_reason(store, member):
    StoreClosedDate.objects.create(store=store, date=NINE.date(), reason="Stocktaking")

    error = refused(lambda: book(member, store), "closed")

    assert "Stocktaking" in error.messages[0]
    assert nothing_written()


def test_an_address_outside_the_area_says_how_far_outside(store, member):
    error = refused(lambda: book(member, store, latitude=FAR[0], longitude=FAR[1]), "out_of_area")

    assert "4.8 km outside the 3 km" in error.messages[0]
    assert nothing_written()


def test_a_named_zone_widens_the_area(store, member):
    ServiceZone.objects.create(
        store=store, name_zh="北区", name_en="North", latitude=FAR[0], longitude=FAR[1],
        radius_km=Decimal("1"),
    )  # fmt: skip
    assert book(member, store, latitude=FAR[0], longitude=FAR[1]).bookings


def test_the_location_is_needed_when_the_store_has_an_area(store, member):
    refused(lambda: book(member, store, latitude=None, longitude=None), "no_location")
    refused(lambda: book(member, store, latitude="31.2", longitude=None), "coordinates")
    refused(lambda: book(member, store, latitude="95", longitude="121"), "coordinates")
    refused(lambda: book(member, store, latitude="NaN", longitude="121"), "coordinates")
    assert nothing_written()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("address", "  ", "address"), ("address", "x" * 256, "address"), ("note", "n" * 501, "note")],
)
def test_bad_text_is_refused(store, member, field, value, code):
    refused(lambda: book(member, store, **{field: value}), code)
    assert nothing_written()


def test_a_kind_the_store_does_not_offer(member):
    store = booking_store(offers_pickup=False)
    refused(lambda: book(member, store), "not_offered")
    refused(lambda: book(member, store, kind="appointment"), "kind")


def test_a_full_slot_is_refused_and_nothing_is_written(store):
    book(MemberFactory(), store)
    book(MemberFactory(), store)

    third = MemberFactory()
    refused(lambda: book(third, store), "full")

    assert Slot.objects.get().booked == 2
    assert not Booking.objects.filter(member=third).exists()


def test_the_same_member_cannot_book_one_slot_twice(store, member):
    book(member, store)
    refused(lambda: book(member, store), "duplicate")
    assert Slot.objects.get().booked == 1


def test_the_database_refuses_more_bookings_than_places(store, member):
    book(member, store)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.update(booked=3)


def test_a_template_change_reaches_slots_nobody_has_booked(store, member):
    slot = book(member, store).bookings[0].slot
    booking_cancel(member=member, booking=Booking.objects.get(), now=NOW)
    store.slot_templates.update(pickup_capacity=5)

    book(MemberFactory(), store)

    slot.refresh_from_db()
    assert (slot.capacity, slot.booked) == (5, 1)


# --- tier priority -----------------------------------------------------------------------------


def test_held_back_places_before_and_after_the_release(core, basic):
    # 4 places, 1 held back for priority tiers until 3 hours before the slot (06:00).
    store = booking_store(capacity=4, held_back_percent=25, release_minutes=180)
    early = NOW - timedelta(hours=2)
    for _ in range(3):
        book(MemberFactory(tier=basic), store, now=early)

    late_basic = MemberFactory(tier=basic)
    error = refused(lambda: book(late_basic, store, now=early), "held_back")
    assert "kept for priority members" in error.messages[0]
    assert Slot.objects.get().booked == 3

    # A Core member may take the held-back place before the release...
    book(MemberFactory(tier=core), store, now=early)
    assert Slot.objects.get().booked == 4


def test_held_back_places_open_to_everyone_at_the_release(basic):
    store = booking_store(capacity=4, held_back_percent=25, release_minutes=180)
    for _ in range(3):
        book(MemberFactory(tier=basic), store, now=NOW - timedelta(hours=2))

    book(MemberFactory(tier=basic), store, now=NOW)  # 06:00 is the release time

    assert Slot.objects.get().booked == 4


def test_the_response_window_lets_core_book_inside_the_cutoff(core, basic):
    store = booking_store(booking_cutoff_minutes=180)
    now = NINE - timedelta(minutes=100)  # inside the 3-hour cut-off, inside Core's 2 hours

    refused(lambda: book(MemberFactory(tier=basic), store, now=now), "cutoff")
    booking = book(MemberFactory(tier=core), store, now=now).bookings[0]

    assert booking.respond_by == now + timedelta(hours=2)
    # Outside the window (3 hours ahead) the cut-off holds for Core too.
    refused(
        lambda: book(MemberFactory(tier=core), store, now=NINE - timedelta(hours=2, minutes=1)),
        "cutoff",
    )


def test_a_booking_outside_the_window_has_no_respond_by(core):
    assert book(MemberFactory(tier=core), booking_store()).bookings[0].respond_by is None


# --- recurring -------------------------------------------------------------------------------


def test_a_weekly_series_books_each_occurrence_and_skips_the_closed_one(member):
    store = booking_store(booking_days_ahead=90)
    closed_day = (NINE + timedelta(weeks=2)).date()
    StoreClosedDate.objects.create(store=store, date=closed_day)

    outcome = book(member, store, recurrence_weeks=1)

    assert len(outcome.bookings) == SERIES_LENGTH - 1
    assert [start.date() for start, _why in outcome.skipped] == [closed_day]
    assert "closed" in outcome.skipped[0][1]
    assert len({b.series for b in outcome.bookings}) == 1
    assert Slot.objects.filter(booked=1).count() == SERIES_LENGTH - 1
    starts = [b.slot_start for b in outcome.bookings]
    assert starts[1] - starts[0] == timedelta(weeks=1)


def test_a_series_every_four_weeks_skips_what_is_too_far_ahead(member):
    store = booking_store(booking_days_ahead=60)

    outcome = book(member, store, recurrence_weeks=4)

    assert len(outcome.bookings) == 3  # today, +4 and +8 weeks; +12 weeks is past 60 days
    assert len(outcome.skipped) == SERIES_LENGTH - 3


def test_a_series_with_a_bad_first_occurrence_books_nothing(store, member):
    refused(lambda: book(member, store, recurrence_weeks=1, now=NINE), "past")
    assert nothing_written()


def test_an_unknown_recurrence_is_refused(store, member):
    refused(lambda: book(member, store, recurrence_weeks=3), "recurrence")


# --- cancel and reschedule -----------------------------------------------------------------------


def test_cancel_gives_the_place_back_with_the_return_delivery(store, member):
    pickup = book(member, store, return_start=shop_time(2030, 1, 8, 9)).bookings[0]

    cancelled = booking_cancel(member=member, booking=pickup, now=NOW)

    assert {b.kind for b in cancelled} == {"pickup", "delivery"}
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert set(Slot.objects.values_list("booked", flat=True)) == {0}
    assert Booking.objects.filter(cancelled_by=member.user, cancelled_at=NOW).count() == 2


def test_cancel_after_the_cutoff_is_refused(store, member):
    pickup = book(member, store).bookings[0]

    error = refused(
        lambda: booking_cancel(member=member, booking=pickup, now=NINE - timedelta(minutes=119)),
        "cutoff",
    )

    assert "2 hours" in error.messages[0]
    assert Booking.objects.get().status == "requested" and Slot.objects.get().booked == 1


def test_nobody_cancels_or_moves_someone_elses_booking(store, member):
    pickup = book(member, store).bookings[0]
    other = MemberFactory()

    refused(lambda: booking_cancel(member=other, booking=pickup, now=NOW), "not_yours")
    refused(
        lambda: booking_reschedule(member=other, booking=pickup, start=TWO_PM, now=NOW),
        "not_yours",
    )
    pickup.refresh_from_db()
    assert (pickup.status, pickup.slot_start) == ("requested", NINE)


def test_cancel_a_cancelled_booking_again_is_refused(store, member):
    pickup = book(member, store).bookings[0]
    booking_cancel(member=member, booking=pickup, now=NOW)
    refused(lambda: booking_cancel(member=member, booking=pickup, now=NOW), "not_changeable")
    assert Slot.objects.get().booked == 0


def test_cancel_the_rest_of_a_series(member):
    store = booking_store(booking_days_ahead=90)
    outcome = book(member, store, recurrence_weeks=1)
    third = outcome.bookings[2]

    cancelled = booking_cancel(member=member, booking=third, whole_series=True, now=NOW)

    assert len(cancelled) == SERIES_LENGTH - 2
    assert Booking.objects.filter(status="requested").count() == 2


def test_reschedule_moves_the_place(store, member):
    pickup = book(member, store).bookings[0]

    moved = booking_reschedule(member=member, booking=pickup, start=TWO_PM, now=NOW)

    assert moved.slot_start == TWO_PM and moved.slot.start == TWO_PM
    assert dict(Slot.objects.values_list("start", "booked")) == {NINE: 0, TWO_PM: 1}


def test_reschedule_into_a_full_slot_changes_nothing(store, member):
    pickup = book(member, store).bookings[0]
    book(MemberFactory(), store, start=TWO_PM)
    book(MemberFactory(), store, start=TWO_PM)

    refused(
        lambda: booking_reschedule(member=member, booking=pickup, start=TWO_PM, now=NOW), "full"
    )

    pickup.refresh_from_db()
    assert pickup.slot_start == NINE
    assert dict(Slot.objects.values_list("start", "booked")) == {NINE: 1, TWO_PM: 2}


@pytest.mark.parametrize(
    ("start", "now", "code"),
    [
        (TWO_PM, NINE - timedelta(minutes=30), "cutoff"),  # the old slot is too close
        (NINE, NOW, "same"),
        (NINE - timedelta(days=1), NOW, "past"),
        (TWO_PM + timedelta(hours=1), NOW, "no_slot"),
    ],
)
def test_reschedule_refusals(store, member, start, now, code):
    pickup = book(member, store).bookings[0]
    refused(lambda: booking_reschedule(member=member, booking=pickup, start=start, now=now), code)
    assert Slot.objects.get(start=NINE).booked == 1


def test_a_pickup_cannot_move_past_its_return_delivery(store, member):
    pickup = book(member, store, return_start=TWO_PM + timedelta(days=1)).bookings[0]

    refused(
        lambda: booking_reschedule(
            member=member, booking=pickup, start=TWO_PM + timedelta(days=2), now=NOW
        ),
        "return_before_pickup",
    )
    booking_reschedule(member=member, booking=pickup, start=TWO_PM, now=NOW)


def test_the_pickup_list_leaves_appointments_to_their_own_page():
    booking = BookingFactory()
    appointment = BookingFactory(
        member=booking.member, kind=Booking.Kind.APPOINTMENT, service=ServiceCategoryFactory()
    )
    listed = list(bookings_for_member(member=booking.member))
    assert booking in listed and appointment not in listed
