"""Reading bookings and the slots a member can book; each costs a fixed number of queries."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from membership import booking_rules as rules
from membership.models import Booking, Member, Slot, SlotKind, Store
from membership.models.stores import VISITS_OFFERED_CACHE_KEY
from membership.services.bookings import shop_tz, slot_value, slot_values


@dataclass(frozen=True)
class VisitsOffered:
    pickup: bool = False  # pickup or delivery at the member's address
    appointments: bool = False


CACHE_SECONDS = 300  # a bound on staleness when the cache is per process (development)


def visits_offered() -> VisitsOffered:
    """Whether any active store takes pickups (or deliveries) and appointments: from the
    cache, one query when it was forgotten."""
    offered = cache.get(VISITS_OFFERED_CACHE_KEY)
    if offered is None:
        row = Store.objects.filter(is_active=True).aggregate(
            pickup=Count("pk", filter=Q(offers_pickup=True) | Q(offers_delivery=True)),
            appointments=Count("pk", filter=Q(offers_appointments=True)),
        )
        offered = VisitsOffered(pickup=bool(row["pickup"]), appointments=bool(row["appointments"]))
        cache.set(VISITS_OFFERED_CACHE_KEY, offered, CACHE_SECONDS)
    return offered


def booking_next_for_member(*, member: Member) -> Booking | None:
    return (
        Booking.objects.select_related("store")
        .filter(member=member, status__in=Booking.OPEN_STATUSES, slot_end__gte=timezone.now())
        .order_by("slot_start")
        .first()
    )


def bookings_for_member(*, member: Member, now: datetime | None = None) -> QuerySet[Booking]:
    """The member's bookings: the upcoming ones first (soonest first), then the rest (latest
    first). Return deliveries are listed with their pickup, not on their own; in-store
    appointments have their own page."""
    now = now or timezone.now()
    upcoming = Q(status__in=Booking.OPEN_STATUSES, slot_end__gte=now)
    return (
        Booking.objects.filter(member=member, return_for__isnull=True)
        .exclude(kind=Booking.Kind.APPOINTMENT)  # listed on the appointments page
        .select_related("store", "return_delivery")
        .annotate(
            later=Case(When(upcoming, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by(
            "later",
            Case(When(upcoming, then=F("slot_start"))).asc(nulls_last=True),
            F("slot_start").desc(),
            "-id",
        )
    )


def booking_for_member(*, member: Member, pk: int) -> Booking | None:
    """One of the member's own bookings (another member's is None)."""
    return (
        Booking.objects.select_related("store", "return_delivery", "return_for", "member__tier")
        .filter(member=member, pk=pk)
        .first()
    )


def stores_for_booking() -> list[Store]:
    return list(
        Store.objects.filter(is_active=True)
        .filter(Q(offers_pickup=True) | Q(offers_delivery=True))
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class SlotOption:
    start: datetime
    end: datetime
    value: str  # what the form posts
    places_left: int  # for this member
    refusal: str  # "" when bookable, else rules.TakeRefusal ("full", "held_back")
    release_at: datetime
    in_window: bool = False  # the earliest slot inside the tier's response window

    @property
    def bookable(self) -> bool:
        return not self.refusal


@dataclass(frozen=True)
class SlotDay:
    day: date
    options: list[SlotOption]

    @property
    def has_places(self) -> bool:
        return any(o.bookable for o in self.options)

    @property
    def bookable_count(self) -> int:
        return sum(1 for o in self.options if o.bookable)

    @property
    def values(self) -> list[str]:
        return [o.value for o in self.options]


def slots_ahead(*, store: Store, kind: str, now: datetime) -> QuerySet[Slot]:
    """The store's slot rows of a kind from now through its booking horizon."""
    return Slot.objects.filter(
        store=store,
        kind=kind,
        start__gte=now,
        start__lte=now + timedelta(days=store.booking_days_ahead + 1),
    )


def open_times(
    *, store: Store, kind: str, now: datetime, response_hours: int | None = None
) -> Iterator[tuple[date, list[tuple[datetime, dict]]]]:
    """The times the store's weekly template offers for a kind, by day from today through its
    booking horizon, each with what a new slot there would hold (``slot_values``): closed
    days and times refused by the cut-off (or outside the response window) left out, days
    without a time skipped. Two queries (the templates, the closed days)."""
    tz = shop_tz()
    first = timezone.localtime(now, tz).date()
    last = timezone.localtime(now + timedelta(days=store.booking_days_ahead), tz).date()
    templates = [t for t in store.slot_templates.all() if t.capacity_for(kind) > 0]
    closed = set(
        store.closed_dates.filter(date__range=(first, last)).values_list("date", flat=True)
    )
    by_weekday: dict[int, list] = {}
    for template in sorted(templates, key=lambda t: t.start_time):
        by_weekday.setdefault(template.weekday, []).append(template)
    day = first
    while day <= last:
        if day not in closed:
            times = []
            for template in by_weekday.get(day.weekday(), []):
                start = datetime.combine(day, template.start_time, tzinfo=tz)
                if not rules.booking_time_refusal(
                    start,
                    now=now,
                    cutoff_minutes=store.booking_cutoff_minutes,
                    days_ahead=store.booking_days_ahead,
                    response_hours=response_hours,
                ):
                    times.append((start, slot_values(template=template, kind=kind, start=start)))
            if times:
                yield day, times
        day += timedelta(days=1)


def slot_state(slot: Slot | None, values: dict) -> rules.SlotState:
    """A slot's places: its row's once someone holds one, else what the template gives now."""
    if slot is not None and slot.booked:
        return rules.SlotState(slot.capacity, slot.held_back, slot.booked, slot.release_at)
    return rules.SlotState(values["capacity"], values["held_back"], 0, values["release_at"])


def slot_days(
    *, store: Store, kind: str, member: Member, now: datetime | None = None
) -> list[SlotDay]:
    """The slots of a kind the member could book at a store, by day, with the places left for
    them (held-back places count only for tiers with priority booking). Slots past the cut-off
    are left out, except a pickup starting inside the tier's response window. Three queries."""
    now = now or timezone.now()
    tier = member.tier
    priority = bool(tier and tier.priority_booking)
    window = tier.pickup_response_hours if tier and kind == SlotKind.PICKUP else None
    existing = {
        s.start: s for s in slots_ahead(store=store, kind=kind, now=now).filter(staff__isnull=True)
    }
    days: list[SlotDay] = []
    for day, times in open_times(store=store, kind=kind, now=now, response_hours=window):
        options = []
        for start, values in times:
            slot = existing.get(start)
            state = slot_state(slot, values)
            refusal = rules.take_refusal(state, now=now, priority=priority)
            options.append(
                SlotOption(
                    start=start,
                    end=slot.end if slot is not None and slot.booked else values["end"],
                    value=slot_value(start),
                    places_left=rules.places_left(state, now=now, priority=priority),
                    refusal=str(refusal or ""),
                    release_at=state.release_at,
                )
            )
        days.append(SlotDay(day=day, options=options))

    pick = rules.response_window_pick(
        [(o.start, o.places_left) for d in days for o in d.options],
        now=now,
        response_hours=window,
    )
    if pick is not None:
        days = [
            SlotDay(
                day=d.day,
                options=[
                    SlotOption(**{**o.__dict__, "in_window": o.start == pick}) for o in d.options
                ],
            )
            for d in days
        ]
    return days
