"""Staff keep a member at or above a tier until a date (a floor), or remove the floor.

Any counter login may do it, as with tags and notes: a floor is not tied to a store, it
needs a reason, and every change is audited with who made it.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from loyalty.selectors.tier_floor import member_tier_floor
from loyalty.services.tier_floor import (
    REASON_MAX_LENGTH,
    latest_floor_day,
    tier_floor_clear,
    tier_floor_set,
)
from membership.models import Member, Tier
from portal.counter.lookup import counted_member, lookups_limited
from portal.permissions import staff_required

_REASON_REQUIRED = gettext_lazy("Give a reason, e.g. what was agreed with the member.")


class TierFloorForm(forms.Form):
    """What the set form posts: a tier code from the list, a date, a reason. The reason's
    rules (length, characters) are the service's, so its messages are the only ones."""

    tier = forms.ChoiceField(
        label=gettext_lazy("Keep at least this tier"),
        error_messages={
            "required": gettext_lazy("Choose the tier to keep the member at."),
            "invalid_choice": gettext_lazy("Choose one of the tiers in the list."),
        },
    )
    until = forms.DateField(
        label=gettext_lazy("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Enter the floor's last day."),
            "invalid": gettext_lazy("Enter the last day as a date, e.g. 2026-06-30."),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        error_messages={"required": _REASON_REQUIRED},
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_LENGTH, "autocomplete": "off"}),
    )

    def __init__(self, *args, tiers: list[Tier], **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = {tier.code: tier for tier in tiers}
        self.fields["tier"].choices = [(tier.code, tier.display_name) for tier in tiers]
        today = timezone.localdate()
        self.fields["until"].widget.attrs.update(
            min=today.isoformat(), max=latest_floor_day(today).isoformat()
        )

    def chosen_tier(self) -> Tier:
        return self.tiers[self.cleaned_data["tier"]]


class TierFloorClearForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why remove it"),
        error_messages={"required": _REASON_REQUIRED},
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_LENGTH, "autocomplete": "off"}),
    )


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _page(request, member: Member, *, tiers, form=None, clear_form=None, status=200):
    floor = member_tier_floor(member=member)
    if form is None:
        preselected = floor.tier if floor else member.tier
        initial = {"tier": preselected.code} if preselected else {}
        form = TierFloorForm(initial=initial, tiers=tiers)
    return render(
        request,
        "portal/counter/tier_floor.html",
        {
            "member": member,
            "tier": member.tier,
            "floor": floor,
            "form": form,
            "clear_form": clear_form or TierFloorClearForm(prefix="clear"),
        },
        status=status,
    )


def _tiers() -> list[Tier]:
    return list(Tier.objects.order_by("-rank"))


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def member_tier_floor_view(request, number: str):
    """GET: the member's tier and floor, and the form. POST: set (or replace) the floor."""
    member = counted_member(request, number)
    tiers = _tiers()
    if request.method == "GET":
        return _page(request, member, tiers=tiers)
    form = TierFloorForm(request.POST, tiers=tiers)
    if form.is_valid():
        try:
            done = tier_floor_set(
                member=member,
                tier=form.chosen_tier(),
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            text = _("Floor set: %(tier)s at least, through %(date)s.") % {
                "tier": done.state.floor_tier.display_name,
                "date": date_format(form.cleaned_data["until"], "SHORT_DATE_FORMAT"),
            }
            if done.change is not None:
                text += " " + _("The member moved up to %(tier)s now.") % {
                    "tier": done.change.to_tier.display_name
                }
            messages.success(request, text)
            return redirect("counter:member-tier-floor", number=member.number)
    return _page(request, member, tiers=tiers, form=form, status=400)


@require_POST
@staff_required
@lookups_limited
def member_tier_floor_remove(request, number: str):
    """POST: remove the floor. The member keeps their tier; the next review decides."""
    member = counted_member(request, number)
    form = TierFloorClearForm(request.POST, prefix="clear")
    if form.is_valid():
        try:
            tier_floor_clear(
                member=member, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Floor removed. The next monthly review decides the member's tier.")
            )
            return redirect("counter:member-tier-floor", number=member.number)
    return _page(request, member, tiers=_tiers(), clear_form=form, status=400)
