"""The member's tier page: why they hold their tier, what keeps it and what lifts them to the
next one (from the review's own engine), and their tier history, paginated."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from loyalty.selectors.dashboard import member_summary
from loyalty.selectors.tier_history import member_tier_changes
from loyalty.selectors.tier_outlook import member_tier_outlook
from portal.tier_words import tier_explanation

HISTORY_PAGE_SIZE = 20


@require_GET
@login_required
def tier(request):
    summary = member_summary(user=request.user)
    if summary is None:
        if request.user.has_perm("membership.use_counter"):
            return redirect("counter:home")
        return render(request, "portal/customer/no_member.html", status=404)
    member = summary.member
    outlook = member_tier_outlook(member)
    history = Paginator(member_tier_changes(member), HISTORY_PAGE_SIZE)
    return render(
        request,
        "portal/customer/tier.html",
        {
            "member": member,
            "tier": member.tier,
            "outlook": outlook,
            "explanation": tier_explanation(outlook) if outlook else None,
            "history": history.get_page(request.GET.get("page")),
        },
    )
