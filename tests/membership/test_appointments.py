"""In-store appointments: a place in the chosen staff member's slot or the first free one's,
tier priority for held-back places, moving and cancelling; every refusal writes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from membership.models import AppointmentStaff, Booking, ServiceCategory, Slot, StoreClosedDate
from membership.selectors.appointments import appointment_days, appointments_for_member
from membership.services.appointments import (
    appointment_cancel,
    appointment_create,
    appointment_reschedule,
)
from membership.services.bookings import booking_create
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory
from tests.membership.appointment_helpers import salon
from tests.membership.booking_helpers import shop_time

pytestmark = pytest.mark.django_db

# Monday 7 January 2030, 06:00 in the shop: the 10:00 slot is 4 hours away (cut-off 2 hours).
NOW = shop_time(2030, 1, 7, 6)
TEN = shop_time(2030, 1, 7, 10)
TWO_PM = shop_time(2030, 1, 7, 14)


def haircut() -> ServiceCategory:
    return ServiceCategory.objects.get(code="haircut")


def book(member, store, start=TEN, staff=None, now=NOW, **kwargs):
    kwargs.setdefault("service", haircut())
    return appointment_create(
        member=member, store=store, start=start, staff=staff, now=now, **kwargs
    )


def refused(call, code: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    if code:
        assert caught.value.code == code, caught.value.messages
    return caught.value


def nothing_written():
    return not Booking.objects.exists() and not Slot.objects.filter(booked__gt=0).exists()


@pytest.fixture
def shop():
    return salon(capacity=1, stylists=2)


@pytest.fixture
def member():
    return MemberFactory()


@pytest.fixture
def core():
    return TierFactory(code="core", priority_booking=True)


@pytest.fixture
def basic():
    return TierFactory(code="basic")


# --- booking ---------------------------------------------------------------------------------


def test_an_appointment_with_a_chosen_stylist_takes_their_place(shop, member):
    store, (tony, amy) = shop

    booking = book(member, store, staff=amy.user, note=" Short at the back ")

    assert booking.kind == "appointment" and booking.status == "requested"
    assert booking.slot.staff == amy.user and booking.staff_requested
    assert booking.service == haircut() and booking.note == "Short at the back"
    assert (booking.slot_start, booking.slot_end) == (TEN, TEN + timedelta(hours=1))
    assert booking.address == "" and booking.store == store
    assert Slot.objects.get(staff=amy.user).booked == 1
    assert not Slot.objects.filter(staff=tony.user, booked__gt=0).exists()


def test_each_stylist_has_the_templates_places(member):
    store, (tony, amy) = salon(capacity=2)

    book(member, store, staff=tony.user)
    book(MemberFactory(), store, staff=tony.user)

    assert Slot.objects.get(staff=tony.user).capacity == 2
    error = refused(lambda: book(MemberFactory(), store, staff=tony.user), "full")
    assert "Tony is fully booked" in error.messages[0]
    assert book(MemberFactory(), store, staff=amy.user).slot.staff == amy.user


def test_anyone_free_takes_the_first_stylist_in_order_with_a_place(shop):
    store, (tony, amy) = shop
    AppointmentStaff.objects.filter(pk=tony.pk).update(sort_order=5)  # Amy first now

    first = book(MemberFactory(), store)
    second = book(MemberFactory(), store)

    assert first.slot.staff == amy.user and not first.staff_requested
    assert second.slot.staff == tony.user
    error = refused(lambda: book(MemberFactory(), store), "full")
    assert "is full" in error.messages[0]
    assert Booking.objects.count() == 2
    assert sorted(Slot.objects.values_list("booked", flat=True)) == [1, 1]


def test_anyone_free_skips_a_stylist_switched_off_or_gone(shop):
    store, (tony, amy) = shop
    AppointmentStaff.objects.filter(pk=tony.pk).update(takes_appointments=False)
    assert book(MemberFactory(), store).slot.staff == amy.user
    refused(lambda: book(MemberFactory(), store, staff=tony.user), "staff")

    amy.user.store = StaffFactory().store  # moved to another store
    amy.user.save()
    error = refused(lambda: book(MemberFactory(), store), "no_staff")
    assert "call the store" in error.messages[0]


def test_a_stylist_of_another_store_or_a_member_cannot_be_asked_for(shop, member):
    store, _staff = shop
    _other_store, (other_tony, _amy) = salon()

    refused(lambda: book(member, store, staff=other_tony.user), "staff")
    refused(lambda: book(member, store, staff=MemberFactory().user), "staff")
    assert nothing_written()


def test_held_back_last_place_goes_to_priority_members_only(core, basic):
    # 2 places per stylist, 1 held back (50%) until an hour before (09:00; it is 06:00).
    store, (tony, amy) = salon(capacity=2, held_back_percent=50, release_minutes=60)
    book(MemberFactory(tier=basic), store, staff=tony.user)

    error = refused(lambda: book(MemberFactory(tier=basic), store, staff=tony.user), "held_back")
    assert "kept for priority members until" in error.messages[0]
    # Anyone free: a basic member gets Amy's open place rather than Tony's held-back one.
    assert book(MemberFactory(tier=basic), store).slot.staff == amy.user
    # Now only held-back places are left: anyone free says so too.
    error = refused(lambda: book(MemberFactory(tier=basic), store), "held_back")
    assert "kept for priority members" in error.messages[0]
    # A Core member may take them.
    assert book(MemberFactory(tier=core), store, staff=tony.user).slot.staff == tony.user
    assert book(MemberFactory(tier=core), store).slot.staff == amy.user
    assert Booking.objects.count() == 4


def test_held_back_places_open_to_everyone_at_the_release(basic):
    # 1 of 2 places held back until 3 hours before: 07:00 for the 10:00 slot.
    store, (tony, _amy) = salon(capacity=2, held_back_percent=50, release_minutes=180)
    book(MemberFactory(tier=basic), store, staff=tony.user)
    refused(lambda: book(MemberFactory(tier=basic), store, staff=tony.user), "held_back")

    booking = book(MemberFactory(tier=basic), store, staff=tony.user, now=shop_time(2030, 1, 7, 7))

    assert booking.slot.booked == 2


@pytest.mark.parametrize(
    ("start", "now", "code"),
    [
        (TEN, TEN + timedelta(minutes=1), "past"),
        (TEN, TEN - timedelta(minutes=119), "cutoff"),
        (TEN + timedelta(days=15), NOW, "too_far"),
        (shop_time(2030, 1, 7, 11), NOW, "no_slot"),  # no template at 11:00
    ],
)
def test_times_that_cannot_be_booked(shop, member, start, now, code):
    store, (tony, _amy) = shop
    refused(lambda: book(member, store, start=start, staff=tony.user, now=now), code)
    refused(lambda: book(member, store, start=start, now=now), code)
    assert nothing_written()


def test_a_closed_day_is_refused_with_the_reason(shop, member):
    store, _staff = shop
    StoreClosedDate.objects.create(store=store, date=TEN.date(), reason="Staff training")

    error = refused(lambda: book(member, store), "closed")

    assert "Staff training" in error.messages[0]
    assert nothing_written()


def test_a_store_without_appointments_is_refused(member):
    store, (tony, _amy) = salon(offers_appointments=False)
    error = refused(lambda: book(member, store, staff=tony.user), "not_offered")
    assert "does not take appointments" in error.messages[0]
    store.offers_appointments, store.is_active = True, False
    store.save()
    refused(lambda: book(member, store), "not_offered")
    assert nothing_written()


def test_a_service_the_store_does_not_book_is_refused(shop, member):
    store, _staff = shop
    refused(lambda: book(member, store, service=None), "service")
    suit = ServiceCategoryFactory(code="suit", name_en="Suits")
    error = refused(lambda: book(member, store, service=suit), "service")
    assert "Suits" in error.messages[0]
    assert nothing_written()


def test_a_long_note_is_refused(shop, member):
    store, _staff = shop
    refused(lambda: book(member, store, note="x" * 501), "note")
    assert nothing_written()


def test_one_person_one_chair_at_a_time(shop, member):
    store, (tony, amy) = shop
    book(member, store, staff=tony.user)

    error = refused(lambda: book(member, store, staff=amy.user), "duplicate")

    assert "already have a booking" in error.messages[0]
    assert Booking.objects.count() == 1
    assert not Slot.objects.filter(staff=amy.user, booked__gt=0).exists()
    assert book(member, store, start=TWO_PM, staff=amy.user)  # later the same day: fine


def test_a_pickup_store_is_not_bothered_by_appointments(member):
    # Pickup slots and appointment slots of one time are separate rows with their own places.
    store, (tony, _amy) = salon(pickup=1, latitude=None)
    book(member, store, staff=tony.user)
    pickup = booking_create(
        member=MemberFactory(), store=store, kind="pickup", start=TEN, address="1 Road", now=NOW
    ).bookings[0]
    assert pickup.slot.staff is None and pickup.slot.booked == 1
    assert Slot.objects.get(staff=tony.user).booked == 1


def test_the_database_refuses_an_appointment_without_a_service(shop, member):
    store, _staff = shop
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            member=member, store=store, kind="appointment", slot_start=TEN,
            slot_end=TEN + timedelta(hours=1), address="",
        )  # fmt: skip


# --- cancelling and moving ----------------------------------------------------------------------


def test_cancel_gives_the_stylists_place_back(shop, member):
    store, (tony, _amy) = shop
    booking = book(member, store, staff=tony.user)

    appointment_cancel(member=member, booking=booking, now=NOW)

    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_by == member.user
    assert Slot.objects.get(staff=tony.user).booked == 0
    assert book(MemberFactory(), store, staff=tony.user)


def test_cancel_after_the_cutoff_is_refused(shop, member):
    store, (tony, _amy) = shop
    booking = book(member, store, staff=tony.user)

    error = refused(
        lambda: appointment_cancel(member=member, booking=booking, now=TEN - timedelta(minutes=90)),
        "cutoff",
    )

    assert "Too late to cancel" in error.messages[0]
    booking.refresh_from_db()
    assert booking.status == "requested" and booking.slot.booked == 1


def test_nobody_cancels_or_moves_someone_elses_appointment(shop, member):
    store, (tony, amy) = shop
    booking = book(member, store, staff=tony.user)
    other = MemberFactory()

    refused(lambda: appointment_cancel(member=other, booking=booking, now=NOW), "not_yours")
    refused(
        lambda: appointment_reschedule(
            member=other, booking=booking, start=TWO_PM, staff=amy.user, now=NOW
        ),
        "not_yours",
    )
    booking.refresh_from_db()
    assert booking.status == "requested" and booking.slot_start == TEN
    assert Slot.objects.get(staff=tony.user).booked == 1


def test_move_to_another_time_and_stylist(shop, member):
    store, (tony, amy) = shop
    booking = book(member, store, staff=tony.user)

    moved = appointment_reschedule(
        member=member, booking=booking, start=TWO_PM, staff=amy.user, now=NOW
    )

    assert moved.slot.staff == amy.user and moved.slot_start == TWO_PM
    assert moved.staff_requested
    assert dict(Slot.objects.values_list("staff__first_name", "booked")) == {"Tony": 0, "Amy": 1}


def test_move_to_another_stylist_at_the_same_time(shop, member):
    store, (tony, amy) = shop
    booking = book(member, store, staff=tony.user)

    moved = appointment_reschedule(
        member=member, booking=booking, start=TEN, staff=amy.user, now=NOW
    )

    assert moved.slot.staff == amy.user
    assert dict(Slot.objects.values_list("staff__first_name", "booked")) == {"Tony": 0, "Amy": 1}


def test_move_to_anyone_free(shop, member):
    store, (tony, amy) = shop
    booking = book(member, store, staff=amy.user)

    moved = appointment_reschedule(member=member, booking=booking, start=TWO_PM, now=NOW)

    assert moved.slot.staff == tony.user and not moved.staff_requested


def test_move_refusals_change_nothing(shop, member, basic):
    store, (tony, amy) = shop
    booking = book(member, store, staff=tony.user)
    book(MemberFactory(), store, start=TWO_PM, staff=amy.user)

    refused(
        lambda: appointment_reschedule(member=member, booking=booking, start=TEN, now=NOW), "same"
    )
    refused(
        lambda: appointment_reschedule(
            member=member, booking=booking, start=TEN, staff=tony.user, now=NOW
        ),
        "same",
    )
    refused(
        lambda: appointment_reschedule(
            member=member, booking=booking, start=TWO_PM, staff=amy.user, now=NOW
        ),
        "full",
    )
    refused(
        lambda: appointment_reschedule(
            member=member, booking=booking, start=TEN + timedelta(days=30), now=NOW
        ),
        "too_far",
    )
    refused(
        lambda: appointment_reschedule(
            member=member, booking=booking, start=TWO_PM, now=TEN - timedelta(minutes=30)
        ),
        "cutoff",
    )
    booking.refresh_from_db()
    assert booking.slot_start == TEN and booking.slot.staff == tony.user
    assert sorted(Slot.objects.values_list("staff__first_name", "start", "booked")) == [
        ("Amy", TWO_PM, 1),
        ("Tony", TEN, 1),
    ]


def test_a_pickup_is_not_moved_as_an_appointment(member):
    store, (tony, _amy) = salon(pickup=1)
    pickup = booking_create(
        member=member, store=store, kind="pickup", start=TEN, address="1 Road", now=NOW
    ).bookings[0]
    refused(
        lambda: appointment_reschedule(
            member=member, booking=pickup, start=TWO_PM, staff=tony.user, now=NOW
        ),
        "kind",
    )


# --- reading ---------------------------------------------------------------------------------


def test_the_times_show_each_stylists_places_and_held_back_ones(core, basic):
    store, (tony, amy) = salon(capacity=2, held_back_percent=50, release_minutes=60)
    book(MemberFactory(tier=basic), store, staff=tony.user)
    staff = [tony, amy]

    days = appointment_days(store=store, member=MemberFactory(tier=basic), staff=staff, now=NOW)
    ten = days[0].options[0]
    assert ten.start == TEN and [(p.staff.name, p.places_left) for p in ten.staff] == [
        ("Tony", 0),
        ("Amy", 1),
    ]
    assert ten.bookable and ten.places_left == 1
    only_tony = appointment_days(
        store=store, member=MemberFactory(tier=basic), staff=staff, only=tony.user_id, now=NOW
    )[0].options[0]
    assert only_tony.refusal == "held_back" and only_tony.release_at == TEN - timedelta(hours=1)
    as_core = appointment_days(store=store, member=MemberFactory(tier=core), staff=staff, now=NOW)
    assert as_core[0].options[0].places_left == 3


def test_the_list_has_upcoming_first_with_the_stylists_name(shop, member):
    store, (tony, amy) = shop
    later = book(member, store, start=TEN + timedelta(days=2), staff=amy.user)
    soon = book(member, store, staff=tony.user)
    gone = book(member, store, start=TWO_PM)
    appointment_cancel(member=member, booking=gone, now=NOW)

    listed = list(appointments_for_member(member=member, now=NOW))

    assert [b.pk for b in listed] == [soon.pk, later.pk, gone.pk]
    assert [b.staff_name for b in listed] == ["Tony", "Amy", "Tony"]


def test_a_pickup_is_not_cancelled_as_an_appointment(member):
    store, _staff = salon(pickup=1)
    pickup = booking_create(
        member=member, store=store, kind="pickup", start=TEN, address="1 Road", now=NOW
    ).bookings[0]
    refused(lambda: appointment_cancel(member=member, booking=pickup, now=NOW), "kind")
    pickup.refresh_from_db()
    assert pickup.status == "requested" and pickup.slot.booked == 1


def test_cancel_a_cancelled_appointment_again_is_refused(shop, member):
    store, _staff = shop
    booking = book(member, store)
    appointment_cancel(member=member, booking=booking, now=NOW)
    refused(lambda: appointment_cancel(member=member, booking=booking, now=NOW), "not_changeable")
    assert not Slot.objects.filter(booked__gt=0).exists()
