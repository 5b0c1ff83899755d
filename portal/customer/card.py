"""The member's card page: a rotating QR code that keeps working offline once loaded.

The server sends the counter URL of the current step and of the next ``PREVIEW_STEPS`` steps
(an HMAC each, cheap); static/js/card.js draws the one for the phone's clock with the
qrcode-generator library served by the app, and the service worker (static/js/sw.js) keeps
the page and its scripts for when there is no signal at the counter. Drawing 61 codes on the
server cost a third of a second of CPU per visit.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from membership.models import Member
from membership.selectors.rows import one_or_none
from membership.services.cards import (
    CODE_STEP_SECONDS,
    PREVIEW_STEPS,
    card_codes,
    card_get_or_create,
    card_step,
)
from portal.member_page_cache import member_page


def card_url(request, *, member: Member, code: str) -> str:
    """The absolute counter URL a staff phone's camera app opens."""
    return request.build_absolute_uri(
        reverse("counter:verify", kwargs={"number": member.number, "code": code})
    )


def _card_urls(request, *, member: Member, codes: list[str]) -> list[str]:
    """``card_url`` for each code, reversed once: the code is the URL's last segment (digits,
    which a URL carries as they are)."""
    probe = "0" * len(codes[0]) if codes else ""
    suffix = f"{probe}/"
    template = card_url(request, member=member, code=probe)
    if not probe or not template.endswith(suffix):
        return [card_url(request, member=member, code=code) for code in codes]
    head = template[: -len(suffix)]
    return [f"{head}{code}/" for code in codes]


@require_GET
@login_required
@never_cache
def card(request):
    # A kept copy lives for the minute its first code is current.
    step = card_step()
    return member_page(
        request,
        page="card",
        member_id=getattr(request.user, "member_pk", None),
        build=lambda slots: _card(request, slots, step=step),
        extra=str(step),
        seconds=CODE_STEP_SECONDS,
    )


def _card(request, slots: dict, *, step: int):
    member = one_or_none(Member.objects.select_related("tier", "card").filter(user=request.user))
    if member is None:
        return render(request, "portal/customer/no_member.html", status=404)
    member_card = getattr(member, "card", None) or card_get_or_create(member=member)
    steps = card_codes(card=member_card, for_time=step * CODE_STEP_SECONDS, steps=PREVIEW_STEPS + 1)
    urls = _card_urls(request, member=member, codes=[c.code for c in steps])
    # Written here, not in a template loop: 61 elements a visit (the step is a number, the
    # URL escaped).
    codes = mark_safe(
        "\n".join(
            f'<div class="qr" data-step="{code.step:d}" data-payload="{escape(url)}"'
            f' data-testid="qr"{" hidden" if n else ""}></div>'
            for n, (code, url) in enumerate(zip(steps, urls, strict=True))
        )
    )
    return render(
        request,
        "portal/customer/card.html",
        {
            "member": member,
            "tier": member.tier,
            "codes": codes,
            "step_seconds": CODE_STEP_SECONDS,
            "tab": "card",
            **slots,
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
