"""Booking pickups and deliveries into a store's slots; cancelling and moving them.

Every function is atomic and refuses bad input with a ValidationError carrying a message for
the member, writing nothing. The decisions (distance, held-back places, cut-offs, response
window) come from membership.booking_rules; this module reads and writes the rows.

Capacity: a `Slot` row per (store, kind, start[, staff]) is made on first use. A booking locks
the slot rows it touches (SELECT ... FOR UPDATE, always in id order so two flows can never
deadlock), then takes a place with a conditional UPDATE (`booked < limit`); the database's
CHECK booked <= capacity is the last guard. Bookings touch no ledger, so nothing here takes
the member or ledger locks of loyalty.lock_objects. Cancelling and moving lock the booking
rows first (in id order), then the slots.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from membership import booking_rules as rules
from membership.models import (
    Booking,
    Member,
    ServiceZone,
    Slot,
    SlotKind,
    SlotTemplate,
    Store,
    StoreClosedDate,
    User,
)

SERIES_LENGTH = 8  # a recurring booking is made for this many occurrences
ADDRESS_MAX = 255
NOTE_MAX = 500
RECURRENCE_WEEKS = (0, 1, 2, 4)


@dataclass
class BookingOutcome:
    """What booking_create made: the bookings asked for (the first is the one chosen; later
    ones are the series' occurrences), and the occurrences it had to skip, with why."""

    bookings: list[Booking] = field(default_factory=list)
    skipped: list[tuple[datetime, str]] = field(default_factory=list)


# --- small helpers ---------------------------------------------------------------------------


def shop_tz():
    return timezone.get_default_timezone()


def duration_text(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment, shop_tz()), "SHORT_DATETIME_FORMAT")


def _kind_label(kind: str) -> str:
    return str(SlotKind(kind).label).lower()


def store_areas(store: Store, zones: list[ServiceZone]) -> list[rules.Circle]:
    """The circles a store serves: its own radius (when it has a location) and its zones."""
    areas = []
    if store.latitude is not None and store.longitude is not None and store.service_radius_km:
        areas.append(
            rules.Circle(
                float(store.latitude), float(store.longitude), float(store.service_radius_km)
            )
        )
    areas += [
        rules.Circle(float(z.latitude), float(z.longitude), float(z.radius_km), z.display_name)
        for z in zones
    ]
    return areas


def _coordinates(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise ValidationError(
            _("Enter both latitude and longitude, or use “Use my location”."), code="coordinates"
        )
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lng = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Those coordinates are not numbers."), code="coordinates") from None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError(
            _("Latitude must be between -90 and 90, longitude between -180 and 180."),
            code="coordinates",
        )
    return lat, lng


def area_refusal(*, store: Store, latitude, longitude) -> None:
    """Refuse an address outside the store's service area, saying how far outside it is."""
    areas = store_areas(store, list(store.service_zones.all()))
    if not areas:
        return
    if latitude is None:
        raise ValidationError(
            _(
                "We need the address's location to check it is in our service area: tap “Use "
                "my location” or enter the coordinates."
            ),
            code="no_location",
        )
    verdict = rules.area_check(float(latitude), float(longitude), areas)
    if verdict.inside:
        return
    outside = formats.number_format(round(verdict.outside_km, 1), 1)
    area = verdict.nearest
    if area.name:
        message = _("This address is %(km)s km outside the service zone %(zone)s.") % {
            "km": outside,
            "zone": area.name,
        }
    else:
        message = _("This address is %(km)s km outside the %(radius)s km service area.") % {
            "km": outside,
            "radius": f"{area.radius_km:g}",
        }
    raise ValidationError(message, code="out_of_area")


def _kind_offered(store: Store, kind: str) -> None:
    offered = {
        Booking.Kind.PICKUP: store.offers_pickup,
        Booking.Kind.DELIVERY: store.offers_delivery,
    }.get(kind)
    if offered is None:
        raise ValidationError(_("Choose pickup or delivery."), code="kind")
    if not store.is_active or not offered:
        message = {
            Booking.Kind.PICKUP: _("%(store)s does not offer pickups."),
            Booking.Kind.DELIVERY: _("%(store)s does not offer deliveries."),
        }[kind]
        raise ValidationError(message % {"store": store.name}, code="not_offered")


def _local(start: datetime) -> datetime:
    if timezone.is_naive(start):
        raise ValidationError(_("Choose a slot from the list."), code="slot")
    return timezone.localtime(start, shop_tz())


