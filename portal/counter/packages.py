"""Counter: sell a prepaid package to the member on the panel (cash, card or stored value).

Form, then a confirmation page (price, member discount when paid from stored value, balance
after), then the sale, then its receipt. The form's key travels in a hidden field, so a
double tap on "Confirm" records one sale and shows it.
"""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.flows.package_sale import package_purchase, package_sale_quote
from loyalty.models import PackageSale
from loyalty.selectors.wallet import wallet_balance
from portal.counter.context import counter_roles
from portal.counter.lookup import counted_member, lookups_limited
from portal.payments.forms import PackageField
from portal.permissions import staff_required
from portal.templatetags.money import money

PaidBy = PackageSale.PaidBy


class PackageSellForm(forms.Form):
    package = PackageField(label=gettext_lazy("Package"), widget=forms.RadioSelect)
    paid_by = forms.ChoiceField(
        label=gettext_lazy("Paid by"),
        widget=forms.RadioSelect,
        choices=[
            (PaidBy.CASH, PaidBy.CASH.label),
            (PaidBy.CARD, PaidBy.CARD.label),
            (PaidBy.STORED_VALUE, PaidBy.STORED_VALUE.label),
        ],
        initial=PaidBy.CASH,
        error_messages={"invalid_choice": gettext_lazy("Choose cash, card or stored value.")},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].label_from_instance = lambda p: (
            f"{p.display_name} · {money(p.price)}"
        )

    @classmethod
    def submitted_key(cls, data) -> str | None:
        """The key if well formed (looked up before validation, for a double tap)."""
        try:
            return cls.base_fields["key"].clean(data.get("key", ""))
        except forms.ValidationError:
            return None


def _render(request, template: str, context: dict, status: int = 200):
    context.setdefault("roles", counter_roles(request))
    context.setdefault("now", timezone.now())
    return render(request, template, context, status=status)


def _sale_key(member, key: str) -> str:
    return f"counter-package:{member.pk}:{key}"


def _page(request, member, form, *, status=200, quote=None, balance=None):
    context = {"member": member, "form": form, "quote": quote}
    context["balance"] = balance if quote else wallet_balance(member=member)
    if quote is not None:
        paid_by = form.cleaned_data["paid_by"]
        context["paid_by_label"] = PaidBy(paid_by).label
        context["balance_after"] = (
            (balance or 0) - quote.due if paid_by == PaidBy.STORED_VALUE else None
        )
    template = "package_sell_confirm.html" if quote else "package_sell.html"
    return _render(request, f"portal/counter/{template}", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
@lookups_limited
def package_sell(request, number: str):
    """GET: pick the package and how it is paid. POST: confirm page, or with confirm=1 sell."""
    member = counted_member(request, number)
    if request.method == "GET":
        return _page(request, member, PackageSellForm(initial={"key": uuid.uuid4().hex}))
    key = PackageSellForm.submitted_key(request.POST)
    if request.POST.get("confirm") == "1" and key:
        done = PackageSale.objects.filter(idempotency_key=_sale_key(member, key)).first()
        if done is not None:  # a double tap: the first tap sold it
            return redirect("counter:package-sale", number=member.number, pk=done.pk)
    form = PackageSellForm(request.POST)
    if not form.is_valid() or "edit" in request.POST:
        return _page(request, member, form, status=200 if form.is_valid() else 400)
    package = form.cleaned_data["package"]
    paid_by = form.cleaned_data["paid_by"]
    try:
        if request.POST.get("confirm") == "1":
            result = package_purchase(
                member=member,
                package=package,
                paid_by=paid_by,
                acting_user=request.user,
                idempotency_key=_sale_key(member, form.cleaned_data["key"]),
            )
            messages.success(
                request,
                _("Package %(name)s sold.") % {"name": package.display_name},
            )
            return redirect("counter:package-sale", number=member.number, pk=result.sale.pk)
        quote = package_sale_quote(member=member, package=package, paid_by=paid_by)
        balance = wallet_balance(member=member)
        if paid_by == PaidBy.STORED_VALUE and quote.due > (balance or 0):
            raise ValidationError(
                _("Not enough stored value: the balance is %(balance)s and %(due)s is due.")
                % {"balance": money(balance or 0), "due": money(quote.due)}
            )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _page(request, member, form, status=400)
    return _page(request, member, form, quote=quote, balance=balance)


@require_GET
@staff_required
@lookups_limited
def package_sale(request, number: str, pk: int):
    """The receipt of a package sold to this member."""
    member = counted_member(request, number)
    sale = (
        PackageSale.objects.select_related("package", "acting_user", "wallet_entry")
        .filter(pk=pk, member=member)
        .first()
    )
    if sale is None:
        raise Http404
    return _render(
        request,
        "portal/counter/package_sell_receipt.html",
        {"member": member, "sale": sale, "balance": wallet_balance(member=member)},
    )
