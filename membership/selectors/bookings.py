from django.utils import timezone

from membership.models import Booking, Member


def booking_next_for_member(*, member: Member) -> Booking | None:
    return (
        Booking.objects.select_related("store")
        .filter(member=member, status__in=Booking.OPEN_STATUSES, slot_end__gte=timezone.now())
        .order_by("slot_start")
        .first()
    )
