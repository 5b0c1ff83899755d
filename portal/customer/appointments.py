"""The member's in-store appointments (salons and beauty shops): list, book one for a service
with a chosen staff member or anyone free, see one, cancel or move it.

Always the logged-in member's own appointments (another member's, or a pickup, is a 404).
The rules (slots, places per staff member, held-back places, cut-offs, closed days) live in
membership.services.appointments and .bookings; these views parse input and show answers.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from membership.booking_rules import change_allowed
from membership.models import AppointmentStaff, Booking, Member, ServiceCategory, Store
from membership.selectors.appointments import (
    appointment_days,
    appointment_for_member,
    appointment_services,
    appointment_staff,
    appointments_for_member,
    stores_for_appointments,
)
from membership.services.appointments import (
    appointment_cancel as appointment_cancel_service,
)
from membership.services.appointments import (
    appointment_create,
    appointment_reschedule,
    appointments_offered,
)
from membership.services.bookings import NOTE_MAX, duration_text, slot_value
from portal.customer.bookings import SlotField

PAGE_SIZE = 10
ANYONE = "any"


class AppointmentForm(forms.Form):
    service = forms.TypedChoiceField(
        label=gettext_lazy("Service"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choose a service."),
            "invalid_choice": gettext_lazy("Choose a service from the list."),
        },
    )
    slot = SlotField()
    note = forms.CharField(
        label=gettext_lazy("Note for the store (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, services: list[ServiceCategory], **kwargs):
        super().__init__(*args, **kwargs)
        self.services = {s.pk: s for s in services}
        self.fields["service"].choices = [("", _("Choose…"))] + [
            (s.pk, s.display_name) for s in services
        ]


class MoveForm(forms.Form):
    slot = SlotField()


def _member(request) -> Member | None:
    return Member.objects.select_related("tier", "user").filter(user=request.user).first()


def _no_member(request):
    return render(request, "portal/customer/no_member.html", status=404)


def _id(value) -> int | None:
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _pick_staff(value, staff: list[AppointmentStaff], *, default=None) -> AppointmentStaff | None:
    """The staff member asked for by their login's id; "any", junk or someone not listed:
    anyone free (None). With no value at all, `default` (the member's preferred one)."""
    if value is None:
        value = default
    wanted = _id(value)
    return next((s for s in staff if s.user_id == wanted), None)


def _store_refusal(store: Store | None) -> str:
    if store is None:
        return _("Choose a store from the list.")
    try:
        appointments_offered(store)
    except ValidationError as error:
        return " ".join(error.messages)
    return _("Choose a store from the list.")


def _unknown_staff(value, chosen: AppointmentStaff | None) -> bool:
    """Someone was asked for who is not (or no longer) listed at the store."""
    return value not in (None, "", ANYONE) and chosen is None


def _staff_gone(store: Store) -> str:
    return _("That staff member does not take appointments at %(store)s. Choose from the list.") % {
        "store": store.name
    }


def _apply_error(form: forms.Form, error: ValidationError) -> None:
    field = {"service": "service", "note": "note"}.get(error.code)
    for message in error.messages:
        form.add_error(field if field in form.fields else None, message)


@login_required
@require_GET
def appointments(request):
    member = _member(request)
    if member is None:
        return _no_member(request)
    page = Paginator(appointments_for_member(member=member), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/customer/appointments.html",
        {"page": page, "tab": "home"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_new(request):
    member = _member(request)
    if member is None:
        return _no_member(request)
    stores = stores_for_appointments()
    source = request.POST if request.method == "POST" else request.GET
    wanted = _id(source.get("store"))
    store = next((s for s in stores if s.pk == wanted), None)
    if store is None and (wanted is not None or request.method == "POST"):
        # A store that takes no appointments, or a form posted without one: refuse, say why.
        other = Store.objects.filter(pk=wanted).first() if wanted is not None else None
        if other is not None or request.method == "POST":
            return render(
                request,
                "portal/customer/appointment_new.html",
                {"store": None, "stores": stores, "refusal": _store_refusal(other), "tab": "home"},
                status=400,
            )
    store = store or (stores[0] if stores else None)
    if store is None:
        return render(
            request, "portal/customer/appointment_new.html", {"store": None, "tab": "home"}
        )
    services = appointment_services(store=store)
    staff = appointment_staff(store=store)
    chosen = _pick_staff(source.get("staff"), staff, default=member.preferred_staff_id)
    now = timezone.now()
    days = appointment_days(
        store=store,
        member=member,
        staff=staff,
        only=chosen.user_id if chosen else None,
        now=now,
    )
    status = 200
    form = AppointmentForm(request.POST or None, services=services)
    if request.method == "POST":
        if _unknown_staff(source.get("staff"), chosen):
            form.is_valid()
            form.add_error(None, _staff_gone(store))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                booked = appointment_create(
                    member=member,
                    store=store,
                    service=form.services[data["service"]],
                    start=data["slot"],
                    staff=chosen.user if chosen else None,
                    note=data["note"],
                )
            except ValidationError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("Booked. We will see you then."))
                return redirect("customer:appointment", pk=booked.pk)
        status = 400
    elif len(services) == 1:
        form.initial["service"] = services[0].pk
    return render(
        request,
        "portal/customer/appointment_new.html",
        {
            "form": form,
            "stores": stores,
            "store": store,
            "services": services,
            "staff": staff,
            "chosen": chosen,
            "days": days,
            "picked": request.POST.get("slot", ""),
            "tier": member.tier,
            "tab": "home",
        },
        status=status,
    )


def _own(request, pk: int) -> tuple[Member | None, Booking | None]:
    member = _member(request)
    if member is None:
        return None, None
    found = appointment_for_member(member=member, pk=pk)
    if found is None:
        raise Http404
    return member, found


def _changeable(found: Booking) -> bool:
    return found.status in Booking.CHANGEABLE_STATUSES and change_allowed(
        found.slot_start,
        now=timezone.now(),
        change_cutoff_minutes=found.store.change_cutoff_minutes,
    )


@login_required
@require_GET
def appointment(request, pk: int):
    member, found = _own(request, pk)
    if member is None:
        return _no_member(request)
    return render(
        request,
        "portal/customer/appointment_detail.html",
        {
            "booking": found,
            "changeable": _changeable(found),
            "cutoff": duration_text(found.store.change_cutoff_minutes),
            "tab": "home",
        },
    )


@login_required
@require_POST
def appointment_cancel(request, pk: int):
    member, found = _own(request, pk)
    if member is None:
        return _no_member(request)
    try:
        appointment_cancel_service(member=member, booking=found)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The appointment is cancelled."))
    return redirect("customer:appointment", pk=found.pk)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_reschedule_view(request, pk: int):
    member, found = _own(request, pk)
    if member is None:
        return _no_member(request)
    changeable = _changeable(found)
    staff = appointment_staff(store=found.store)
    source = request.POST if request.method == "POST" else request.GET
    current = found.slot.staff_id if found.slot_id else None
    chosen = _pick_staff(
        source.get("staff"), staff, default=current if found.staff_requested else None
    )
    status = 200
    form = MoveForm(request.POST or None)
    if request.method == "POST":
        if _unknown_staff(source.get("staff"), chosen):
            form.is_valid()
            form.add_error(None, _staff_gone(found.store))
        elif form.is_valid():
            try:
                appointment_reschedule(
                    member=member,
                    booking=found,
                    start=form.cleaned_data["slot"],
                    staff=chosen.user if chosen else None,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The appointment is moved."))
                return redirect("customer:appointment", pk=found.pk)
        status = 400
    days = (
        appointment_days(
            store=found.store,
            member=member,
            staff=staff,
            only=chosen.user_id if chosen else None,
        )
        if changeable
        else []
    )
    return render(
        request,
        "portal/customer/appointment_reschedule.html",
        {
            "booking": found,
            "form": form,
            "staff": staff,
            "chosen": chosen,
            "days": days,
            "changeable": changeable,
            "picked": request.POST.get("slot", ""),
            # The member's own time with the staff member shown: marked, not offered.
            "current": slot_value(found.slot_start) if chosen and chosen.user_id == current else "",
            "tier": member.tier,
            "tab": "home",
        },
        status=status,
    )