def _template_for(*, store: Store, kind: str, start: datetime) -> SlotTemplate:
    local = _local(start)
    template = SlotTemplate.objects.filter(
        store=store, weekday=local.weekday(), start_time=local.time()
    ).first()
    if template is None or local.second or local.microsecond or template.capacity_for(kind) <= 0:
        raise ValidationError(
            _("%(store)s has no %(kind)s slot at %(when)s. Choose a slot from the list.")
            % {"store": store.name, "kind": _kind_label(kind), "when": _when(start)},
            code="no_slot",
        )
    return template


def slot_values(*, template: SlotTemplate, kind: str, start: datetime) -> dict:
    """A slot's end, capacity, held-back places and release time, from its template."""
    capacity = template.capacity_for(kind)
    local = timezone.localtime(start, shop_tz())
    end = (local + timedelta(minutes=template.length_minutes)).astimezone(start.tzinfo)
    return {
        "template": template,
        "end": end,
        "capacity": capacity,
        "held_back": rules.held_back_places(capacity, template.held_back_percent),
        "release_at": start - timedelta(minutes=template.release_minutes),
    }


def _closed_refusal(*, store: Store, start: datetime) -> None:
    day = _local(start).date()
    closed = StoreClosedDate.objects.filter(store=store, date=day).first()
    if closed is not None:
        message = _("%(store)s is closed on %(date)s. Choose another day.") % {
            "store": store.name,
            "date": formats.date_format(day, "DATE_FORMAT"),
        }
        if closed.reason:
            message = f"{message} ({closed.reason})"
        raise ValidationError(message, code="closed")


def _time_refusal(
    *, store: Store, start: datetime, now: datetime, response_hours: int | None
) -> None:
    refusal = rules.booking_time_refusal(
        start,
        now=now,
        cutoff_minutes=store.booking_cutoff_minutes,
        days_ahead=store.booking_days_ahead,
        response_hours=response_hours,
    )
    if refusal is rules.TimeRefusal.PAST:
        raise ValidationError(
            _("The slot at %(when)s has already started. Choose a later one.")
            % {"when": _when(start)},
            code="past",
        )
    if refusal is rules.TimeRefusal.TOO_FAR:
        raise ValidationError(
            ngettext(
                "Slots can be booked up to %(count)d day ahead.",
                "Slots can be booked up to %(count)d days ahead.",
                store.booking_days_ahead,
            )
            % {"count": store.booking_days_ahead},
            code="too_far",
        )
    if refusal is rules.TimeRefusal.CUTOFF:
        raise ValidationError(
            _("Too late to book the slot at %(when)s: book at least %(cutoff)s before it starts.")
            % {"when": _when(start), "cutoff": duration_text(store.booking_cutoff_minutes)},
            code="cutoff",
        )


def bookable_time(
    *, store: Store, start: datetime, now: datetime, response_hours: int | None
) -> None:
    """Refuse a start that has passed, falls on a closed day, is too far ahead or past the
    booking cut-off (a pickup inside the tier's response window passes the cut-off)."""
    if _local(start) <= now:
        _time_refusal(store=store, start=start, now=now, response_hours=response_hours)
    _closed_refusal(store=store, start=start)
    _time_refusal(store=store, start=start, now=now, response_hours=response_hours)


def slot_ensure(*, store: Store, kind: str, start: datetime, staff: User | None = None) -> Slot:
    """The slot row for (store, kind, start[, staff]), made from the store's template when it
    does not exist yet (two requests making it at once: one makes it, both get it).

    Refuses a time the store's template has no place of that kind at. Takes no lock."""
    template = _template_for(store=store, kind=kind, start=start)
    lookup = {"store": store, "kind": kind, "start": start, "staff": staff}
    slot = Slot.objects.filter(**lookup).first()
    if slot is None:
        try:
            with transaction.atomic():
                slot = Slot.objects.create(
                    **lookup, **slot_values(template=template, kind=kind, start=start)
                )
        except IntegrityError:  # made by a concurrent booking since the read above
            slot = Slot.objects.get(**lookup)
    return slot


def slots_lock(slot_ids: list[int]) -> dict[int, Slot]:
    """Lock slot rows in id order (the one order every flow uses) and return them by id.

    A slot nobody holds a place in follows its template's current capacity and hold-back."""
    locked = {s.pk: s for s in Slot.objects.select_for_update().filter(pk__in=set(slot_ids))}
    for slot in locked.values():
        if slot.booked == 0 and slot.template_id is not None:
            values = slot_values(template=slot.template, kind=slot.kind, start=slot.start)
            changed = [k for k, v in values.items() if k != "template" and getattr(slot, k) != v]
            if changed and values["capacity"] > 0:
                for key in changed:
                    setattr(slot, key, values[key])
                slot.save(update_fields=changed)
    return locked


