"""Members booking one staff member's last place at the same moment (PostgreSQL, real
threads): the slot row's lock and conditional UPDATE give out exactly the places there are,
per staff member, and the database's CHECK booked <= capacity backs them. "Anyone free" picks
under the same locks, so it never overfills a staff member either."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from membership.models import Booking, ServiceCategory, Slot
from membership.services.appointments import (
    appointment_cancel,
    appointment_create,
    appointment_reschedule,
)
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, TierFactory
from tests.membership.appointment_helpers import salon
from tests.membership.booking_helpers import shop_time

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]

NOW = shop_time(2030, 1, 7, 6)
TEN = shop_time(2030, 1, 7, 10)
TWO_PM = shop_time(2030, 1, 7, 14)


def _book(member, store, staff=None, start=TEN):
    service = ServiceCategory.objects.get(code="haircut")
    return lambda: appointment_create(
        member=member, store=store, service=service, start=start, staff=staff, now=NOW
    )


def _split(results):
    crashes = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError)
    ]
    assert crashes == []
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    return won, lost


def _open_at(slot: Slot) -> int:
    return Booking.objects.filter(slot=slot, status="requested").count()


def test_50_members_booking_one_stylists_last_place_at_once_one_gets_it():
    store, (tony, amy) = salon(capacity=3)
    for _ in range(2):
        _book(MemberFactory(), store, tony.user)()
    members = [MemberFactory() for _ in range(50)]

    won, lost = _split(run_together([_book(m, store, tony.user) for m in members]))

    assert len(won) == 1 and len(lost) == 49
    assert {e.code for e in lost} == {"full"}
    slot = Slot.objects.get(staff=tony.user)
    assert slot.booked == slot.capacity == 3 == _open_at(slot)
    assert not Slot.objects.filter(staff=amy.user, booked__gt=0).exists()


def test_50_members_asking_for_anyone_free_fill_each_stylist_exactly():
    # No slot row exists yet: they also race to make them, one per stylist.
    store, staff = salon(capacity=2, stylists=3)
    members = [MemberFactory() for _ in range(50)]

    won, lost = _split(run_together([_book(m, store) for m in members]))

    assert len(won) == 6 and len(lost) == 44
    assert {e.code for e in lost} == {"full"}
    assert Counter(b.slot.staff_id for b in won) == {p.user_id: 2 for p in staff}
    for slot in Slot.objects.all():
        assert slot.booked == slot.capacity == 2 == _open_at(slot)


def test_chosen_and_anyone_free_racing_for_the_last_place_give_it_once():
    store, (tony,) = salon(capacity=1, stylists=1)
    members = [MemberFactory() for _ in range(40)]
    calls = [_book(m, store, tony.user if n % 2 else None) for n, m in enumerate(members)]

    won, lost = _split(run_together(calls))

    assert len(won) == 1 and len(lost) == 39
    assert Slot.objects.get().booked == 1 == Booking.objects.count()


def test_the_last_held_back_place_of_a_stylist_goes_to_a_priority_member_only():
    basic, core = TierFactory(code="basic"), TierFactory(code="core", priority_booking=True)
    # 2 places per stylist, 1 held back until 09:00 (it is 06:00).
    store, (tony, _amy) = salon(capacity=2, held_back_percent=50, release_minutes=60)
    _book(MemberFactory(tier=basic), store, tony.user)()
    members = [MemberFactory(tier=basic) for _ in range(20)]
    members += [MemberFactory(tier=core) for _ in range(20)]

    won, lost = _split(run_together([_book(m, store, tony.user) for m in members]))

    assert len(won) == 1 and won[0].member.tier == core
    assert {e.code for e in lost} <= {"full", "held_back"}
    assert Slot.objects.get(staff=tony.user).booked == 2


def test_moves_and_new_bookings_racing_for_one_place_give_it_once():
    # Five members hold the 14:00 places of five stylists; all move to Tony's one place at
    # 10:00 while five others book it.
    store, staff = salon(capacity=1, stylists=5)
    tony = staff[0]
    movers = [_book(MemberFactory(), store, person.user, start=TWO_PM)() for person in staff]
    calls = [
        lambda b=b: appointment_reschedule(
            member=b.member, booking=b, start=TEN, staff=tony.user, now=NOW
        )
        for b in movers
    ]
    calls += [_book(MemberFactory(), store, tony.user) for _ in range(5)]

    won, lost = _split(run_together(calls))

    assert len(won) == 1 and len(lost) == 9
    ten = Slot.objects.get(staff=tony.user, start=TEN)
    assert ten.booked == 1 == _open_at(ten)
    for slot in Slot.objects.filter(start=TWO_PM):
        assert slot.booked == _open_at(slot)


def test_cancels_moves_and_new_bookings_at_one_store_at_once_never_deadlock():
    # Cancelling or moving locks the booking row; booking inserts rows pointing at the store
    # while holding slot locks. Locking the store row with the booking would deadlock them.
    store, (tony, amy) = salon(capacity=12)
    held = [_book(MemberFactory(), store, tony.user)() for _ in range(8)]
    calls = [lambda b=b: appointment_cancel(member=b.member, booking=b, now=NOW) for b in held[:4]]
    calls += [
        lambda b=b: appointment_reschedule(
            member=b.member, booking=b, start=TEN, staff=amy.user, now=NOW
        )
        for b in held[4:]
    ]
    calls += [_book(MemberFactory(), store, person.user) for person in (tony, amy) * 4]

    won, lost = _split(run_together(calls))

    assert len(won) == 16 and lost == []
    for slot in Slot.objects.all():
        assert slot.booked == _open_at(slot)
    assert dict(Slot.objects.values_list("staff__first_name", "booked")) == {
        "Tony": 4,  # 8 booked, 4 cancelled, 4 moved away, 4 new
        "Amy": 8,  # 4 moved in, 4 new
    }


def test_one_member_booking_the_same_time_with_each_stylist_at_once_gets_one_chair():
    store, staff = salon(capacity=2, stylists=6)
    member = MemberFactory()

    won, lost = _split(run_together([_book(member, store, s.user) for s in staff] * 2))

    assert len(won) == 1 and len(lost) == 11
    assert {e.code for e in lost} == {"duplicate"}
    assert Booking.objects.filter(member=member, status="requested").count() == 1
    assert sum(Slot.objects.values_list("booked", flat=True)) == 1
