"""Members booking the same slot at the same moment (PostgreSQL, real threads): the slot's
row lock and conditional UPDATE give out exactly the places there are, and the database's
CHECK booked <= capacity backs them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from membership.models import Booking, Slot
from membership.services.bookings import booking_create, booking_reschedule
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, TierFactory
from tests.membership.booking_helpers import NEAR, booking_store, shop_time

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]

NOW = shop_time(2030, 1, 7, 6)
NINE = shop_time(2030, 1, 7, 9)
TWO_PM = shop_time(2030, 1, 7, 14)


def _book(member, store, start=NINE, now=NOW):
    return lambda: booking_create(
        member=member,
        store=store,
        kind="pickup",
        start=start,
        address="1 Nanjing Road",
        latitude=NEAR[0],
        longitude=NEAR[1],
        now=now,
    )


def _split(results):
    crashes = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError)
    ]
    assert crashes == []
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    return won, lost


def test_50_members_booking_the_last_place_at_once_one_gets_it():
    store = booking_store(capacity=3)
    for _ in range(2):
        _book(MemberFactory(), store)()
    members = [MemberFactory() for _ in range(50)]

    won, lost = _split(run_together([_book(m, store) for m in members]))

    assert len(won) == 1 and len(lost) == 49
    assert {e.code for e in lost} == {"full"}
    slot = Slot.objects.get()
    assert slot.booked == slot.capacity == 3
    assert Booking.objects.filter(slot=slot, status="requested").count() == 3


def test_50_members_on_a_slot_nobody_has_booked_yet_get_exactly_its_places():
    # The slot row does not exist yet: they also race to make it.
    store = booking_store(capacity=5)
    members = [MemberFactory() for _ in range(50)]

    won, lost = _split(run_together([_book(m, store) for m in members]))

    assert len(won) == 5 and len(lost) == 45
    assert Slot.objects.get().booked == 5 == Booking.objects.count()


def test_the_last_held_back_place_goes_to_a_priority_member_only():
    basic, core = TierFactory(code="basic"), TierFactory(code="core", priority_booking=True)
    store = booking_store(capacity=4, held_back_percent=25, release_minutes=60)
    for _ in range(3):
        _book(MemberFactory(tier=basic), store)()
    members = [MemberFactory(tier=basic) for _ in range(20)]
    members += [MemberFactory(tier=core) for _ in range(20)]

    won, lost = _split(run_together([_book(m, store) for m in members]))

    assert len(won) == 1
    assert won[0].bookings[0].member.tier == core
    assert {e.code for e in lost} <= {"full", "held_back"}
    assert Slot.objects.get().booked == 4


def test_moves_in_opposite_directions_at_once_neither_deadlock_nor_drift():
    store = booking_store(capacity=16)  # room for all of them in either slot
    at_nine = [_book(MemberFactory(), store, NINE)().bookings[0] for _ in range(8)]
    at_two = [_book(MemberFactory(), store, TWO_PM)().bookings[0] for _ in range(8)]

    def move(booking, start):
        return lambda: booking_reschedule(
            member=booking.member, booking=booking, start=start, now=NOW
        )

    calls = [move(b, TWO_PM) for b in at_nine] + [move(b, NINE) for b in at_two]
    won, lost = _split(run_together(calls))

    assert len(won) == 16 and lost == []
    for slot in Slot.objects.all():
        assert slot.booked == Booking.objects.filter(slot=slot, status="requested").count() == 8
