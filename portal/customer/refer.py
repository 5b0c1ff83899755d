"""Refer a friend: the member's code, their link (shared from the phone, or shown as a QR code
a friend scans) and how many friends joined and qualified; and the link itself, /r/<code>/,
which remembers the code and leads to sign-up."""

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from membership.models import Member
from membership.selectors.referrals import referral_counts, referrer_by_code
from membership.services.referrals import referral_code_ensure
from portal.accounts.forms import REFERRAL_SESSION_KEY


def referral_url(request, *, code: str) -> str:
    return request.build_absolute_uri(reverse("referral-link", kwargs={"code": code}))


def link_qr_svg(url: str) -> str:
    """The link as an SVG QR code (one path, no inline style: the CSP allows it)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


@require_GET
@login_required
def refer(request):
    member = Member.objects.select_related("tier").filter(user=request.user).first()
    if member is None:
        if request.user.has_perm("membership.use_counter"):
            return redirect("counter:home")
        return render(request, "portal/customer/no_member.html", status=404)
    code = referral_code_ensure(member=member)  # members from before referrals get one now
    link = referral_url(request, code=code)
    return render(
        request,
        "portal/customer/refer.html",
        {
            "member": member,
            "code": code,
            "link": link,
            "qr_svg": mark_safe(link_qr_svg(link)),  # noqa: S308 (drawn by qrcode from our URL)
            "counts": referral_counts(member=member),
        },
    )


@require_GET
@never_cache
def referral_link(request, code: str):
    """A friend's invitation: remember the code for the sign-up form and go there."""
    referrer = referrer_by_code(code=code)
    if request.user.is_authenticated:
        own = referrer is not None and referrer.user_id == request.user.pk
        if own:
            messages.info(request, _("This is your own invitation link: share it with friends."))
            return redirect("customer:refer")
        messages.info(request, _("You are already a member, so the invitation is not needed."))
        return redirect("customer:dashboard")
    if referrer is None:
        request.session.pop(REFERRAL_SESSION_KEY, None)
        messages.warning(
            request, _("This invitation link is not valid. You can still become a member.")
        )
        return redirect("account_signup")
    request.session[REFERRAL_SESSION_KEY] = referrer.referral_code
    return redirect("account_signup")
