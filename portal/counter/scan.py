"""Identify a member at the counter: the card's QR code (camera or barcode scanner), a member
number or phone number typed into the same field, or a search.

Everything but a card scan is a lookup: counted against the staff login's limit, and the
member opened is logged (portal/counter/lookup.py).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from membership.models import MemberAccessLog
from membership.selectors.search import member_by_number_or_phone, member_search, typed_phone
from membership.services.access import LookupRateLimited, lookup_take
from membership.services.cards import (
    CardCodeRefused,
    CardRateLimited,
    card_actor_key,
    card_parse_payload,
    card_verify,
)
from portal.accounts.client_ip import client_ip
from portal.counter.lookup import lookups_paused, remember_opening
from portal.counter.search_forms import MemberSearchForm
from portal.permissions import staff_required

SEARCH_PAGE_SIZE = 20
# What a scanner or a person types: a card URL is well under this.
SCAN_TEXT_MAX = 200


def _scan_page(request, *, error=None, status=200, query="", offer_lookup=False):
    return render(
        request,
        "portal/counter/scan.html",
        {"error": error, "query": query, "offer_lookup": offer_lookup},
        status=status,
    )


@require_GET
@staff_required
def home(request):
    """The counter's landing page: scan a card or look a member up."""
    return render(request, "portal/counter/home.html")


@require_GET
@staff_required
@never_cache
def scan(request):
    """What the scanner field submitted: a card code (scanner, or the camera for a foreign QR),
    or a member number or phone number typed by hand."""
    text = request.GET.get("code", "").strip()
    # "139 1234 5678" would also read as a number and a code: a whole phone number wins.
    readable = len(text) <= SCAN_TEXT_MAX and typed_phone(text=text) is None
    parsed = card_parse_payload(text=text) if readable else None
    if parsed is not None:
        number, code = parsed
        return redirect(reverse("counter:verify", kwargs={"number": number, "code": code}))
    if len(text) > SCAN_TEXT_MAX or "\x00" in text or not any(c.isdigit() for c in text):
        return _scan_page(request, error=CardCodeRefused().message, status=400)
    try:
        lookup_take(staff=request.user)
    except LookupRateLimited as error:
        return lookups_paused(request, error)
    found = member_by_number_or_phone(text=text)
    if found is None:
        error = _(
            "No member has this member number or phone number. "
            "Check it, or search for part of it below."
        )
        return _scan_page(request, error=error, status=404, query=text[:80], offer_lookup=True)
    member, how = found
    remember_opening(request, number=member.number, how=how)
    return redirect("counter:member", number=member.number)


@require_GET
@staff_required
@never_cache
def verify(request, number: str, code: str):
    """The URL in the member's QR code: check the code, then open the member's panel.

    Staff are checked first (a member scanning someone else's card gets 403 and learns
    nothing); every refusal shows the same message.
    """
    try:
        member = card_verify(
            number=number,
            code=code,
            actor_key=card_actor_key(user=request.user, ip=client_ip(request)),
        )
    except CardRateLimited as error:
        # Never a dead end: the member can still be looked up by phone number.
        return _scan_page(request, error=error.message, status=429, offer_lookup=True)
    except CardCodeRefused as error:
        return _scan_page(request, error=error.message, status=400)
    remember_opening(request, number=member.number, how=MemberAccessLog.How.SCAN)
    return redirect("counter:member", number=member.number)


@require_GET
@staff_required
def search(request):
    form = MemberSearchForm(request.GET)
    if not form.is_valid():  # NUL bytes or an overlong query never reach the database
        for error in form.errors["q"]:
            messages.error(request, error)
        return render(request, "portal/counter/search.html", {"query": ""}, status=400)
    query = form.cleaned_data["q"]
    if query:
        try:
            lookup_take(staff=request.user)
        except LookupRateLimited as error:
            return lookups_paused(request, error)
    page = Paginator(member_search(query=query), SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/counter/search.html",
        {"query": query, "page": page},
    )