def slot_take(*, slot: Slot, priority: bool, now: datetime) -> None:
    """Take one place in a slot locked by slots_lock, or refuse (full, held back)."""
    state = rules.SlotState(slot.capacity, slot.held_back, slot.booked, slot.release_at)
    refusal = rules.take_refusal(state, now=now, priority=priority)
    if refusal is None:
        limit = rules.booking_limit(state, now=now, priority=priority)
        taken = Slot.objects.filter(pk=slot.pk, booked__lt=limit).update(booked=F("booked") + 1)
        if taken:
            slot.booked += 1
            return
        refusal = rules.TakeRefusal.FULL
    if refusal is rules.TakeRefusal.FULL:
        raise ValidationError(
            _("The slot at %(when)s is full. Choose another time.") % {"when": _when(slot.start)},
            code="full",
        )
    raise ValidationError(
        _(
            "The last places at %(when)s are kept for priority members until %(release)s. "
            "Choose another time."
        )
        % {"when": _when(slot.start), "release": _when(slot.release_at)},
        code="held_back",
    )


def slot_release(*, slot_id: int) -> None:
    """Give back one place (a cancelled or moved booking)."""
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _priority(member: Member) -> tuple[bool, int | None]:
    """(may take held-back places, pickup response window in hours) for the member's tier."""
    tier = member.tier
    if tier is None:
        return False, None
    return tier.priority_booking, tier.pickup_response_hours


# --- booking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Visit:
    kind: str
    start: datetime


def _book_visits(
    *,
    member: Member,
    store: Store,
    visits: list[_Visit],
    now: datetime,
    priority: bool,
    response_hours: int | None,
) -> list[tuple[_Visit, Slot]]:
    """Check the visits' times and take a place in each slot, or refuse them all."""
    for visit in visits:
        window = response_hours if visit.kind == Booking.Kind.PICKUP else None
        bookable_time(store=store, start=visit.start, now=now, response_hours=window)
    slots = [slot_ensure(store=store, kind=v.kind, start=v.start) for v in visits]
    locked = slots_lock([s.pk for s in slots])
    taken = []
    for visit, slot in zip(visits, slots, strict=True):
        slot = locked[slot.pk]
        if Booking.objects.filter(
            member=member, slot=slot, status__in=Booking.OPEN_STATUSES
        ).exists():
            raise ValidationError(
                _("You already have a booking at %(when)s.") % {"when": _when(slot.start)},
                code="duplicate",
            )
        slot_take(slot=slot, priority=priority, now=now)
        taken.append((visit, slot))
    return taken


def _respond_by(*, kind: str, start: datetime, now: datetime, hours: int | None):
    if kind == Booking.Kind.PICKUP and rules.in_response_window(
        start, now=now, response_hours=hours
    ):
        return now + timedelta(hours=hours)
    return None


def _shift_weeks(start: datetime, weeks: int) -> datetime:
    """The same local time `weeks` weeks later (wall-clock, across any DST change)."""
    local = timezone.localtime(start, shop_tz())
    moved = (local.replace(tzinfo=None) + timedelta(weeks=weeks)).replace(tzinfo=shop_tz())
    return moved.astimezone(start.tzinfo)


