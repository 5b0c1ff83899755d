"""The pickup and delivery board: a store's bookings of a day by slot, and each booking's card
with big buttons (confirm, on the way, done, missed with a reason, driver, the order it
brings), usable by a driver on a phone at the door.

Staff see their own store's board; the owner picks any store. A booking of another store is
not found for staff. Every change goes through membership.services.booking_board, which
refuses what does not fit with a message and tells the member.
"""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.flows.garment_orders import order_stage_advance
from membership.models import Booking, Order, Store
from membership.selectors.booking_board import (
    board_booking,
    board_day_counts,
    board_drivers,
    board_group,
    board_order,
    board_stores,
)
from membership.selectors.booking_board import (
    board_bookings as board_bookings_of_day,
)
from membership.services.booking_board import (
    MISSABLE,
    REASON_MAX,
    TRANSITIONS,
    booking_advance,
    booking_assign_driver,
    booking_cancel_by_store,
    booking_link_order,
    booking_mark_missed,
)
from membership.services.orders import order_stage_moves
from portal.counter.context import counter_roles
from portal.permissions import staff_required

PAGE_SIZE = 40
FIRST_YEAR, LAST_YEAR = 2000, 2100

# The buttons' words, by the status they move to.
STATUS_BUTTONS = {
    Booking.Status.CONFIRMED: gettext_lazy("Confirm"),
    Booking.Status.ON_THE_WAY: gettext_lazy("On the way"),
    Booking.Status.DONE: gettext_lazy("Done"),
}


class MissedForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why was it missed? (the member reads this)"),
        max_length=REASON_MAX,
        error_messages={"required": gettext_lazy("Say why the visit was missed.")},
    )


class CancelForm(forms.Form):
    cancel_reason = forms.CharField(
        label=gettext_lazy("Why is it cancelled? (the member reads this)"),
        max_length=REASON_MAX,
        error_messages={"required": gettext_lazy("Say why it is cancelled.")},
    )


