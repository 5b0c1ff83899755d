"""The member's stored value, points and package pages (top-up goes to payments; a package
can be bought from stored value here)."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.conf import stripe_enabled
from loyalty.flows.package_sale import package_purchase
from loyalty.selectors.dashboard import member_summary
from loyalty.selectors.packages import packages_for_member, packages_on_sale
from loyalty.selectors.points import points_expiring, points_history
from loyalty.selectors.topups import top_up_offers
from loyalty.selectors.wallet import wallet_history
from portal.payments.forms import PackageField

PAGE_SIZE = 20


def _summary_or_404(request):
    summary = member_summary(user=request.user)
    if summary is None:
        return None, render(request, "portal/customer/no_member.html", status=404)
    return summary, None


@require_GET
@login_required
def wallet(request):
    summary, missing = _summary_or_404(request)
    if missing:
        return missing
    account = getattr(summary.member, "wallet_account", None)
    page = Paginator(wallet_history(account=account), PAGE_SIZE).get_page(request.GET.get("page"))
    online = stripe_enabled()
    return render(
        request,
        "portal/customer/wallet.html",
        {
            "summary": summary,
            "account": account,
            "page": page,
            "online_top_up": online,
            "offers": top_up_offers() if online else [],
            "packages": packages_for_member(summary.member)[:5],
            "tab": "wallet",
        },
    )


@require_GET
@login_required
def points(request):
    summary, missing = _summary_or_404(request)
    if missing:
        return missing
    account = getattr(summary.member, "points_account", None)
    page = Paginator(points_history(account=account), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/customer/points.html",
        {
            "summary": summary,
            "page": page,
            "expiring": points_expiring(account=account) if account else None,
            "tab": "points",
        },
    )


class PackageBuyForm(forms.Form):
    package = PackageField()
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)  # one purchase per page view


@require_http_methods(["GET", "POST"])
@login_required
def packages(request):
    summary, missing = _summary_or_404(request)
    if missing:
        return missing
    status = 200
    if request.method == "POST":
        form = PackageBuyForm(request.POST)
        if form.is_valid():
            package = form.cleaned_data["package"]
            try:
                package_purchase(
                    member=summary.member,
                    package=package,
                    idempotency_key=f"member-package:{summary.member.pk}:{form.cleaned_data['key']}",
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 400
            else:
                messages.success(
                    request,
                    _("%(name)s is yours: paid from your stored value.")
                    % {"name": package.display_name},
                )
                return redirect("customer:packages")
        else:
            messages.error(request, _("That package could not be bought. Nothing was paid."))
            status = 400
        summary = member_summary(user=request.user)  # the balance may have changed meanwhile
    page = Paginator(packages_for_member(summary.member), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/customer/packages.html",
        {
            "summary": summary,
            "page": page,
            "on_sale": packages_on_sale(),
            "buy_key": uuid.uuid4().hex,
            "online_purchase": stripe_enabled(),
            "tab": "wallet",
        },
        status=status,
    )
