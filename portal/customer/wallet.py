"""The member's stored value, points and package pages (read only; top-up goes to payments)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loyalty.conf import stripe_enabled
from loyalty.selectors.dashboard import member_summary
from loyalty.selectors.packages import packages_for_member
from loyalty.selectors.points import points_expiring_soon, points_history
from loyalty.selectors.topups import top_up_offers
from loyalty.selectors.wallet import wallet_history

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
            "expiring": points_expiring_soon(account=account) if account else [],
            "tab": "points",
        },
    )


@require_GET
@login_required
def packages(request):
    summary, missing = _summary_or_404(request)
    if missing:
        return missing
    page = Paginator(packages_for_member(summary.member), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/customer/packages.html",
        {"summary": summary, "page": page, "tab": "wallet"},
    )
