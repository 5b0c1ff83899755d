"""The staff board's writes: confirm a booking, send a driver, mark it on the way, done or
missed, cancel it for the member, and note the garment order it brings in or takes back.

Staff work on their own store's bookings; the owner (back office) on any store's. Every
change is atomic, refused with a clear message when it does not fit (nothing written),
audited (StaffAction), and told to the member when they care (confirmed, on the way, done,
missed, cancelled) through their inbox, and by SMS or email if they agreed to service
notices. A second tap on the same change changes nothing and tells nobody twice.

Bookings touch no ledger: only the booking row is locked (SELECT ... FOR UPDATE), as
membership.services.bookings does when a member cancels or moves one.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import Booking, MemberMessage, Order, User
from membership.selectors.booking_board import board_drivers
from membership.selectors.roles import user_role_flags
from membership.services.audit import audit_record
from membership.services.bookings import slot_release
from membership.services.messages import member_message_post

Status = Booking.Status

# Where the board can move a booking (cancelling is the member's, or the store's by phone
# through the booking pages; missing is booking_mark_missed).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REQUESTED: frozenset({Status.CONFIRMED}),
    Status.CONFIRMED: frozenset({Status.ON_THE_WAY, Status.DONE}),
    Status.ON_THE_WAY: frozenset({Status.DONE}),
}
BOARD_TARGETS = (Status.CONFIRMED, Status.ON_THE_WAY, Status.DONE)
# A visit can be missed once the driver set out for it (or it was confirmed and is due).
MISSABLE = (Status.CONFIRMED, Status.ON_THE_WAY)
REASON_MAX = 255


def booking_can_work(*, booking: Booking, user: User) -> bool:
    """Staff of the booking's store, or the owner, may move it along (the chain rule of
    orders: staff serve members anywhere but run their own store's work)."""
    if not (user.is_authenticated and user.is_active):
        return False
    flags = user_role_flags(user=user)
    if flags.back_office:
        return True
    return flags.counter and user.store_id is not None and user.store_id == booking.store_id


def _check_may_work(*, booking: Booking, user: User) -> None:
    if not booking_can_work(booking=booking, user=user):
        raise ValidationError(
            _("Only staff of the store this booking is with, or the owner, can change it."),
            code="other_store",
        )


def _lock(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("store", "member")
        .get(pk=booking.pk)
    )


def slot_stamp(booking: Booking) -> str:
    """The slot in a message key: a booking moved to another time is told about again."""
    return booking.slot_start.astimezone(UTC).strftime("%Y%m%d%H%M")


def booking_message_data(booking: Booking) -> dict:
    """What the member's booking messages are written from (membership.message_words)."""
    return {
        "booking": booking.pk,
        "kind": booking.kind,
        "store": booking.store.name,
        "start": booking.slot_start.isoformat(),
        "end": booking.slot_end.isoformat(),
    }


def _tell_member(
    booking: Booking, *, now: datetime, returns_cancelled: bool = False, reason: str = ""
) -> None:
    data = booking_message_data(booking) | {"status": booking.status}
    if booking.status == Status.MISSED:
        data["reason"] = booking.missed_reason
    if reason:
        data["reason"] = reason
    if returns_cancelled:
        data["returns_cancelled"] = True
    member_message_post(
        member_id=booking.member_id,
        kind=MemberMessage.Kind.BOOKING_CHANGED,
        data=data,
        idempotency_key=f"booking:{booking.pk}:{booking.status}:{slot_stamp(booking)}",
        created_at=now,
    )


