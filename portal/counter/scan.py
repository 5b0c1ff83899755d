"""Identify a member at the counter: the card's QR code (camera or barcode scanner) or a search."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from membership.selectors.search import member_search
from membership.services.cards import (
    CardCodeRefused,
    CardRateLimited,
    card_actor_key,
    card_parse_payload,
    card_verify,
)
from portal.permissions import staff_required

SEARCH_PAGE_SIZE = 20


def _scan_page(request, *, error=None, status=200, scanned=""):
    return render(
        request,
        "portal/counter/scan.html",
        {"error": error, "scanned": scanned},
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
    """What the barcode-scanner field (or the camera, for a foreign QR) submitted."""
    text = request.GET.get("code", "")
    parsed = card_parse_payload(text=text)
    if parsed is None:
        return _scan_page(request, error=CardCodeRefused().message, status=400)
    number, code = parsed
    return redirect(reverse("counter:verify", kwargs={"number": number, "code": code}))


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
            actor_key=card_actor_key(user=request.user, ip=request.META.get("REMOTE_ADDR", "")),
        )
    except CardRateLimited as error:
        return _scan_page(request, error=error.message, status=429)
    except CardCodeRefused as error:
        return _scan_page(request, error=error.message, status=400)
    return redirect("counter:member", number=member.number)


@require_GET
@staff_required
def search(request):
    query = request.GET.get("q", "").strip()
    page = Paginator(member_search(query=query), SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/counter/search.html",
        {"query": query, "page": page},
    )
