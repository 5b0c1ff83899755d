"""Counter: give a member a goodwill coupon by hand (after a complaint, a long wait...)."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from loyalty.models import CouponTemplate
from loyalty.selectors.coupons import coupons_usable_for_member
from loyalty.services.coupons import GOODWILL_REASON_MAX, coupon_give_goodwill
from portal.counter.context import counter_roles
from portal.counter.lookup import counted_member, lookups_limited
from portal.coupon_words import coupon_conditions_text, coupon_value_text
from portal.permissions import staff_required

RECENT_COUPONS = 10


class GoodwillCouponForm(forms.Form):
    template = forms.ModelChoiceField(
        label=gettext_lazy("Coupon"),
        queryset=CouponTemplate.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose a coupon."),
            "invalid_choice": gettext_lazy("That coupon is no longer handed out. Choose another."),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=GOODWILL_REASON_MAX,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "placeholder": gettext_lazy("e.g. Late delivery, stain not removed"),
            }
        ),
        error_messages={"required": gettext_lazy("Say why (a few words).")},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        templates = CouponTemplate.objects.filter(is_active=True).select_related(
            "free_category", "scope_category"
        )
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = self._label

    @staticmethod
    def _label(template: CouponTemplate) -> str:
        text = f"{template.display_name}: {coupon_value_text(template)}"
        if conditions := coupon_conditions_text(template):
            text = f"{text} ({conditions})"
        return text


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def give_coupon(request, number: str):
    """GET: choose a coupon and say why. POST: give it (audited; a double tap gives one)."""
    member = counted_member(request, number)
    status = 200
    if request.method == "POST":
        form = GoodwillCouponForm(request.POST)
        if form.is_valid():
            try:
                coupon = coupon_give_goodwill(
                    member=member,
                    template=form.cleaned_data["template"],
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                    idempotency_key=f"{member.pk}:{form.cleaned_data['key']}",
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Coupon %(name)s given, usable until %(date)s.")
                    % {
                        "name": coupon.template.display_name,
                        "date": date_format(coupon.last_day, "SHORT_DATE_FORMAT"),
                    },
                )
                return redirect("counter:member", number=member.number)
        status = 400
    else:
        form = GoodwillCouponForm(initial={"key": uuid.uuid4().hex})
    return render(
        request,
        "portal/counter/coupon_give.html",
        {
            "member": member,
            "form": form,
            "coupons": list(coupons_usable_for_member(member)[:RECENT_COUPONS]),
            "roles": counter_roles(request),
        },
        status=status,
    )
