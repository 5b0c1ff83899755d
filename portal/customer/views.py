from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from loyalty.selectors.dashboard import member_summary
from membership.selectors.bookings import booking_next_for_member
from membership.selectors.tiers import tier_benefits
from portal.content.selectors import offers_for_member


@require_GET
@login_required
def dashboard(request):
    summary = member_summary(user=request.user)
    if summary is None:
        # Staff and owner logins have no member archive: send them to their own pages.
        if request.user.has_perm("membership.use_counter"):
            return redirect("counter:home")
        return render(request, "portal/customer/no_member.html", status=404)
    member = summary.member
    return render(
        request,
        "portal/customer/dashboard.html",
        {
            "summary": summary,
            "member": member,
            "tier": member.tier,
            "benefits": tier_benefits(tier=member.tier),
            "next_booking": booking_next_for_member(member=member),
            "offers": offers_for_member(member=member),
        },
    )
