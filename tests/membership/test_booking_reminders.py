"""Reminders the evening before and an hour before a slot: each once however often the task
runs, none for cancelled bookings, none of a kind when the booking was made too late for it,
a moved booking reminded of its new time; delivered with consent, carrying the one-tap link."""

from datetime import datetime, time, timedelta

import pytest
from crontask import scheduler
from django.conf import settings
from django.core import mail
from django.utils import timezone

from membership import sms
from membership.message_words import message_text
from membership.models import Booking, MemberMessage
from membership.services.booking_reminders import booking_reminders_send
from tests.factories import BookingFactory, MemberFactory, StoreFactory

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
S = Booking.Status


def shop_time(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


@pytest.fixture
def today():
    """A day well ahead, so `now` passed to the service is never in the real past."""
    return timezone.localdate() + timedelta(days=3)


def reminders(member=None):
    found = MemberMessage.objects.filter(kind=MemberMessage.Kind.BOOKING_REMINDER)
    if member is not None:
        found = found.filter(member=member)
    return list(found.order_by("pk"))


def book(today, *, hour=10, made=None, **kwargs) -> Booking:
    """A two-hour slot tomorrow at `hour`, made (by default) two days before."""
    start = shop_time(today + timedelta(days=1), hour)
    return BookingFactory(
        slot_start=start,
        slot_end=start + timedelta(hours=2),
        created_at=made or shop_time(today - timedelta(days=2), 12),
        store=kwargs.pop("store", None) or StoreFactory(name="Riverside"),
        **kwargs,
    )


def run_every_ten_minutes(start: datetime, end: datetime, **kwargs) -> list[dict]:
    results, now = [], start
    while now <= end:
        results.append(booking_reminders_send(now=now, **kwargs))
        now += timedelta(minutes=10)
    return results


def test_a_booking_tomorrow_gets_one_evening_and_one_hour_reminder(today):
    booking = book(today, hour=10)

    # the task runs every 10 minutes from this afternoon to after the slot, some runs twice
    runs = run_every_ten_minutes(shop_time(today, 15), shop_time(today + timedelta(days=1), 13))
    runs += run_every_ten_minutes(shop_time(today, 18), shop_time(today, 19))

    sent = reminders(booking.member)
    assert [m.data["which"] for m in sent] == ["evening", "hour"]
    assert sum(r["evening"] for r in runs) == 1 and sum(r["hour"] for r in runs) == 1
    evening, hour = sent
    assert timezone.localtime(evening.created_at) == shop_time(today, 18)
    # the first run at or after an hour before 10:00
    assert timezone.localtime(hour.created_at) == shop_time(today + timedelta(days=1), 9)
    assert evening.data["booking"] == booking.pk and evening.data["store"] == "Riverside"


def test_none_for_cancelled_missed_or_done_bookings(today):
    for status in (S.CANCELLED, S.MISSED, S.DONE, S.ON_THE_WAY):
        book(today, status=status)
    run_every_ten_minutes(shop_time(today, 18), shop_time(today + timedelta(days=1), 10))
    assert reminders() == []


def test_a_booking_cancelled_after_the_evening_reminder_gets_no_hour_reminder(today):
    booking = book(today)
    booking_reminders_send(now=shop_time(today, 18, 5))
    Booking.objects.filter(pk=booking.pk).update(status=S.CANCELLED)
    run_every_ten_minutes(shop_time(today + timedelta(days=1), 8), shop_time(today, 23))
    run_every_ten_minutes(
        shop_time(today + timedelta(days=1), 8), shop_time(today + timedelta(days=1), 10)
    )
    assert [m.data["which"] for m in reminders()] == ["evening"]


def test_booked_after_six_the_evening_before_no_evening_reminder(today):
    late = book(today, made=shop_time(today, 20, 30))
    run_every_ten_minutes(shop_time(today, 18), shop_time(today + timedelta(days=1), 10))
    assert [m.data["which"] for m in reminders(late.member)] == ["hour"]


def test_booked_within_the_hour_no_hour_reminder(today):
    tomorrow = today + timedelta(days=1)
    rushed = book(today, hour=10, made=shop_time(tomorrow, 9, 20))
    run_every_ten_minutes(shop_time(tomorrow, 8), shop_time(tomorrow, 10))
    assert reminders(rushed.member) == []


def test_the_evening_reminder_is_not_sent_the_next_morning(today):
    """A worker down all evening does not send 'tomorrow' on the day itself."""
    booking = book(today, hour=15)
    run_every_ten_minutes(
        shop_time(today + timedelta(days=1), 0), shop_time(today + timedelta(days=1), 13)
    )
    assert reminders(booking.member) == []


def test_a_moved_booking_is_reminded_of_its_new_time(today):
    booking = book(today, hour=10)
    booking_reminders_send(now=shop_time(today, 18))
    later = booking.slot_start + timedelta(days=1)
    Booking.objects.filter(pk=booking.pk).update(
        slot_start=later, slot_end=later + timedelta(hours=2)
    )
    run_every_ten_minutes(shop_time(today + timedelta(days=1), 18), later)
    assert [m.data["which"] for m in reminders(booking.member)] == ["evening", "evening", "hour"]


def test_recurring_occurrences_are_each_reminded(today):
    member = MemberFactory()
    store = StoreFactory()
    first = book(today, member=member, store=store, recurrence_weeks=1)
    second_start = first.slot_start + timedelta(weeks=1)
    BookingFactory(member=member, store=store, slot_start=second_start,
                   slot_end=second_start + timedelta(hours=2), series=first.series,
                   created_at=first.created_at)  # fmt: skip
    booking_reminders_send(now=shop_time(today, 18))
    booking_reminders_send(now=shop_time(today + timedelta(weeks=1), 18))
    assert len(reminders(member)) == 2


def test_the_reminder_is_texted_and_emailed_with_consent_carrying_the_link(
    today, django_capture_on_commit_callbacks, settings
):
    settings.WAGTAILADMIN_BASE_URL = "https://shop.example"
    booking = book(today, hour=10)
    member = booking.member
    member.notify_by_sms = member.notify_by_email = True
    member.save()
    quiet = book(today, hour=10)  # no consent: the inbox only

    with django_capture_on_commit_callbacks(execute=True):
        booking_reminders_send(now=shop_time(today, 18), link_for=lambda b: f"/me/x/{b.pk}/?t=s")

    [text] = [m for m in sms.outbox if m.to == str(member.user.phone)]
    assert f"https://shop.example/me/x/{booking.pk}/?t=s" in text.body
    [email] = mail.outbox
    assert email.to == [member.user.email]
    assert f"https://shop.example/me/x/{booking.pk}/?t=s" in email.body
    assert len(sms.outbox) == 1
    assert len(reminders(quiet.member)) == 1  # in the inbox all the same


def test_the_words_of_the_reminders(today):
    booking = book(today, hour=10)
    booking_reminders_send(now=shop_time(today, 18), link_for=lambda b: "/me/bookings/1/skip/?t=x")
    booking_reminders_send(now=shop_time(today + timedelta(days=1), 9))
    evening, hour = reminders(booking.member)

    english = message_text(evening, language="en")
    assert english.subject == "Reminder: your pickup tomorrow"
    assert "Riverside" in english.body and "10:00–12:00" in english.body
    assert english.link == "/me/bookings/1/skip/?t=x" and english.link_label == "Skip or move it"
    assert "10:00" in message_text(hour, language="en").body


def test_the_reminders_read_in_chinese(today):
    booking = book(today, hour=10)
    booking_reminders_send(now=shop_time(today, 18), link_for=lambda b: "/me/bookings/1/skip/?t=x")
    [evening] = reminders(booking.member)
    chinese = message_text(evening, language="zh-hans")
    assert chinese.subject == "提醒：明天上门取件"
    assert (
        chinese.body.startswith("您在Riverside的上门取件在明天：") and "10:00–12:00" in chinese.body
    )
    assert chinese.link_label == "跳过或改期"


def test_a_link_that_is_not_a_local_path_is_never_shown(today):
    booking = book(today)
    booking_reminders_send(now=shop_time(today, 18), link_for=lambda b: "https://evil.example/")
    assert message_text(reminders(booking.member)[0]).link == ""


def test_the_task_is_scheduled_every_ten_minutes():
    import portal.tasks  # noqa: F401, PLC0415 - registers the schedule, as `manage.py crontask` does

    job = next(job for job in scheduler.get_jobs() if job.name == "send_booking_reminders")
    shop = timezone.get_default_timezone()
    after = datetime(2026, 11, 23, 9, 1, tzinfo=shop)
    assert job.trigger.get_next_fire_time(None, after) == datetime(2026, 11, 23, 9, 10, tzinfo=shop)
    assert str(shop) == settings.TIME_ZONE
