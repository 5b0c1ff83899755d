"""An offer's call to action: counted as a use of the offer, then on to the member card."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from membership.models import Member
from portal.content.models import OfferPage
from portal.content.selectors import offer_for_member
from portal.content.services import offer_use_record


@require_POST
@login_required
def offer_use(request, pk: int):
    member = Member.objects.filter(user=request.user).only("id", "tier_id").first()
    if member is None:
        if request.user.has_perm("membership.use_counter"):
            return redirect("counter:home")
        return render(request, "portal/customer/no_member.html", status=404)
    page = OfferPage.objects.live().select_related("locale").filter(pk=pk).first()
    offer = offer_for_member(member=member, offer=page) if page is not None else None
    if offer is None:
        messages.warning(request, _("This offer is not available to you right now."))
        return redirect("customer:dashboard")
    offer_use_record(member=member, offer=offer)
    return redirect("customer:card")