def _reason(reason: str, missing: str) -> str:
    """The reason a member reads, trimmed; refused when empty, too long or with a NUL."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": missing}, code="reason")
    if len(reason) > REASON_MAX or "\x00" in reason:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX}},
            code="reason",
        )
    return reason


def _no_driver_for_appointments() -> ValidationError:
    return ValidationError(
        _("An appointment is at the store: nobody drives to it."), code="appointment"
    )


def _refused_move(booking: Booking, to_status: str) -> ValidationError:
    return ValidationError(
        _("This booking is %(status)s: it cannot be marked %(to)s.")
        % {
            "status": booking.get_status_display().lower(),
            "to": str(Status(to_status).label).lower(),
        },
        code="transition",
    )


@transaction.atomic
def booking_advance(
    *, booking: Booking, to_status: str, acting_user: User, now: datetime | None = None
) -> Booking:
    """Confirm a requested booking, mark it on the way, or done (only the allowed moves).

    Marking it on the way without a driver makes the one who tapped it the driver, when they
    work at the booking's store (the driver at the door). A second tap changes nothing.
    """
    if to_status not in BOARD_TARGETS:
        raise ValidationError(_("Unknown booking status."), code="status")
    _check_may_work(booking=booking, user=acting_user)
    now = now or timezone.now()
    locked = _lock(booking)
    before = locked.status
    if before == to_status:
        return locked
    if to_status not in TRANSITIONS.get(before, frozenset()):
        raise _refused_move(locked, to_status)
    if to_status == Status.ON_THE_WAY and locked.kind == Booking.Kind.APPOINTMENT:
        raise _no_driver_for_appointments()
    locked.status = to_status
    fields = ["status"]
    if (
        to_status == Status.ON_THE_WAY
        and locked.driver_id is None
        and acting_user.store_id == locked.store_id
    ):
        locked.driver = acting_user
        fields.append("driver")
    locked.save(update_fields=fields)
    audit_record(
        actor=acting_user,
        action="booking.status",
        member=locked.member,
        obj=locked,
        details={"from": before, "to": to_status},
    )
    _tell_member(locked, now=now)
    return locked


@transaction.atomic
def booking_mark_missed(
    *, booking: Booking, reason: str, acting_user: User, now: datetime | None = None
) -> Booking:
    """Nobody was there (or the address was wrong): the visit is missed, with why, which the
    member reads. Only a confirmed or on-the-way booking whose slot has started."""
    reason = _reason(reason, _("Say why the visit was missed: the member reads it."))
    _check_may_work(booking=booking, user=acting_user)
    now = now or timezone.now()
    locked = _lock(booking)
    if locked.status == Status.MISSED:
        return locked
    if locked.status not in MISSABLE:
        raise _refused_move(locked, Status.MISSED)
    if now < locked.slot_start:
        raise ValidationError(
            _("This slot has not started yet: a visit can be marked missed from its start."),
            code="too_early",
        )
    before = locked.status
    locked.status = Status.MISSED
    locked.missed_reason = reason
    locked.save(update_fields=["status", "missed_reason"])
    returns = _cancel_return_deliveries(locked, acting_user=acting_user, now=now)
    audit_record(
        actor=acting_user,
        action="booking.missed",
        member=locked.member,
        obj=locked,
        details={"from": before, "reason": reason, "returns_cancelled": returns},
    )
    _tell_member(locked, now=now, returns_cancelled=bool(returns))
    return locked


@transaction.atomic
def booking_cancel_by_store(
    *, booking: Booking, reason: str, acting_user: User, now: datetime | None = None
) -> Booking:
    """The store calls a visit off (the member asked by phone, no driver that day): an open
    booking is cancelled with why, its place given back, a pickup's return delivery with it;
    the member reads the reason. Unlike the member's own cancel, no cut-off applies."""
    reason = _reason(reason, _("Say why it is cancelled: the member reads it."))
    _check_may_work(booking=booking, user=acting_user)
    now = now or timezone.now()
    locked = _lock(booking)
    if locked.status == Status.CANCELLED:
        return locked
    if locked.status not in Booking.OPEN_STATUSES:
        raise _refused_move(locked, Status.CANCELLED)
    before = locked.status
    if locked.slot_id:
        slot_release(slot_id=locked.slot_id)
    locked.status = Status.CANCELLED
    locked.cancelled_at = now
    locked.cancelled_by = acting_user
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    returns = _cancel_return_deliveries(locked, acting_user=acting_user, now=now)
    audit_record(
        actor=acting_user,
        action="booking.cancelled",
        member=locked.member,
        obj=locked,
        details={"from": before, "reason": reason, "returns_cancelled": returns},
    )
    _tell_member(locked, now=now, returns_cancelled=bool(returns), reason=reason)
    return locked


def _cancel_return_deliveries(pickup: Booking, *, acting_user: User, now: datetime) -> list[int]:
    """A missed pickup brought nothing in: its open return delivery is cancelled and its place
    given back. Locked after the pickup (a higher id: the order booking_cancel locks in)."""
    returns = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(return_for=pickup, status__in=Booking.OPEN_STATUSES)
        .order_by("pk")
    )
    for delivery in returns:
        if delivery.slot_id:
            slot_release(slot_id=delivery.slot_id)
        delivery.status = Status.CANCELLED
        delivery.cancelled_at = now
        delivery.cancelled_by = acting_user
        delivery.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    return [delivery.pk for delivery in returns]


@transaction.atomic
def booking_assign_driver(*, booking: Booking, driver: User | None, acting_user: User) -> Booking:
    """Give an open booking to a driver from its store's staff (None: nobody yet)."""
    _check_may_work(booking=booking, user=acting_user)
    if booking.kind == Booking.Kind.APPOINTMENT:
        raise _no_driver_for_appointments()
    if (
        driver is not None
        and not board_drivers(store_id=booking.store_id).filter(pk=driver.pk).exists()
    ):
        raise ValidationError(
            {"driver": _("Choose a driver who works at this store.")}, code="driver"
        )
    locked = _lock(booking)
    if locked.status not in Booking.OPEN_STATUSES:
        raise ValidationError(
            _("This booking is %(status)s: it needs no driver any more.")
            % {"status": locked.get_status_display().lower()},
            code="closed",
        )
    before = locked.driver_id
    new = driver.pk if driver is not None else None
    if before == new:
        return locked
    locked.driver = driver
    locked.save(update_fields=["driver"])
    audit_record(
        actor=acting_user,
        action="booking.driver",
        member=locked.member,
        obj=locked,
        details={"from": before, "to": new},
    )
    return locked


@transaction.atomic
def booking_link_order(*, booking: Booking, order: Order | None, acting_user: User) -> Booking:
    """Note the garment order this pickup brought in, or this delivery takes back (None:
    none). The order must be the same member's, taken at the booking's store, and live."""
    _check_may_work(booking=booking, user=acting_user)
    if order is not None:
        if order.member_id != booking.member_id:
            raise ValidationError(
                {"order": _("Order %(number)s is another member's.") % {"number": order.number}},
                code="other_member",
            )
        if order.store_id != booking.store_id:
            raise ValidationError(
                {
                    "order": _("Order %(number)s was taken at another store.")
                    % {"number": order.number}
                },
                code="other_store",
            )
        if order.status not in Order.LIVE_STATUSES:
            raise ValidationError(
                {
                    "order": _("Order %(number)s was %(status)s.")
                    % {"number": order.number, "status": order.get_status_display().lower()}
                },
                code="cancelled",
            )
    locked = _lock(booking)
    before = locked.order_id
    new = order.pk if order is not None else None
    if before == new:
        return locked
    locked.order = order
    locked.save(update_fields=["order"])
    audit_record(
        actor=acting_user,
        action="booking.order",
        member=locked.member,
        obj=locked,
        details={"order": order.number if order is not None else None},
    )
    return locked
