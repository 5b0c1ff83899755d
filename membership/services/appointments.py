"""Booking in-store appointments (salons and beauty shops) and moving them.

The same slot machinery as pickups (membership.services.bookings): every staff member who takes
appointments has their own slot row per time, holding the template's appointment places. A
member books a service with a staff member they choose, or with "anyone free": the first of
the store's staff (in the store's order) with a place for this member, picked while their
slot rows are locked, so two members can never overfill one staff member's slot. Held-back
places, cut-offs, closed days and tier priority are the bookings' rules, asked through the
same helpers.

Locks: the booking row first (when moving or cancelling one), then the slot rows, all at once
in id order (slots_lock), as every booking flow does. Only the booking row itself: locking its
store row too (a FOR UPDATE over the join) would block every booking and slot made at that
store meanwhile (their foreign-key checks take a share lock on it) while they hold slot locks
this flow waits for: a deadlock.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership import booking_rules as rules
from membership.models import (
    AppointmentStaff,
    Booking,
    Member,
    ServiceCategory,
    Slot,
    SlotKind,
    Store,
    User,
)
from membership.services.bookings import (
    NOTE_MAX,
    _changeable,
    _local,
    _own,
    _priority,
    _when,
    bookable_time,
    slot_ensure,
    slot_release,
    slot_take,
    slots_lock,
)

KIND = SlotKind.APPOINTMENT


def appointments_offered(store: Store) -> None:
    """Refuse a store that takes no appointments (or is closed for good)."""
    if not store.is_active or not store.offers_appointments:
        raise ValidationError(
            _("%(store)s does not take appointments.") % {"store": store.name},
            code="not_offered",
        )


def appointment_staff_bookable(*, store: Store) -> list[AppointmentStaff]:
    """The store's staff members members can book now, in the store's order: listed for
    appointments, switched on, an active login that still works at this store."""
    return list(
        AppointmentStaff.objects.select_related("user")
        .filter(
            store=store,
            takes_appointments=True,
            user__is_active=True,
            user__store=store,
        )
        .order_by("sort_order", "pk")
    )


def _service(*, store: Store, service: ServiceCategory | None) -> ServiceCategory:
    if service is None:
        raise ValidationError(_("Choose a service."), code="service")
    if not store.appointment_services.filter(pk=service.pk).exists():
        raise ValidationError(
            _(
                "%(store)s does not take appointments for %(service)s. Choose a service from the list."
            )
            % {"store": store.name, "service": service.display_name},
            code="service",
        )
    return service


def _candidates(*, store: Store, staff: User | None) -> list[AppointmentStaff]:
    """Who may be booked: the one asked for, or every bookable staff member in order."""
    bookable = appointment_staff_bookable(store=store)
    if staff is None:
        if not bookable:
            raise ValidationError(
                _(
                    "Nobody at %(store)s takes appointments online at the moment. Please call the store."
                )
                % {"store": store.name},
                code="no_staff",
            )
        return bookable
    chosen = [s for s in bookable if s.user_id == staff.pk]
    if not chosen:
        raise ValidationError(
            _("That staff member does not take appointments at %(store)s. Choose from the list.")
            % {"store": store.name},
            code="staff",
        )
    return chosen


def _take(
    *,
    candidates: list[AppointmentStaff],
    slots: dict[int, Slot],
    requested: bool,
    priority: bool,
    now: datetime,
) -> Slot:
    """Take a place in the first candidate's locked slot that has one for this member.

    `slots` are the candidates' slot rows by user id, already locked. With none free, the
    refusal says why: held back for priority tiers (when some place is), else full."""
    for person in candidates:
        slot = slots[person.user_id]
        state = rules.SlotState(slot.capacity, slot.held_back, slot.booked, slot.release_at)
        if rules.take_refusal(state, now=now, priority=priority) is None:
            slot_take(slot=slot, priority=priority, now=now)
            return slot
    held = [
        slots[p.user_id] for p in candidates if slots[p.user_id].booked < slots[p.user_id].capacity
    ]
    if held:
        # slot_take words the refusal: "kept for priority members until <release>".
        slot_take(slot=min(held, key=lambda s: (s.release_at, s.pk)), priority=priority, now=now)
    first = slots[candidates[0].user_id]
    if requested:
        raise ValidationError(
            _("%(name)s is fully booked at %(when)s. Choose another time or anyone free.")
            % {"name": candidates[0].name, "when": _when(first.start)},
            code="full",
        )
    slot_take(slot=first, priority=priority, now=now)  # raises: the slot is full
    raise AssertionError("unreachable: a full slot was taken")


def _slots_for(
    *, store: Store, start: datetime, candidates: list[AppointmentStaff], also: list[int]
) -> dict[int, Slot]:
    """The candidates' slot rows at `start` (made from the template when new), locked with
    the `also` rows in one id-ordered lock, by user id."""
    rows = {
        p.user_id: slot_ensure(store=store, kind=KIND, start=start, staff=p.user)
        for p in candidates
    }
    locked = slots_lock([s.pk for s in rows.values()] + also)
    return {user_id: locked[slot.pk] for user_id, slot in rows.items()}


def _member_lock(member: Member) -> None:
    """The member's row, first (the order every flow locks in): one person's appointments are
    made and moved one at a time, so two at the same time with different staff cannot both
    pass the overlap check."""
    Member.objects.select_for_update(no_key=True).filter(pk=member.pk).values_list("pk").first()


def _overlap_refusal(*, member: Member, slot: Slot, besides: int | None = None) -> None:
    """One person, one chair: refuse an appointment overlapping another open one."""
    clash = (
        Booking.objects.filter(
            member=member,
            kind=Booking.Kind.APPOINTMENT,
            status__in=Booking.OPEN_STATUSES,
            slot_start__lt=slot.end,
            slot_end__gt=slot.start,
        )
        .exclude(pk=besides)
        .order_by("slot_start")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _("You already have a booking at %(when)s.") % {"when": _when(clash.slot_start)},
            code="duplicate",
        )


@transaction.atomic
def appointment_create(
    *,
    member: Member,
    store: Store,
    service: ServiceCategory | None,
    start: datetime,
    staff: User | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Booking:
    """Book the member an appointment at the store for a service, with `staff` (a staff
    member who takes appointments there) or, without one, with the first one free.

    Refused with a message, writing nothing: a store without appointments, a service it does
    not book, someone who does not take appointments there, a time that has passed, is past
    the cut-off, too far ahead or on a closed day, a full slot, a place held back for priority
    tiers, or an appointment overlapping another of the member's."""
    now = now or timezone.now()
    appointments_offered(store)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX}, code="note"
        )
    service = _service(store=store, service=service)
    candidates = _candidates(store=store, staff=staff)
    priority, _window = _priority(member)  # the pickup response window is for pickups only
    bookable_time(store=store, start=start, now=now, response_hours=None)
    _member_lock(member)
    slots = _slots_for(store=store, start=start, candidates=candidates, also=[])
    _overlap_refusal(member=member, slot=next(iter(slots.values())))
    slot = _take(
        candidates=candidates,
        slots=slots,
        requested=staff is not None,
        priority=priority,
        now=now,
    )
    return Booking.objects.create(
        member=member,
        store=store,
        kind=Booking.Kind.APPOINTMENT,
        slot=slot,
        slot_start=slot.start,
        slot_end=slot.end,
        service=service,
        staff_requested=staff is not None,
        address="",
        note=note,
        created_at=now,
    )


