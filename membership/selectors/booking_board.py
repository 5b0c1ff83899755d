"""Reading the staff board: a store's bookings of one day grouped by slot, one booking's
card, the store's drivers. Each read costs a fixed number of queries, however many bookings
the day holds (the page of bookings comes with its member, login, driver, slot and order in
one query)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from membership.models import Booking, Order, Slot, Store, User
from membership.selectors.appointments import with_staff_names
from membership.selectors.roles import users_with_role_flags

# Shown on the board: everything but what the member cancelled (counted apart).
BOARD_STATUSES = (
    Booking.Status.REQUESTED,
    Booking.Status.CONFIRMED,
    Booking.Status.ON_THE_WAY,
    Booking.Status.DONE,
    Booking.Status.MISSED,
)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The shop's day as [start, end) in aware datetimes."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


# The board's two lists: visits at the member's address, and in-store appointments.
BOARD_KINDS = (Booking.Kind.PICKUP, Booking.Kind.DELIVERY)
APPOINTMENT_KINDS = (Booking.Kind.APPOINTMENT,)


def board_kinds(*, appointments: bool) -> tuple[str, ...]:
    return APPOINTMENT_KINDS if appointments else BOARD_KINDS


def board_bookings(
    *, store: Store | int, day: date, appointments: bool = False
) -> QuerySet[Booking]:
    """The store's pickups and deliveries (or its appointments) starting that day, cancelled
    ones left out, by slot, with everything the board shows: paginate it."""
    start, end = day_bounds(day)
    bookings = (
        Booking.objects.filter(
            store=store,
            kind__in=board_kinds(appointments=appointments),
            slot_start__gte=start,
            slot_start__lt=end,
            status__in=BOARD_STATUSES,
        )
        .select_related("member__user", "driver", "slot", "order", "return_for", "service")
        .order_by("slot_start", "slot_end", "kind", "pk")
    )
    return with_staff_names(bookings) if appointments else bookings


@dataclass(frozen=True)
class DayCounts:
    total: int = 0
    open: int = 0
    done: int = 0
    missed: int = 0
    cancelled: int = 0


def board_day_counts(*, store: Store | int, day: date, appointments: bool = False) -> DayCounts:
    """How the day stands, in one query."""
    start, end = day_bounds(day)
    S = Booking.Status
    row = Booking.objects.filter(
        store=store,
        kind__in=board_kinds(appointments=appointments),
        slot_start__gte=start,
        slot_start__lt=end,
    ).aggregate(
        total=Count("pk", filter=Q(status__in=BOARD_STATUSES)),
        open=Count("pk", filter=Q(status__in=Booking.OPEN_STATUSES)),
        done=Count("pk", filter=Q(status=S.DONE)),
        missed=Count("pk", filter=Q(status=S.MISSED)),
        cancelled=Count("pk", filter=Q(status=S.CANCELLED)),
    )
    return DayCounts(**{key: value or 0 for key, value in row.items()})


@dataclass
class BoardSlot:
    """One time range of the day and its bookings (pickups and deliveries together), with
    the capacity of the slot rows they are in."""

    start: datetime
    end: datetime
    bookings: list[Booking] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)


def board_group(bookings) -> list[BoardSlot]:
    """A page of board_bookings grouped by (start, end), in order. No query."""
    groups: list[BoardSlot] = []
    for booking in bookings:
        if not groups or (groups[-1].start, groups[-1].end) != (
            booking.slot_start,
            booking.slot_end,
        ):
            groups.append(BoardSlot(start=booking.slot_start, end=booking.slot_end))
        group = groups[-1]
        group.bookings.append(booking)
        if booking.slot is not None and all(s.pk != booking.slot_id for s in group.slots):
            group.slots.append(booking.slot)
    return groups


def board_booking(*, pk: int, store: Store | int | None = None) -> Booking | None:
    """One booking for its card (of that store only, when given), or None."""
    bookings = with_staff_names(
        Booking.objects.select_related(
            "member__user", "store", "driver", "slot", "order", "return_for", "return_delivery"
        )
    )
    if store is not None:
        bookings = bookings.filter(store=store)
    return bookings.filter(pk=pk).first()


def board_drivers(*, store_id: int) -> QuerySet[User]:
    """Who can drive for a store: its active staff (logins that may use the counter)."""
    return (
        users_with_role_flags()
        .filter(store_id=store_id, is_active=True, holds_counter=True)
        .order_by("first_name", "last_name", "username")
    )


def board_stores() -> QuerySet[Store]:
    """The stores the owner can pick on the board."""
    return Store.objects.filter(is_active=True).order_by("name")


def board_order(*, number: str) -> Order | None:
    """An order typed on a booking's card, by its number."""
    number = (number or "").strip().upper()
    if not number or len(number) > 32 or not number.replace("-", "").replace("_", "").isalnum():
        return None
    return Order.objects.filter(number=number).first()
