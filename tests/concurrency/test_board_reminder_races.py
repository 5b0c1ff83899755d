"""The board and the reminders under real concurrency (PostgreSQL, real threads): several
reminder runs at once post one reminder and send one text; several taps on the same board
button at once move the booking once and tell the member once."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from membership import sms
from membership.models import Booking, MemberMessage, StaffAction
from membership.services.booking_board import booking_advance
from membership.services.booking_reminders import booking_reminders_send
from tests.concurrency.threads import run_together
from tests.factories import BookingFactory, MemberFactory, StaffFactory, StoreFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]


def test_reminder_runs_at_once_post_one_reminder_and_text_it_once():
    tz = timezone.get_default_timezone()
    today = timezone.localdate() + timedelta(days=2)
    start = datetime.combine(today + timedelta(days=1), time(10), tzinfo=tz)
    member = MemberFactory(notify_by_sms=True)
    BookingFactory(member=member, slot_start=start, slot_end=start + timedelta(hours=2),
                   created_at=start - timedelta(days=3))  # fmt: skip
    evening = datetime.combine(today, time(18, 5), tzinfo=tz)
    sms.outbox.clear()

    results = run_together([lambda: booking_reminders_send(now=evening)] * 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert MemberMessage.objects.filter(kind=MemberMessage.Kind.BOOKING_REMINDER).count() == 1
    assert len([m for m in sms.outbox if m.to == str(member.user.phone)]) == 1


def test_taps_at_once_on_the_same_button_move_the_booking_once():
    store = StoreFactory()
    clerk = StaffFactory(store=store)
    booking = BookingFactory(store=store)

    def tap():
        return booking_advance(
            booking=Booking.objects.get(pk=booking.pk), to_status="confirmed", acting_user=clerk
        )

    results = run_together([tap] * 4)

    assert all(isinstance(r, Booking) for r in results), results
    assert StaffAction.objects.filter(action="booking.status").count() == 1
    assert MemberMessage.objects.filter(kind=MemberMessage.Kind.BOOKING_CHANGED).count() == 1