def _lock(booking: Booking) -> Booking:
    """The booking row, locked (not its store's or slot's: see the module's note)."""
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("store", "slot")
        .get(pk=booking.pk)
    )


@transaction.atomic
def appointment_cancel(*, member: Member, booking: Booking, now: datetime | None = None) -> Booking:
    """Cancel the member's appointment before the store's change cut-off, giving the staff
    member's place back."""
    now = now or timezone.now()
    _own(member=member, booking=booking)
    locked = _lock(booking)
    if locked.kind != Booking.Kind.APPOINTMENT:
        raise ValidationError(_("This booking is not an appointment."), code="kind")
    _changeable(booking=locked, now=now, action="cancel")
    if locked.slot_id:
        slot_release(slot_id=locked.slot_id)
    locked.status = Booking.Status.CANCELLED
    locked.cancelled_at = now
    locked.cancelled_by = member.user
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    return locked


@transaction.atomic
def appointment_reschedule(
    *,
    member: Member,
    booking: Booking,
    start: datetime,
    staff: User | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move the member's appointment to another time and/or staff member (None: anyone free)
    at the same store, before the store's change cut-off. The old place is given back only
    when the new one is taken."""
    now = now or timezone.now()
    _own(member=member, booking=booking)
    _member_lock(member)
    locked = _lock(booking)
    if locked.kind != Booking.Kind.APPOINTMENT:
        raise ValidationError(_("This booking is not an appointment."), code="kind")
    _changeable(booking=locked, now=now, action="move")
    _local(start)
    store = locked.store
    appointments_offered(store)
    current = locked.slot.staff_id if locked.slot_id else None
    if start == locked.slot_start and (staff is None or staff.pk == current):
        raise ValidationError(_("That is already the time of this booking."), code="same")
    candidates = _candidates(store=store, staff=staff)
    priority, _window = _priority(member)
    bookable_time(store=store, start=start, now=now, response_hours=None)
    slots = _slots_for(
        store=store,
        start=start,
        candidates=candidates,
        also=[locked.slot_id] if locked.slot_id else [],
    )
    _overlap_refusal(member=member, slot=next(iter(slots.values())), besides=locked.pk)
    new = _take(
        candidates=candidates,
        slots=slots,
        requested=staff is not None,
        priority=priority,
        now=now,
    )
    if locked.slot_id:
        slot_release(slot_id=locked.slot_id)
    locked.slot = new
    locked.slot_start = new.start
    locked.slot_end = new.end
    locked.staff_requested = staff is not None
    locked.save(update_fields=["slot", "slot_start", "slot_end", "staff_requested"])
    return locked