@transaction.atomic
def booking_create(
    *,
    member: Member,
    store: Store,
    kind: str,
    start: datetime,
    address: str,
    latitude: Decimal | str | None = None,
    longitude: Decimal | str | None = None,
    return_start: datetime | None = None,
    is_express: bool = False,
    note: str = "",
    recurrence_weeks: int = 0,
    now: datetime | None = None,
) -> BookingOutcome:
    """Book a pickup (optionally with its return delivery) or a delivery for the member.

    With recurrence_weeks 1, 2 or 4 the same visit is booked for SERIES_LENGTH occurrences;
    an occurrence that cannot be booked (closed, full, held back) is skipped and reported,
    the first one must succeed.
    """
    now = now or timezone.now()
    _kind_offered(store, kind)
    address = (address or "").strip()
    note = (note or "").strip()
    if not address:
        raise ValidationError(_("Enter the address we should come to."), code="address")
    if len(address) > ADDRESS_MAX:
        raise ValidationError(
            _("Keep the address under %(max)d characters.") % {"max": ADDRESS_MAX}, code="address"
        )
    if len(note) > NOTE_MAX:
        raise ValidationError(
            _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX}, code="note"
        )
    if recurrence_weeks not in RECURRENCE_WEEKS:
        raise ValidationError(_("Choose how often the pickup repeats."), code="recurrence")
    if is_express and not store.express_offered:
        raise ValidationError(
            _("%(store)s does not offer express.") % {"store": store.name}, code="express"
        )
    if return_start is not None:
        if kind != Booking.Kind.PICKUP:
            raise ValidationError(_("Only a pickup has a return delivery."), code="return")
        _kind_offered(store, Booking.Kind.DELIVERY)
    latitude, longitude = _coordinates(latitude, longitude)
    area_refusal(store=store, latitude=latitude, longitude=longitude)
    priority, response_hours = _priority(member)
    bookable_time(
        store=store,
        start=start,
        now=now,
        response_hours=response_hours if kind == Booking.Kind.PICKUP else None,
    )
    if return_start is not None:
        _local(return_start)
        pickup_end = slot_values(
            template=_template_for(store=store, kind=kind, start=start), kind=kind, start=start
        )["end"]
        if return_start < pickup_end:
            raise ValidationError(
                _("The return delivery must come after the pickup ends (%(end)s).")
                % {"end": _when(pickup_end)},
                code="return_before_pickup",
            )
    series = uuid.uuid4() if recurrence_weeks else None
    surcharge = store.express_surcharge if is_express else Decimal("0")

    def book(occurrence_start: datetime, occurrence_return: datetime | None) -> Booking:
        visits = [_Visit(kind, occurrence_start)]
        if occurrence_return is not None:
            visits.append(_Visit(Booking.Kind.DELIVERY, occurrence_return))
        taken = _book_visits(
            member=member,
            store=store,
            visits=visits,
            now=now,
            priority=priority,
            response_hours=response_hours,
        )
        made = []
        for visit, slot in taken:
            made.append(
                Booking.objects.create(
                    member=member,
                    store=store,
                    kind=visit.kind,
                    slot=slot,
                    slot_start=slot.start,
                    slot_end=slot.end,
                    return_for=made[0] if made else None,
                    address=address,
                    latitude=latitude,
                    longitude=longitude,
                    note=note,
                    is_express=is_express,
                    express_surcharge=surcharge if not made else Decimal("0"),
                    respond_by=_respond_by(
                        kind=visit.kind, start=slot.start, now=now, hours=response_hours
                    ),
                    recurrence_weeks=recurrence_weeks,
                    series=series,
                    created_at=now,
                )
            )
        return made[0]

    outcome = BookingOutcome(bookings=[book(start, return_start)])
    for n in range(1, SERIES_LENGTH if recurrence_weeks else 1):
        weeks = n * recurrence_weeks
        later = _shift_weeks(start, weeks)
        later_return = _shift_weeks(return_start, weeks) if return_start else None
        try:
            with transaction.atomic():
                outcome.bookings.append(book(later, later_return))
        except ValidationError as error:
            outcome.skipped.append((later, " ".join(error.messages)))
    return outcome


# --- cancelling and moving -------------------------------------------------------------------


def _own(*, member: Member, booking: Booking) -> None:
    if booking.member_id != member.pk:
        raise ValidationError(_("This booking is not yours."), code="not_yours")


def _changeable(*, booking: Booking, now: datetime, action: str) -> None:
    if booking.status not in Booking.CHANGEABLE_STATUSES:
        raise ValidationError(
            _("This booking is %(status)s and can no longer be changed.")
            % {"status": booking.get_status_display().lower()},
            code="not_changeable",
        )
    if not rules.change_allowed(
        booking.slot_start, now=now, change_cutoff_minutes=booking.store.change_cutoff_minutes
    ):
        message = {
            "cancel": _(
                "Too late to cancel online: bookings can be changed until %(cutoff)s before "
                "the slot. Please call the store."
            ),
            "move": _(
                "Too late to reschedule online: bookings can be changed until %(cutoff)s "
                "before the slot. Please call the store."
            ),
        }[action]
        raise ValidationError(
            message % {"cutoff": duration_text(booking.store.change_cutoff_minutes)}, code="cutoff"
        )


def _bookings_lock(ids: set[int]) -> dict[int, Booking]:
    return {
        b.pk: b
        # of=self: locking the joined store row too would deadlock a cancel or move against
        # bookings being made at the same store.
        for b in Booking.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(pk__in=ids)
        .order_by("pk")
    }


