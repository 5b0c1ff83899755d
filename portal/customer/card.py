"""The member's card page: a rotating QR code that keeps working offline once loaded.

The server renders the QR code of the current step and of the next ``PREVIEW_STEPS`` steps;
static/js/card.js shows the one for the phone's clock, and the service worker (static/js/sw.js)
keeps the page for when there is no signal at the counter.
"""

import qrcode
import qrcode.constants
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from membership.models import Member
from membership.services.cards import (
    CODE_STEP_SECONDS,
    PREVIEW_STEPS,
    card_codes,
    card_get_or_create,
)


def qr_svg(data: str) -> SafeString:
    """An SVG QR code as a single stroked path, one segment per horizontal run of dark modules.

    About 2 KB for a card URL (a rect or a subpath per module would be four times that).
    """
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # booleans, quiet zone included
    parts = []
    for y, row in enumerate(matrix):
        x, pen = 0, None
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            # Absolute move at the start of a row, then relative moves along it.
            parts.append(
                f"M{start} {y}.5h{x - start}" if pen is None else f"m{start - pen} 0h{x - start}"
            )
            pen = x
    size = len(matrix)
    return mark_safe(  # built only from integers above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img"><rect width="{size}" height="{size}" '
        f'fill="#fff"/><path stroke="#000" d="{"".join(parts)}"/></svg>'
    )


def card_url(request, *, member: Member, code: str) -> str:
    """The absolute counter URL a staff phone's camera app opens."""
    return request.build_absolute_uri(
        reverse("counter:verify", kwargs={"number": member.number, "code": code})
    )


@require_GET
@login_required
@never_cache
@gzip_page  # ~60 similar SVG paths compress well; no reflected input on this page
def card(request):
    member = Member.objects.select_related("tier").filter(user=request.user).first()
    if member is None:
        return render(request, "portal/customer/no_member.html", status=404)
    member_card = card_get_or_create(member=member)
    codes = [
        {
            "step": c.step,
            "svg": qr_svg(card_url(request, member=member, code=c.code)),
        }
        for c in card_codes(card=member_card, steps=PREVIEW_STEPS + 1)
    ]
    return render(
        request,
        "portal/customer/card.html",
        {
            "member": member,
            "tier": member.tier,
            "codes": codes,
            "step_seconds": CODE_STEP_SECONDS,
            "tab": "card",
        },
    )


@require_GET
def service_worker(request):
    """static/js/sw.js served from the site root, so its scope covers /me/card/."""
    path = finders.find("js/sw.js")
    with open(path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
