from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from loyalty.selectors.coupons import coupons_best_for_member
from loyalty.selectors.dashboard import member_summary
from loyalty.selectors.tier_history import member_last_tier_change
from loyalty.selectors.tier_outlook import member_tier_outlook, tier_warning_due
from loyalty.selectors.tier_rules import tier_rules_cached
from membership.message_words import message_text
from membership.selectors.bookings import booking_next_for_member, visits_offered
from membership.selectors.messages import member_inbox_summary
from portal.content.selectors import offers_for_member
from portal.content.services import offer_views_record
from portal.member_page_cache import member_page
from portal.tier_words import tier_explanation

DASHBOARD_COUPONS = 2  # the best usable ones; the rest on My coupons


@require_GET
@login_required
def dashboard(request):
    return member_page(
        request,
        page="dashboard",
        member_id=getattr(request.user, "member_pk", None),
        build=lambda slots: _dashboard(request, slots),
    )


def _dashboard(request, slots: dict):
    rules = tier_rules_cached()  # the tiers, their rules and benefits
    tiers = rules.by_pk
    summary = member_summary(user=request.user, tiers=tiers)
    if summary is None:
        # Staff and owner logins have no member archive: send them to their own pages.
        if request.user.has_perm("membership.use_counter"):
            return redirect("counter:home")
        return render(request, "portal/customer/no_member.html", status=404)
    member = summary.member
    outlook = member_tier_outlook(member, rules=rules)
    explanation = tier_explanation(outlook) if outlook else None
    inbox = member_inbox_summary(member_id=member.pk)
    offers = offers_for_member(member=member)
    offer_views_record(member=member, offer_ids=[offer.deciding_id for offer in offers])
    return render(
        request,
        "portal/customer/dashboard.html",
        {
            "summary": summary,
            "member": member,
            "tier": member.tier,
            "benefits": rules.tier_benefits(member.tier),
            "explanation": explanation,
            "tier_warning": explanation is not None
            and explanation.moving_down
            and tier_warning_due(outlook.outlook.review_at),
            "last_change": member_last_tier_change(member, tiers=tiers),
            "next_booking": booking_next_for_member(member=member),
            "visits": visits_offered(),
            "offers": offers,
            "best_coupons": list(coupons_best_for_member(member)[:DASHBOARD_COUPONS]),
            "inbox_unread": inbox.unread,
            "inbox_newest": message_text(inbox.newest_unread) if inbox.newest_unread else None,
            **slots,
        },
    )