class DriverForm(forms.Form):
    driver = forms.TypedChoiceField(
        label=gettext_lazy("Driver"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, drivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.drivers = {user.pk: user for user in drivers}
        self.fields["driver"].choices = [("", _("Nobody yet"))] + [
            (user.pk, user.get_full_name() or user.username) for user in drivers
        ]
        self.fields["driver"].error_messages["invalid_choice"] = _(
            "Choose a driver who works at this store."
        )


class OrderLinkForm(forms.Form):
    order = forms.CharField(
        label=gettext_lazy("Order number"),
        max_length=32,
        required=False,
        error_messages={"max_length": gettext_lazy("An order number has at most 32 characters.")},
    )


def _render(request, template: str, context: dict, status: int = 200):
    context.setdefault("roles", counter_roles(request))
    return render(request, template, context, status=status)


def _is_owner(request) -> bool:
    return bool(getattr(request, "role_flags", None) and request.role_flags.back_office)


def _day(request) -> tuple[date, str | None]:
    """The day asked for (?date=YYYY-MM-DD), today if none; an error message if unreadable."""
    today = timezone.localdate()
    raw = request.GET.get("date", "").strip()
    if not raw:
        return today, None
    try:
        if len(raw) != 10 or not raw.isascii():
            raise ValueError
        day = date.fromisoformat(raw)
    except ValueError:
        return today, _("That is not a date: showing today.")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return today, _("That date is out of range: showing today.")
    return day, None


def _board_store(request) -> Store | None:
    """Staff: their own store. The owner: the store picked (?store=<id>), else their own or
    the first active one."""
    if not _is_owner(request):
        return request.user.store if request.user.store_id else None
    raw = request.GET.get("store", "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        picked = board_stores().filter(pk=int(raw)).first()
        if picked is not None:
            return picked
    if request.user.store_id:
        return request.user.store
    return board_stores().first()


def board_url(
    *, day: date, store: Store | None = None, owner: bool = False, appointments: bool = False
) -> str:
    url = reverse("counter:board") + f"?date={day.isoformat()}"
    if owner and store is not None:
        url += f"&store={store.pk}"
    if appointments:
        url += "&list=appointments"
    return url


def _showing_appointments(request, store: Store | None) -> bool:
    """The appointments list (?list=appointments) of a store that takes them; a store taking
    only appointments opens on it."""
    if store is None or not store.offers_appointments:
        return False
    if not (store.offers_pickup or store.offers_delivery):
        return True
    return request.GET.get("list") == "appointments"


@require_GET
@staff_required
def board(request):
    day, error = _day(request)
    if error:
        messages.error(request, error)
    owner = _is_owner(request)
    store = _board_store(request)
    context = {"day": day, "owner": owner, "store": store, "today": timezone.localdate()}
    if owner:
        context["stores"] = list(board_stores())
    if store is None:
        return _render(request, "portal/counter/board.html", context)
    appointments = _showing_appointments(request, store)
    page = Paginator(
        board_bookings_of_day(store=store, day=day, appointments=appointments), PAGE_SIZE
    ).get_page(request.GET.get("page"))

    def url(on: date, *, listing: bool = appointments) -> str:
        return board_url(day=on, store=store, owner=owner, appointments=listing)

    context |= {
        "appointments": appointments,
        "page": page,
        "groups": board_group(page),
        "counts": board_day_counts(store=store, day=day, appointments=appointments),
        "prev_url": url(day - timedelta(days=1)),
        "next_url": url(day + timedelta(days=1)),
        "today_url": url(context["today"]),
        "visits_url": url(day, listing=False),
        "appointments_url": url(day, listing=True),
        "page_query": url(day).split("?", 1)[1],
    }
    return _render(request, "portal/counter/board.html", context)


def _booking_or_404(request, pk: int) -> Booking:
    """The booking, if this login may work on it: staff only their own store's."""
    if _is_owner(request):
        booking = board_booking(pk=pk)
    elif request.user.store_id:
        booking = board_booking(pk=pk, store=request.user.store_id)
    else:
        booking = None
    if booking is None:
        raise Http404
    return booking


def _order_moves(booking: Booking) -> list[tuple[str, str]]:
    """The stages the board can move the booking's order to: cleaning and ready, and
    delivered from a delivery (once paid); collection is at the counter, with payment."""
    order = booking.order
    if order is None:
        return []
    return [
        (stage, Order.Stage(stage).label)
        for stage in order_stage_moves(order)
        if stage != Order.Stage.COLLECTED
        and (stage != Order.Stage.DELIVERED or booking.kind == Booking.Kind.DELIVERY)
    ]


def _card(request, booking: Booking, *, status: int = 200, **forms_given):
    appointment = booking.kind == Booking.Kind.APPOINTMENT
    drivers = [] if appointment else list(board_drivers(store_id=booking.store_id))
    moves = [
        (target, STATUS_BUTTONS[target])
        for target in (
            Booking.Status.CONFIRMED,
            Booking.Status.ON_THE_WAY,
            Booking.Status.DONE,
        )
        if target in TRANSITIONS.get(booking.status, ())
        and not (appointment and target == Booking.Status.ON_THE_WAY)
    ]
    context = {
        "booking": booking,
        "moves": moves,
        "order_moves": _order_moves(booking),
        "can_miss": booking.status in MISSABLE,
        "is_open": booking.is_open,
        "missed_form": forms_given.get("missed_form") or MissedForm(),
        "cancel_form": forms_given.get("cancel_form") or CancelForm(),
        "driver_form": forms_given.get("driver_form")
        or DriverForm(drivers=drivers, initial={"driver": booking.driver_id}),
        "order_form": forms_given.get("order_form")
        or OrderLinkForm(initial={"order": booking.order.number if booking.order else ""}),
        "appointment": appointment,
        "board_url": board_url(
            day=timezone.localdate(booking.slot_start),
            store=booking.store,
            owner=_is_owner(request),
            appointments=appointment,
        ),
    }
    return _render(request, "portal/counter/board_booking.html", context, status=status)


def _refused(request, exc: ValidationError, form: forms.Form | None = None) -> None:
    if form is not None and hasattr(exc, "error_dict"):
        for field_name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field_name if field_name in form.fields else None, error)
    else:
        messages.error(request, " ".join(exc.messages))


def _renamed(exc: ValidationError) -> ValidationError:
    """The service's `reason` error on the cancel form's own field."""
    if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
        return ValidationError({"cancel_reason": exc.error_dict["reason"]})
    return exc


@require_http_methods(["GET", "POST"])
@staff_required
def booking_card(request, pk: int):
    """GET: the booking's card. POST: one change (`action`), then back to the card."""
    booking = _booking_or_404(request, pk)
    if request.method == "GET":
        return _card(request, booking)
    action = request.POST.get("action", "")
    done_text = None
    try:
        if action in STATUS_BUTTONS:
            booking = booking_advance(booking=booking, to_status=action, acting_user=request.user)
            done_text = _("Marked %(status)s.") % {"status": booking.get_status_display().lower()}
        elif action == "missed":
            form = MissedForm(request.POST)
            if not form.is_valid():
                return _card(request, booking, status=400, missed_form=form)
            try:
                booking_mark_missed(
                    booking=booking,
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                _refused(request, exc, form)
                return _card(request, booking, status=400, missed_form=form)
            done_text = _("Marked missed. The member is told why.")
        elif action == "cancel":
            form = CancelForm(request.POST)
            if not form.is_valid():
                return _card(request, booking, status=400, cancel_form=form)
            try:
                booking = booking_cancel_by_store(
                    booking=booking,
                    reason=form.cleaned_data["cancel_reason"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                _refused(request, _renamed(exc), form)
                return _card(request, booking, status=400, cancel_form=form)
            done_text = _("Cancelled. The member is told why.")
        elif action == "driver":
            drivers = list(board_drivers(store_id=booking.store_id))
            form = DriverForm(request.POST, drivers=drivers)
            if not form.is_valid():
                return _card(request, booking, status=400, driver_form=form)
            driver = form.drivers.get(form.cleaned_data["driver"])
            try:
                booking = booking_assign_driver(
                    booking=booking, driver=driver, acting_user=request.user
                )
            except ValidationError as exc:
                _refused(request, exc, form)
                return _card(request, booking, status=400, driver_form=form)
            done_text = (
                _("%(name)s drives.") % {"name": driver.get_full_name() or driver.username}
                if driver
                else _("No driver for now.")
            )
        elif action == "order_stage":
            stage = request.POST.get("stage", "")
            if booking.order is None or stage not in dict(_order_moves(booking)):
                messages.error(request, _("Choose one of the order's buttons."))
                return _card(request, booking, status=400)
            order = order_stage_advance(
                order=booking.order, to_stage=stage, acting_user=request.user
            )
            done_text = _("Order %(number)s: %(stage)s.") % {
                "number": order.number,
                "stage": order.get_stage_display().lower(),
            }
        elif action == "order":
            form = OrderLinkForm(request.POST)
            if not form.is_valid():
                return _card(request, booking, status=400, order_form=form)
            typed = form.cleaned_data["order"].strip()
            order = board_order(number=typed) if typed else None
            if typed and order is None:
                form.add_error(
                    "order", _("No order has the number %(number)s.") % {"number": typed}
                )
                return _card(request, booking, status=400, order_form=form)
            try:
                booking_link_order(booking=booking, order=order, acting_user=request.user)
            except ValidationError as exc:
                _refused(request, exc, form)
                return _card(request, booking, status=400, order_form=form)
            done_text = (
                _("Order %(number)s noted on this booking.") % {"number": order.number}
                if order
                else _("No order on this booking now.")
            )
        else:
            messages.error(request, _("Choose one of the buttons."))
            return _card(request, booking, status=400)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _card(request, _booking_or_404(request, pk), status=400)
    messages.success(request, done_text)
    return redirect("counter:board-booking", pk=booking.pk)
