"""The one-tap link in a booking reminder: signed (django.core.signing with the site's secret
key), bound to the booking and its member, and good until the slot ends.

The link only leads to a page: the member still has to be logged in as that member and
confirm there before anything changes (a link forwarded to someone else, or tampered with,
is refused).
"""

from datetime import datetime

from django.core import signing

from membership.models import Booking

SALT = "membership.booking-link"
TOKEN_MAX_LENGTH = 200  # a real token is under 100 characters


def booking_link_token(booking: Booking) -> str:
    """A token for this booking and member, expiring when its slot ends."""
    payload = {"b": booking.pk, "m": booking.member_id, "e": int(booking.slot_end.timestamp())}
    return signing.dumps(payload, salt=SALT)


def booking_link_check(*, token: str, booking: Booking, member_id: int, now: datetime) -> bool:
    """True if the token was made for this booking, for this member, and neither it nor the
    booking's slot has ended."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return False
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return False
    if not isinstance(payload, dict):
        return False
    b, m, e = payload.get("b"), payload.get("m"), payload.get("e")
    if not all(type(value) is int for value in (b, m, e)):
        return False
    if not (b == booking.pk and m == member_id == booking.member_id):
        return False
    # Expired when the slot it was sent for has ended, or the booking's slot (if moved).
    return now.timestamp() < e and now < booking.slot_end
