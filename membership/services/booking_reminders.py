"""Reminders before a booked slot: the evening before and an hour before, each once.

Run every few minutes (a periodic task). Each run finds what is due now:

- evening before: from 18:00 (shop time) until midnight, the bookings of tomorrow that were
  made before 18:00 today (one booked later this evening needs no reminder of it);
- hour before: the bookings starting within the next hour that were made more than an hour
  before their start.

Only requested and confirmed bookings are reminded (not cancelled, missed or done ones).
Each reminder is a member message whose key names the booking, the reminder and the slot's
start: however often the task runs (or two workers at once), a reminder is posted once, and
a booking moved to another time is reminded of its new time. The message goes to the inbox,
and by SMS or email with the member's consent to service notices; it carries the one-tap
link (`link_for`) to skip or move the booking.
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from membership.models import Booking, MemberMessage
from membership.services.booking_board import booking_message_data, slot_stamp
from membership.services.messages import member_message_post

EVENING_HOUR = 18
HOUR_BEFORE = timedelta(hours=1)
REMINDED_STATUSES = (Booking.Status.REQUESTED, Booking.Status.CONFIRMED)
EVENING, HOUR = "evening", "hour"


def reminder_key(booking: Booking, which: str) -> str:
    return f"booking_reminder:{booking.pk}:{which}:{slot_stamp(booking)}"


def _evening_due(now: datetime) -> list[Booking]:
    tz = timezone.get_default_timezone()
    local = timezone.localtime(now, tz)
    if local.hour < EVENING_HOUR:
        return []
    evening = datetime.combine(local.date(), time(EVENING_HOUR), tzinfo=tz)
    tomorrow = local.date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time.min, tzinfo=tz)
    end = datetime.combine(tomorrow + timedelta(days=1), time.min, tzinfo=tz)
    return list(
        Booking.objects.filter(
            status__in=REMINDED_STATUSES,
            slot_start__gte=start,
            slot_start__lt=end,
            created_at__lt=evening,
        ).select_related("store")
    )


def _hour_due(now: datetime) -> list[Booking]:
    soon = Booking.objects.filter(
        status__in=REMINDED_STATUSES, slot_start__gt=now, slot_start__lte=now + HOUR_BEFORE
    ).select_related("store")
    return [b for b in soon if b.created_at < b.slot_start - HOUR_BEFORE]


def booking_reminders_due(*, now: datetime | None = None) -> list[tuple[Booking, str]]:
    """The (booking, "evening" | "hour") reminders due now and not yet posted."""
    now = now or timezone.now()
    due = [(b, EVENING) for b in _evening_due(now)] + [(b, HOUR) for b in _hour_due(now)]
    if not due:
        return []
    keys = [reminder_key(b, which) for b, which in due]
    posted = set(
        MemberMessage.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    return [(b, which) for b, which in due if reminder_key(b, which) not in posted]


def booking_reminders_send(
    *, now: datetime | None = None, link_for: Callable[[Booking], str] | None = None
) -> dict[str, int]:
    """Post the reminders due now (each in its own transaction); how many of each kind.

    `link_for(booking)` gives the path of the page to skip or move the booking (the portal's
    signed one-tap link); without it the reminder carries no link.
    """
    now = now or timezone.now()
    sent = {EVENING: 0, HOUR: 0}
    for booking, which in booking_reminders_due(now=now):
        data = booking_message_data(booking) | {"which": which}
        if link_for is not None:
            data["link"] = link_for(booking)
        with transaction.atomic():
            # The booking may have been cancelled since it was read: check again under lock.
            still = (
                Booking.objects.select_for_update()
                .filter(pk=booking.pk, status__in=REMINDED_STATUSES, slot_start=booking.slot_start)
                .exists()
            )
            if not still:
                continue
            member_message_post(
                member_id=booking.member_id,
                kind=MemberMessage.Kind.BOOKING_REMINDER,
                data=data,
                idempotency_key=reminder_key(booking, which),
                created_at=now,
            )
        sent[which] += 1
    return sent
