"""The staff board's services: allowed moves only, staff of the booking's store or the owner,
a reason for a missed visit, a driver from the store's staff, the order a visit carries;
each change audited and, when the member cares, told once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from membership.message_words import message_text
from membership.models import Booking, MemberMessage, Order, Slot, SlotKind, StaffAction
from membership.services.booking_board import (
    booking_advance,
    booking_assign_driver,
    booking_cancel_by_store,
    booking_link_order,
    booking_mark_missed,
)
from tests.factories import (
    BookingFactory,
    MemberFactory,
    OrderFactory,
    OwnerFactory,
    StaffFactory,
    StoreFactory,
)

pytestmark = pytest.mark.django_db
S = Booking.Status


@pytest.fixture
def store():
    return StoreFactory(name="Riverside")


@pytest.fixture
def clerk(store):
    return StaffFactory(store=store, first_name="Wang")


@pytest.fixture
def booking(store):
    return BookingFactory(store=store)


def messages_of(booking):
    return list(
        MemberMessage.objects.filter(
            member=booking.member, kind=MemberMessage.Kind.BOOKING_CHANGED
        ).order_by("pk")
    )


def test_a_booking_goes_confirmed_on_the_way_done_each_told_once_and_audited(booking, clerk):
    for status in (S.CONFIRMED, S.ON_THE_WAY, S.DONE):
        booking = booking_advance(booking=booking, to_status=status, acting_user=clerk)
        # a second tap (the driver's thumb) changes nothing and tells nobody again
        booking = booking_advance(booking=booking, to_status=status, acting_user=clerk)

    booking.refresh_from_db()
    assert booking.status == S.DONE
    assert [m.data["status"] for m in messages_of(booking)] == ["confirmed", "on_the_way", "done"]
    assert messages_of(booking)[0].data["store"] == "Riverside"
    actions = StaffAction.objects.filter(action="booking.status", object_id=str(booking.pk))
    assert sorted((a.details["from"], a.details["to"]) for a in actions) == [
        ("confirmed", "on_the_way"),
        ("on_the_way", "done"),
        ("requested", "confirmed"),
    ]
    assert all(a.actor == clerk and a.member == booking.member for a in actions)


def test_on_the_way_without_a_driver_makes_the_tapper_the_driver(booking, clerk):
    booking_advance(booking=booking, to_status=S.CONFIRMED, acting_user=clerk)
    booking = booking_advance(booking=booking, to_status=S.ON_THE_WAY, acting_user=clerk)
    assert booking.driver == clerk


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.REQUESTED, S.ON_THE_WAY),
        (S.REQUESTED, S.DONE),
        (S.DONE, S.CONFIRMED),
        (S.ON_THE_WAY, S.CONFIRMED),
        (S.CANCELLED, S.CONFIRMED),
        (S.MISSED, S.DONE),
    ],
)
def test_moves_outside_the_flow_are_refused_and_write_nothing(store, clerk, start, to):
    booking = BookingFactory(store=store, status=start)
    with pytest.raises(ValidationError) as refused:
        booking_advance(booking=booking, to_status=to, acting_user=clerk)
    assert refused.value.code == "transition"
    booking.refresh_from_db()
    assert booking.status == start
    assert not messages_of(booking) and not StaffAction.objects.exists()


@pytest.mark.parametrize("to", ["requested", "cancelled", "missed", "", "bogus"])
def test_the_board_cannot_set_other_statuses_through_advance(booking, clerk, to):
    with pytest.raises(ValidationError):
        booking_advance(booking=booking, to_status=to, acting_user=clerk)


def test_staff_of_another_store_are_refused_the_owner_is_not(booking):
    other = StaffFactory(store=StoreFactory())
    with pytest.raises(ValidationError) as refused:
        booking_advance(booking=booking, to_status=S.CONFIRMED, acting_user=other)
    assert refused.value.code == "other_store"
    with pytest.raises(ValidationError):
        booking_mark_missed(booking=booking, reason="x", acting_user=other)
    with pytest.raises(ValidationError):
        booking_assign_driver(booking=booking, driver=None, acting_user=other)
    staff_without_store = StaffFactory(store=None)
    with pytest.raises(ValidationError):
        booking_advance(booking=booking, to_status=S.CONFIRMED, acting_user=staff_without_store)
    member = MemberFactory()
    member.user.store = booking.store  # a member login never works the board
    with pytest.raises(ValidationError):
        booking_advance(booking=booking, to_status=S.CONFIRMED, acting_user=member.user)
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED

    owner = OwnerFactory()
    assert booking_advance(booking=booking, to_status=S.CONFIRMED, acting_user=owner).status == (
        S.CONFIRMED
    )


def test_missed_needs_a_reason_the_member_reads_it(store, clerk):
    booking = BookingFactory(
        store=store,
        status=S.ON_THE_WAY,
        slot_start=timezone.now() - timedelta(minutes=30),
    )
    for reason in ["", "   ", "x" * 256, "a\x00b"]:
        with pytest.raises(ValidationError):
            booking_mark_missed(booking=booking, reason=reason, acting_user=clerk)
    booking.refresh_from_db()
    assert booking.status == S.ON_THE_WAY

    booking_mark_missed(booking=booking, reason=" Nobody answered the door ", acting_user=clerk)
    booking_mark_missed(booking=booking, reason="again", acting_user=clerk)  # second tap

    booking.refresh_from_db()
    assert booking.status == S.MISSED and booking.missed_reason == "Nobody answered the door"
    [message] = messages_of(booking)
    assert message.data["status"] == "missed"
    assert message.data["reason"] == "Nobody answered the door"
    assert StaffAction.objects.get(action="booking.missed").details["reason"] == (
        "Nobody answered the door"
    )


def test_missed_is_refused_before_the_slot_starts_and_for_unconfirmed_visits(store, clerk):
    later = BookingFactory(store=store, status=S.CONFIRMED)  # tomorrow
    with pytest.raises(ValidationError) as refused:
        booking_mark_missed(booking=later, reason="No one home", acting_user=clerk)
    assert refused.value.code == "too_early"
    past = timezone.now() - timedelta(hours=1)
    for status in (S.REQUESTED, S.DONE, S.CANCELLED):
        booking = BookingFactory(store=store, status=status, slot_start=past)
        with pytest.raises(ValidationError):
            booking_mark_missed(booking=booking, reason="No one home", acting_user=clerk)
        booking.refresh_from_db()
        assert booking.status == status


def test_a_driver_comes_from_the_bookings_store(booking, clerk, store):
    driver = StaffFactory(store=store, first_name="Li")
    booking = booking_assign_driver(booking=booking, driver=driver, acting_user=clerk)
    assert booking.driver == driver
    assert StaffAction.objects.get(action="booking.driver").details == {
        "from": None,
        "to": driver.pk,
    }

    elsewhere = StaffFactory(store=StoreFactory())
    member = MemberFactory()
    member.user.store = store
    member.user.save()
    for wrong in (elsewhere, member.user):
        with pytest.raises(ValidationError) as refused:
            booking_assign_driver(booking=booking, driver=wrong, acting_user=clerk)
        assert "driver" in refused.value.error_dict
    booking.refresh_from_db()
    assert booking.driver == driver

    assert booking_assign_driver(booking=booking, driver=None, acting_user=clerk).driver is None
    assert not messages_of(booking)  # the member is not told who drives


def test_no_driver_for_a_finished_booking(store, clerk):
    done = BookingFactory(store=store, status=S.DONE)
    with pytest.raises(ValidationError):
        booking_assign_driver(booking=done, driver=clerk, acting_user=clerk)


def test_a_booking_carries_the_members_order_of_its_store(booking, clerk, store):
    order = OrderFactory(member=booking.member, store=store)
    booking = booking_link_order(booking=booking, order=order, acting_user=clerk)
    assert booking.order == order
    assert StaffAction.objects.get(action="booking.order").details == {"order": order.number}

    others = [
        OrderFactory(store=store),  # another member's
        OrderFactory(member=booking.member, store=StoreFactory()),  # another store's
        OrderFactory(
            member=booking.member,
            store=store,
            status=Order.Status.REFUNDED,
            subtotal=Decimal("10"),
            total=Decimal("10"),
        ),
    ]
    for wrong in others:
        with pytest.raises(ValidationError) as refused:
            booking_link_order(booking=booking, order=wrong, acting_user=clerk)
        assert "order" in refused.value.error_dict
    booking.refresh_from_db()
    assert booking.order == order

    assert booking_link_order(booking=booking, order=None, acting_user=clerk).order is None


def test_a_moved_booking_is_told_again_when_confirmed_for_its_new_time(booking, clerk):
    booking_advance(booking=booking, to_status=S.CONFIRMED, acting_user=clerk)
    Booking.objects.filter(pk=booking.pk).update(
        status=S.REQUESTED,
        slot_start=booking.slot_start + timedelta(days=1),
        slot_end=booking.slot_end + timedelta(days=1),
    )
    booking.refresh_from_db()
    booking_advance(booking=booking, to_status=S.CONFIRMED, acting_user=clerk)
    assert len(messages_of(booking)) == 2


def test_a_missed_pickup_cancels_its_return_delivery_and_frees_its_place(store, clerk):
    start = timezone.now() - timedelta(minutes=30)
    pickup = BookingFactory(store=store, status=S.CONFIRMED, slot_start=start)
    later = start + timedelta(days=3)
    slot = Slot.objects.create(store=store, kind=SlotKind.DELIVERY, start=later,
                               end=later + timedelta(hours=2), capacity=2, booked=1,
                               release_at=later)  # fmt: skip
    delivery = BookingFactory(store=store, member=pickup.member, kind=Booking.Kind.DELIVERY,
                              return_for=pickup, slot=slot, slot_start=later,
                              slot_end=slot.end)  # fmt: skip

    booking_mark_missed(booking=pickup, reason="Nobody home", acting_user=clerk)

    delivery.refresh_from_db()
    slot.refresh_from_db()
    assert delivery.status == S.CANCELLED and delivery.cancelled_by == clerk
    assert slot.booked == 0
    [message] = messages_of(pickup)
    assert message.data["returns_cancelled"] is True
    assert "return delivery is cancelled" in message_text(message, language="en").body
    details = StaffAction.objects.get(action="booking.missed").details
    assert details["returns_cancelled"] == [delivery.pk]


def test_a_missed_delivery_leaves_other_bookings_alone(store, clerk):
    delivery = BookingFactory(store=store, kind=Booking.Kind.DELIVERY, status=S.ON_THE_WAY,
                              slot_start=timezone.now() - timedelta(minutes=10))  # fmt: skip
    other = BookingFactory(store=store, member=delivery.member)
    booking_mark_missed(booking=delivery, reason="Gate locked", acting_user=clerk)
    other.refresh_from_db()
    assert other.status == S.REQUESTED
    assert "returns_cancelled" not in messages_of(delivery)[0].data


def test_the_store_cancels_a_booking_with_a_reason_the_member_reads(store, clerk):
    pickup = BookingFactory(store=store, status=S.CONFIRMED)
    later = pickup.slot_start + timedelta(days=2)
    slot = Slot.objects.create(store=store, kind=SlotKind.DELIVERY, start=later,
                               end=later + timedelta(hours=2), capacity=2, booked=1,
                               release_at=later)  # fmt: skip
    delivery = BookingFactory(store=store, member=pickup.member, kind=Booking.Kind.DELIVERY,
                              return_for=pickup, slot=slot, slot_start=later,
                              slot_end=slot.end)  # fmt: skip
    for reason in ["", "  ", "x" * 256, "a\x00b"]:
        with pytest.raises(ValidationError):
            booking_cancel_by_store(booking=pickup, reason=reason, acting_user=clerk)
    pickup.refresh_from_db()
    assert pickup.status == S.CONFIRMED and messages_of(pickup) == []

    booking_cancel_by_store(booking=pickup, reason=" Member asked by phone ", acting_user=clerk)
    booking_cancel_by_store(booking=pickup, reason="again", acting_user=clerk)  # second tap

    pickup.refresh_from_db()
    delivery.refresh_from_db()
    slot.refresh_from_db()
    assert pickup.status == S.CANCELLED and pickup.cancelled_by == clerk
    assert delivery.status == S.CANCELLED and slot.booked == 0
    [message] = messages_of(pickup)
    text = message_text(message, language="en")
    assert "The store cancelled your pickup" in text.body
    assert "Member asked by phone" in text.body and "return delivery" in text.body
    assert StaffAction.objects.get(action="booking.cancelled").details["reason"] == (
        "Member asked by phone"
    )


def test_a_finished_booking_cannot_be_cancelled_and_other_stores_cannot(store, clerk):
    done = BookingFactory(store=store, status=S.DONE)
    with pytest.raises(ValidationError):
        booking_cancel_by_store(booking=done, reason="late", acting_user=clerk)
    other = StaffFactory(store=StoreFactory())
    open_one = BookingFactory(store=store)
    with pytest.raises(ValidationError):
        booking_cancel_by_store(booking=open_one, reason="no", acting_user=other)
    done.refresh_from_db()
    open_one.refresh_from_db()
    assert done.status == S.DONE and open_one.status == S.REQUESTED
