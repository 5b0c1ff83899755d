"""My coupons: every coupon the member holds, usable ones first, paginated."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from loyalty.selectors.coupons import coupon_rows, coupons_for_member
from loyalty.selectors.dashboard import member_summary

PAGE_SIZE = 20


@require_GET
@login_required
def coupons(request):
    summary = member_summary(user=request.user)
    if summary is None:
        return render(request, "portal/customer/no_member.html", status=404)
    now = timezone.now()
    page = Paginator(coupons_for_member(summary.member, now=now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/customer/coupons.html",
        {
            "summary": summary,
            "page": page,
            "rows": coupon_rows(summary.member, page.object_list, now=now),
            "tab": "home",
        },
    )
