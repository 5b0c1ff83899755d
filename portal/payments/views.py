import logging

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from loyalty.conf import stripe_enabled
from loyalty.flows.online_topup import (
    online_top_up_attach_session,
    online_top_up_begin,
    stripe_event_handle,
)
from loyalty.flows.package_sale import package_online_attach_session, package_online_begin
from loyalty.models import OnlineTopUp, PackageSale
from membership.models import Member

from .forms import PackageOnlineForm
from .stripe_gateway import (
    MalformedEvent,
    checkout_session_create,
    package_checkout_session_create,
    webhook_event,
)

logger = logging.getLogger(__name__)


def _member_or_404(request) -> Member:
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        raise Http404
    return member


@require_POST
@login_required
def top_up_start(request):
    """Start a Stripe Checkout for one of the owner's amounts and send the member there."""
    if not stripe_enabled():
        raise Http404
    member = _member_or_404(request)
    try:
        top_up = online_top_up_begin(member=member, amount=request.POST.get("amount", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("customer:wallet")
    base = request.build_absolute_uri("/")[:-1]
    try:
        session = checkout_session_create(
            top_up=top_up,
            success_url=base + reverse("payments:success") + "?ref=" + str(top_up.reference),
            cancel_url=base + reverse("payments:cancel") + "?ref=" + str(top_up.reference),
            product_name=_("Stored-value top-up"),
        )
    except stripe.StripeError:
        logger.exception("Stripe Checkout session could not be created")
        messages.error(request, _("Online payment is not reachable right now. Please try again."))
        return redirect("customer:wallet")
    online_top_up_attach_session(top_up=top_up, session_id=session.id)
    return redirect(session.url)


def _own_top_up(request) -> OnlineTopUp | None:
    reference = request.GET.get("ref", "")
    try:
        return OnlineTopUp.objects.filter(reference=reference, member__user=request.user).first()
    except ValidationError:
        return None


@require_GET
@login_required
def top_up_success(request):
    # The webhook credits; this page only says what is known so far.
    return render(
        request,
        "portal/customer/wallet_topup_result.html",
        {"top_up": _own_top_up(request), "outcome": "success", "tab": "wallet"},
    )


@require_GET
@login_required
def top_up_cancel(request):
    return render(
        request,
        "portal/customer/wallet_topup_result.html",
        {"top_up": _own_top_up(request), "outcome": "cancel", "tab": "wallet"},
    )


# --- a package bought online ---------------------------------------------------------------


@require_POST
@login_required
def package_start(request):
    """Record a pending purchase of a package on sale and send the member to Stripe Checkout.
    Nothing is granted here: only the verified webhook grants the package."""
    if not stripe_enabled():
        raise Http404
    member = _member_or_404(request)
    form = PackageOnlineForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("customer:packages")
    try:
        sale = package_online_begin(member=member, package=form.cleaned_data["package"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("customer:packages")
    base = request.build_absolute_uri("/")[:-1]
    query = "?ref=" + str(sale.reference)
    try:
        session = package_checkout_session_create(
            sale=sale,
            success_url=base + reverse("payments:package_success") + query,
            cancel_url=base + reverse("payments:package_cancel") + query,
            product_name=sale.package.display_name,
        )
    except stripe.StripeError:
        logger.exception("Stripe Checkout session could not be created")
        messages.error(request, _("Online payment is not reachable right now. Please try again."))
        return redirect("customer:packages")
    package_online_attach_session(sale=sale, session_id=session.id)
    return redirect(session.url)


def _own_sale(request) -> PackageSale | None:
    reference = request.GET.get("ref", "")
    try:
        return (
            PackageSale.objects.select_related("package")
            .filter(
                reference=reference, member__user=request.user, paid_by=PackageSale.PaidBy.ONLINE
            )
            .first()
        )
    except ValidationError:  # not a UUID
        return None


def _package_result(request, outcome: str):
    # The webhook grants; this page only says what is known so far.
    return render(
        request,
        "portal/customer/package_purchase_result.html",
        {"sale": _own_sale(request), "outcome": outcome, "tab": "wallet"},
    )


@require_GET
@login_required
def package_success(request):
    return _package_result(request, "success")


@require_GET
@login_required
def package_cancel(request):
    return _package_result(request, "cancel")


@csrf_exempt
@require_POST
def stripe_webhook(request):
    if not stripe_enabled():
        raise Http404
    try:
        event = webhook_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except MalformedEvent as error:
        logger.warning("Signed Stripe event refused: %s", error)
        return HttpResponseBadRequest("malformed event")
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest("invalid signature")
    outcome = stripe_event_handle(event=event)
    logger.info("Stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return HttpResponse(outcome, content_type="text/plain")
