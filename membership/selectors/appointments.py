"""Reading in-store appointments and the times a member can book, by staff member or for
anyone free. Each read costs a fixed number of queries, however many bookings there are."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Case, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from membership import booking_rules as rules
from membership.models import (
    AppointmentStaff,
    Booking,
    Member,
    ServiceCategory,
    SlotKind,
    Store,
)
from membership.selectors.bookings import open_times, slot_state, slots_ahead
from membership.services.appointments import appointment_staff_bookable
from membership.services.bookings import slot_value

KIND = SlotKind.APPOINTMENT


def stores_for_appointments() -> list[Store]:
    return list(
        Store.objects.filter(is_active=True, offers_appointments=True).order_by("name", "pk")
    )


def appointment_services(*, store: Store) -> list[ServiceCategory]:
    return list(store.appointment_services.order_by("sort_order", "pk"))


def appointment_staff(*, store: Store) -> list[AppointmentStaff]:
    """Who members can book at the store, in the store's order (one query)."""
    return appointment_staff_bookable(store=store)


def with_staff_names(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Bookings with the service, the store and the name of the staff member of the slot."""
    listing = AppointmentStaff.objects.filter(store=OuterRef("store"), user=OuterRef("slot__staff"))
    return bookings.select_related("store", "service", "slot").annotate(
        staff_name=Subquery(listing.values("name")[:1]),
        staff_title_zh=Subquery(listing.values("title_zh")[:1]),
        staff_title_en=Subquery(listing.values("title_en")[:1]),
    )


def appointments_for_member(*, member: Member, now: datetime | None = None) -> QuerySet[Booking]:
    """The member's appointments: the upcoming ones first (soonest first), then the rest
    (latest first). Paginate it."""
    now = now or timezone.now()
    upcoming = Q(status__in=Booking.OPEN_STATUSES, slot_end__gte=now)
    return with_staff_names(
        Booking.objects.filter(member=member, kind=Booking.Kind.APPOINTMENT)
    ).order_by(
        Case(When(upcoming, then=Value(0)), default=Value(1), output_field=IntegerField()),
        Case(When(upcoming, then=F("slot_start"))).asc(nulls_last=True),
        F("slot_start").desc(),
        "-id",
    )


def appointment_for_member(*, member: Member, pk: int) -> Booking | None:
    """One of the member's own appointments (another member's, or a pickup, is None)."""
    return (
        with_staff_names(
            Booking.objects.filter(member=member, kind=Booking.Kind.APPOINTMENT, pk=pk)
        )
        .select_related("member__tier")
        .first()
    )


# --- the times a member can book ---------------------------------------------------------------


@dataclass(frozen=True)
class StaffPlaces:
    """One staff member's places at a time, for this member."""

    staff: AppointmentStaff
    places_left: int
    refusal: str  # "" when bookable, else rules.TakeRefusal ("full", "held_back")
    release_at: datetime

    @property
    def bookable(self) -> bool:
        return not self.refusal


@dataclass(frozen=True)
class AppointmentOption:
    start: datetime
    end: datetime
    value: str  # what the form posts
    staff: list[StaffPlaces] = field(default_factory=list)

    @property
    def places_left(self) -> int:
        return sum(s.places_left for s in self.staff)

    @property
    def bookable(self) -> bool:
        return any(s.bookable for s in self.staff)

    @property
    def refusal(self) -> str:
        """Why nobody can be booked: "held_back" when some place is kept for priority tiers
        (it opens at release_at), else "full"; "" when someone can be."""
        if self.bookable:
            return ""
        if any(s.refusal == rules.TakeRefusal.HELD_BACK for s in self.staff):
            return str(rules.TakeRefusal.HELD_BACK)
        return str(rules.TakeRefusal.FULL)

    @property
    def release_at(self) -> datetime | None:
        held = [s.release_at for s in self.staff if s.refusal == rules.TakeRefusal.HELD_BACK]
        return min(held) if held else None

    def only(self, user_id: int) -> "AppointmentOption":
        """The same time with one staff member's places only."""
        return AppointmentOption(
            start=self.start,
            end=self.end,
            value=self.value,
            staff=[s for s in self.staff if s.staff.user_id == user_id],
        )


@dataclass(frozen=True)
class AppointmentDay:
    day: date
    options: list[AppointmentOption]

    @property
    def has_places(self) -> bool:
        return any(o.bookable for o in self.options)

    @property
    def bookable_count(self) -> int:
        return sum(1 for o in self.options if o.bookable)

    @property
    def values(self) -> list[str]:
        return [o.value for o in self.options]


def appointment_days(
    *,
    store: Store,
    member: Member,
    staff: list[AppointmentStaff],
    only: int | None = None,
    now: datetime | None = None,
) -> list[AppointmentDay]:
    """The appointment times the member could book at a store, by day, with each staff
    member's places left for them (held-back places count only for tiers with priority
    booking); with `only` (a user id), that staff member's places alone. Times past the
    booking cut-off and closed days are left out. Three queries."""
    now = now or timezone.now()
    tier = member.tier
    priority = bool(tier and tier.priority_booking)
    if not staff:
        return []
    slots = slots_ahead(store=store, kind=KIND, now=now).filter(
        staff_id__in=[person.user_id for person in staff]
    )
    existing = {(s.start, s.staff_id): s for s in slots}
    days: list[AppointmentDay] = []
    for day, times in open_times(store=store, kind=KIND, now=now):
        options = []
        for start, values in times:
            places = []
            for person in staff:
                state = slot_state(existing.get((start, person.user_id)), values)
                refusal = rules.take_refusal(state, now=now, priority=priority)
                places.append(
                    StaffPlaces(
                        staff=person,
                        places_left=rules.places_left(state, now=now, priority=priority),
                        refusal=str(refusal or ""),
                        release_at=state.release_at,
                    )
                )
            option = AppointmentOption(
                start=start, end=values["end"], value=slot_value(start), staff=places
            )
            options.append(option.only(only) if only is not None else option)
        days.append(AppointmentDay(day=day, options=options))
    return days
