"""The member panel: everything staff need about a member on one screen, and staff notes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.selectors.coupons import coupons_usable_for_member
from loyalty.selectors.dashboard import member_summary_by_number
from loyalty.selectors.packages import packages_for_member
from loyalty.selectors.tier_outlook import member_tier_outlook
from loyalty.selectors.tier_rules import tier_rules_cached
from membership.selectors.panel import (
    member_by_number,
    member_id_by_number,
    member_notes,
    member_panel,
)
from membership.selectors.tags import member_active_tags
from membership.services.access import LookupRateLimited
from membership.services.notes import member_note_create
from portal.counter.lookup import lookups_paused, open_member
from portal.member_page_cache import member_page
from portal.permissions import staff_required
from portal.tier_words import tier_explanation

NOTES_PAGE_SIZE = 20
PANEL_COUPONS = 10
PANEL_PACKAGES = 10


def _member_or_404(number: str):
    member = member_by_number(number=number)
    if member is None:
        raise Http404
    return member


@require_GET
@staff_required
def panel(request, number: str):
    # Counted and logged: a lookup limit per staff login, and who opened whom.
    try:
        opening = open_member(request, number)
    except LookupRateLimited as error:
        return lookups_paused(request, error)
    if opening.first:  # logged once a window: built, as the log needs the member
        return _panel(request, number, opening, {})
    return member_page(
        request,
        page="panel",
        member_id=lambda: member_id_by_number(number=number),
        build=lambda slots: _panel(request, number, opening, slots),
        ignored_params=("via",),
    )


def _panel(request, number: str, opening, slots: dict):
    rules = tier_rules_cached()  # the tiers and their rules
    summary = member_summary_by_number(number=number, tiers=rules.by_pk)
    if summary is None:
        raise Http404
    member = summary.member
    opening.record(member)
    outlook = member_tier_outlook(member, rules=rules)
    return render(
        request,
        "portal/counter/panel.html",
        {
            "member": member,
            "tier": member.tier,
            "summary": summary,
            "panel": member_panel(member=member),
            "coupons": list(coupons_usable_for_member(member)[:PANEL_COUPONS]),
            "packages": list(packages_for_member(member)[:PANEL_PACKAGES]),
            "tags": member_active_tags(member_id=member.pk),
            # Stage and value group as of the last recompute (None before the first).
            "segment": getattr(member, "segment", None),
            # The same words the member reads, so staff can say them.
            "explanation": tier_explanation(outlook) if outlook else None,
            **slots,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required
def notes(request, number: str):
    """GET: all notes, paginated. POST: add a note, then back to the panel."""
    try:
        opening = open_member(request, number)
    except LookupRateLimited as error:
        return lookups_paused(request, error)
    member = _member_or_404(number)
    opening.record(member)
    error = None
    if request.method == "POST":
        try:
            member_note_create(
                member=member, text=request.POST.get("text", ""), acting_user=request.user
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, _("Note saved."))
            return redirect("counter:member", number=member.number)
    page = Paginator(member_notes(member=member), NOTES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/counter/notes.html",
        {"member": member, "page": page, "error": error},
        status=400 if error else 200,
    )
