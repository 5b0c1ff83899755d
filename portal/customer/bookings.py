"""The member's pickups and deliveries: list, book, see one, cancel or reschedule it.

Always the logged-in member's own bookings (another member's is a 404). The rules (area,
slots, capacity, cut-offs, tier priority) live in membership.services.bookings; these views
parse input and show the answers.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from membership.booking_rules import change_allowed
from membership.models import Booking, Member, Store
from membership.selectors.bookings import (
    booking_for_member,
    bookings_for_member,
    slot_days,
    stores_for_booking,
)
from membership.services.bookings import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    duration_text,
    parse_slot_value,
    shop_tz,
    slot_value,
)

PAGE_SIZE = 10


class SlotField(forms.CharField):
    """A slot picked from the page's list ("2026-11-25T09:00", shop time) as a datetime."""

    default_error_messages = {"invalid": gettext_lazy("Choose a time from the list.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("error_messages", {"required": gettext_lazy("Choose a time.")})
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        start = parse_slot_value(value)
        if start is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return start


class BookingForm(forms.Form):
    slot = SlotField()
    return_slot = SlotField(required=False)
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        error_messages={"required": gettext_lazy("Enter the address we should come to.")},
    )
    latitude = forms.DecimalField(
        label=gettext_lazy("Latitude"),
        required=False,
        max_digits=12,
        decimal_places=9,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=gettext_lazy("Longitude"),
        required=False,
        max_digits=12,
        decimal_places=9,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    is_express = forms.BooleanField(label=gettext_lazy("Express"), required=False)
    note = forms.CharField(
        label=gettext_lazy("Note for the driver (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    recurrence_weeks = forms.TypedChoiceField(
        label=gettext_lazy("Repeat"),
        choices=Booking.Recurrence.choices,
        coerce=int,
        initial=0,
        error_messages={"invalid_choice": gettext_lazy("Choose how often the pickup repeats.")},
    )


class RescheduleForm(forms.Form):
    slot = SlotField()


def _member(request) -> Member | None:
    return Member.objects.select_related("tier", "user").filter(user=request.user).first()


def _no_member(request):
    return render(request, "portal/customer/no_member.html", status=404)


def _pick(value: str | None, stores: list[Store]) -> Store | None:
    """The store asked for by id (junk or an unknown id: the first store)."""
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= 18:
        for store in stores:
            if store.pk == int(text):
                return store
    return stores[0] if stores else None


def _kinds(store: Store) -> list[tuple[str, str]]:
    kinds = []
    if store.offers_pickup:
        kinds.append((Booking.Kind.PICKUP, Booking.Kind.PICKUP.label))
    if store.offers_delivery:
        kinds.append((Booking.Kind.DELIVERY, _("Delivery only")))
    return kinds


def _apply_error(form: forms.Form, error: ValidationError) -> None:
    field = {
        "address": "address",
        "note": "note",
        "coordinates": "latitude",
        "no_location": "latitude",
        "out_of_area": "address",
        "express": "is_express",
        "recurrence": "recurrence_weeks",
        "return": "return_slot",
        "return_before_pickup": "return_slot",
    }.get(error.code)
    for message in error.messages:
        form.add_error(field if field and field in form.fields else None, message)


@require_GET
@login_required
def bookings(request):
    member = _member(request)
    if member is None:
        return _no_member(request)
    page = Paginator(bookings_for_member(member=member), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/customer/bookings.html",
        {"page": page, "now": timezone.now(), "tab": "home"},
    )


@require_http_methods(["GET", "POST"])
@login_required
def booking_new(request):
    member = _member(request)
    if member is None:
        return _no_member(request)
    stores = stores_for_booking()
    source = request.POST if request.method == "POST" else request.GET
    store = _pick(source.get("store"), stores)
    if store is None:
        return render(request, "portal/customer/bookings_new.html", {"store": None})
    kinds = _kinds(store)
    kind = source.get("kind") if source.get("kind") in dict(kinds) else kinds[0][0]
    now = timezone.now()
    days = slot_days(store=store, kind=kind, member=member, now=now)
    offers_return = kind == Booking.Kind.PICKUP and store.offers_delivery
    return_days = (
        slot_days(store=store, kind=Booking.Kind.DELIVERY, member=member, now=now)
        if offers_return
        else []
    )
    status = 200
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = booking_create(
                    member=member,
                    store=store,
                    kind=kind,
                    start=data["slot"],
                    return_start=data["return_slot"] if offers_return else None,
                    address=data["address"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    is_express=data["is_express"],
                    note=data["note"],
                    recurrence_weeks=data["recurrence_weeks"],
                )
            except ValidationError as error:
                _apply_error(form, error)
            else:
                first = outcome.bookings[0]
                messages.success(request, _("Booked. We will see you then."))
                if len(outcome.bookings) > 1:
                    count = len(outcome.bookings)
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d visit in the series is booked.",
                            "%(count)d visits in the series are booked.",
                            count,
                        )
                        % {"count": count},
                    )
                for start, why in outcome.skipped:
                    when = formats.date_format(
                        timezone.localtime(start, shop_tz()), "SHORT_DATETIME_FORMAT"
                    )
                    messages.warning(
                        request,
                        _("Not booked on %(when)s: %(why)s") % {"when": when, "why": why},
                    )
                return redirect("customer:booking", pk=first.pk)
        status = 400
    else:
        form = BookingForm(
            initial={
                "address": member.address,
                "latitude": member.latitude,
                "longitude": member.longitude,
                "recurrence_weeks": 0,
            }
        )
    return render(
        request,
        "portal/customer/bookings_new.html",
        {
            "form": form,
            "stores": stores,
            "store": store,
            "kinds": kinds,
            "kind": kind,
            "days": days,
            "return_days": return_days,
            "offers_return": offers_return,
            "picked": request.POST.get("slot", ""),
            "picked_return": request.POST.get("return_slot", ""),
            "tier": member.tier,
            "tab": "home",
        },
        status=status,
    )


def _own_booking(request, pk: int) -> tuple[Member | None, Booking | None]:
    member = _member(request)
    if member is None:
        return None, None
    found = booking_for_member(member=member, pk=pk)
    if found is None:
        raise Http404
    return member, found


@require_GET
@login_required
def booking(request, pk: int):
    member, found = _own_booking(request, pk)
    if member is None:
        return _no_member(request)
    return render(
        request,
        "portal/customer/bookings_detail.html",
        {
            "booking": found,
            "changeable": _changeable(found),
            "cutoff": duration_text(found.store.change_cutoff_minutes),
            "tab": "home",
        },
    )


def _changeable(found: Booking) -> bool:
    return found.status in Booking.CHANGEABLE_STATUSES and change_allowed(
        found.slot_start,
        now=timezone.now(),
        change_cutoff_minutes=found.store.change_cutoff_minutes,
    )


@require_POST
@login_required
def booking_cancel_view(request, pk: int):
    member, found = _own_booking(request, pk)
    if member is None:
        return _no_member(request)
    try:
        cancelled = booking_cancel(
            member=member, booking=found, whole_series=request.POST.get("series") == "on"
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "The booking is cancelled.", "%(count)d bookings are cancelled.", len(cancelled)
            )
            % {"count": len(cancelled)},
        )
    return redirect("customer:booking", pk=found.pk)


@require_http_methods(["GET", "POST"])
@login_required
def booking_reschedule_view(request, pk: int):
    member, found = _own_booking(request, pk)
    if member is None:
        return _no_member(request)
    status = 200
    form = RescheduleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                booking_reschedule(member=member, booking=found, start=form.cleaned_data["slot"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The booking is moved."))
                return redirect("customer:booking", pk=found.pk)
        status = 400
    days = (
        slot_days(store=found.store, kind=found.kind, member=member) if _changeable(found) else []
    )
    return render(
        request,
        "portal/customer/bookings_reschedule.html",
        {
            "booking": found,
            "form": form,
            "days": days,
            "changeable": _changeable(found),
            "picked": request.POST.get("slot", ""),
            "current": slot_value(found.slot_start),
            "tab": "home",
        },
        status=status,
    )
