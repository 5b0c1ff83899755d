"""The one-tap link of a booking reminder: /me/bookings/<id>/skip/?t=<signed token>.

The page shows the booking and asks: skip this one (POST, cancelled through the booking
service with its cut-off; a recurring booking loses this occurrence only), pick another time
(the booking's reschedule page), or keep it. Opening it (GET) never changes anything.

The token is signed, names the booking and its member, and expires when the slot ends
(membership.booking_links); the member must be logged in as that member. A tampered,
expired or forwarded link is refused with the same page, whatever booking it names.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from membership import booking_rules
from membership.booking_links import booking_link_check, booking_link_token
from membership.models import Booking, Member
from membership.services.bookings import booking_cancel


def reminder_link(booking: Booking) -> str:
    """The path a reminder carries for this booking (the channels make it absolute)."""
    path = reverse("customer:booking-skip", kwargs={"pk": booking.pk})
    return f"{path}?{urlencode({'t': booking_link_token(booking)})}"


def _pages(booking: Booking) -> tuple[str, str]:
    """The booking's own page and its reschedule page."""
    if booking.kind == Booking.Kind.APPOINTMENT:
        names = ("customer:appointment", "customer:appointment-reschedule")
    else:
        names = ("customer:booking", "customer:booking-reschedule")
    return tuple(reverse(name, kwargs={"pk": booking.pk}) for name in names)


@require_http_methods(["GET", "POST"])
@login_required
def booking_skip(request, pk: int):
    member = Member.objects.filter(user=request.user).first()
    token = request.GET.get("t", "")
    booking = Booking.objects.select_related("store").filter(pk=pk).first()
    now = timezone.now()
    if (
        member is None
        or booking is None
        or not booking_link_check(token=token, booking=booking, member_id=member.pk, now=now)
    ):
        return render(request, "portal/customer/booking_link_refused.html", status=403)
    page, reschedule = _pages(booking)
    changeable = booking.status in Booking.CHANGEABLE_STATUSES and booking_rules.change_allowed(
        booking.slot_start, now=now, change_cutoff_minutes=booking.store.change_cutoff_minutes
    )
    status = 200
    if request.method == "POST":
        try:
            booking_cancel(member=member, booking=booking, now=now)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            status = 400
            booking.refresh_from_db()
            changeable = False
        else:
            messages.success(request, _("Skipped: this booking is cancelled."))
            return redirect(page)
    return render(
        request,
        "portal/customer/booking_skip.html",
        {
            "booking": booking,
            "changeable": changeable,
            "booking_page": page,
            "reschedule_page": reschedule,
            "token": token,
        },
        status=status,
    )