@transaction.atomic
def booking_cancel(
    *, member: Member, booking: Booking, whole_series: bool = False, now: datetime | None = None
) -> list[Booking]:
    """Cancel the member's booking before the store's cut-off, with its return delivery;
    with whole_series, also the later open occurrences of its series. Returns those cancelled."""
    now = now or timezone.now()
    _own(member=member, booking=booking)
    ids = {booking.pk}
    if whole_series and booking.series:
        ids |= set(
            Booking.objects.filter(
                member=member, series=booking.series, slot_start__gt=booking.slot_start
            ).values_list("pk", flat=True)
        )
    ids |= set(Booking.objects.filter(return_for_id__in=ids).values_list("pk", flat=True))
    locked = _bookings_lock(ids)
    main = locked[booking.pk]
    if main.member_id != member.pk:
        raise ValidationError(_("This booking is not yours."), code="not_yours")
    _changeable(booking=main, now=now, action="cancel")
    cancelled = [
        b
        for b in locked.values()
        if b.member_id == member.pk
        and b.status in Booking.CHANGEABLE_STATUSES
        and rules.change_allowed(
            b.slot_start, now=now, change_cutoff_minutes=b.store.change_cutoff_minutes
        )
    ]
    for slot_id in sorted(b.slot_id for b in cancelled if b.slot_id):
        slot_release(slot_id=slot_id)
    for b in cancelled:
        b.status = Booking.Status.CANCELLED
        b.cancelled_at = now
        b.cancelled_by = member.user
        b.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    return sorted(cancelled, key=lambda b: (b.slot_start, b.pk))


@transaction.atomic
def booking_reschedule(
    *, member: Member, booking: Booking, start: datetime, now: datetime | None = None
) -> Booking:
    """Move the member's booking to another slot of the same store and kind, before the
    cut-off; its place in the old slot is given back only when the new one is taken."""
    now = now or timezone.now()
    _own(member=member, booking=booking)
    locked = _bookings_lock({booking.pk})[booking.pk]
    _changeable(booking=locked, now=now, action="move")
    _local(start)
    if start == locked.slot_start:
        raise ValidationError(_("That is already the time of this booking."), code="same")
    store = locked.store
    _kind_offered(store, locked.kind)
    priority, response_hours = _priority(member)
    window = response_hours if locked.kind == Booking.Kind.PICKUP else None
    bookable_time(store=store, start=start, now=now, response_hours=window)
    new = slot_ensure(store=store, kind=locked.kind, start=start)
    # The pickup and its return delivery stay in order.
    partner = (
        Booking.objects.filter(return_for=locked, status__in=Booking.OPEN_STATUSES).first()
        if locked.kind == Booking.Kind.PICKUP
        else locked.return_for
    )
    if partner is not None and partner.status in Booking.OPEN_STATUSES:
        if locked.kind == Booking.Kind.PICKUP and new.end > partner.slot_start:
            raise ValidationError(
                _(
                    "Your return delivery is at %(when)s: the pickup must end before it. "
                    "Move the delivery first."
                )
                % {"when": _when(partner.slot_start)},
                code="return_before_pickup",
            )
        if locked.kind == Booking.Kind.DELIVERY and start < partner.slot_end:
            raise ValidationError(
                _("The return delivery must come after the pickup ends (%(end)s).")
                % {"end": _when(partner.slot_end)},
                code="return_before_pickup",
            )
    slots = slots_lock([new.pk] + ([locked.slot_id] if locked.slot_id else []))
    new = slots[new.pk]
    if Booking.objects.filter(member=member, slot=new, status__in=Booking.OPEN_STATUSES).exists():
        raise ValidationError(
            _("You already have a booking at %(when)s.") % {"when": _when(new.start)},
            code="duplicate",
        )
    slot_take(slot=new, priority=priority, now=now)
    if locked.slot_id:
        slot_release(slot_id=locked.slot_id)
    locked.slot = new
    locked.slot_start = new.start
    locked.slot_end = new.end
    locked.respond_by = _respond_by(kind=locked.kind, start=new.start, now=now, hours=window)
    locked.save(update_fields=["slot", "slot_start", "slot_end", "respond_by"])
    return locked


def parse_slot_value(value: str) -> datetime | None:
    """A slot picked in a form ("2026-11-25T09:00", shop time) as an aware datetime."""
    value = (value or "").strip()
    if len(value) != 16 or not value.isascii():
        return None
    try:
        naive = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    if naive.year < 2000:
        return None
    return naive.replace(tzinfo=shop_tz())


def slot_value(start: datetime) -> str:
    return timezone.localtime(start, shop_tz()).strftime("%Y-%m-%dT%H:%M")


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, shop_tz()).date()
