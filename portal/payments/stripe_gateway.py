"""The only place that talks to Stripe (through the official SDK)."""

from dataclasses import dataclass

import stripe
from django.conf import settings

from loyalty.conf import loyalty_settings
from loyalty.models import OnlineTopUp
from loyalty.services.online_topup import to_minor_units


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def stripe_client() -> stripe.StripeClient:
    kwargs = {}
    if settings.STRIPE_API_BASE:  # tests and local fakes
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, max_network_retries=2, **kwargs)


def checkout_session_create(
    *, top_up: OnlineTopUp, success_url: str, cancel_url: str, product_name: str
) -> CheckoutSession:
    session = stripe_client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "client_reference_id": str(top_up.reference),
            "metadata": {"top_up": str(top_up.reference), "member": str(top_up.member_id)},
            "payment_method_types": loyalty_settings().payment_method_types,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": top_up.currency.lower(),
                        "unit_amount": to_minor_units(top_up.amount, top_up.currency),
                        "product_data": {"name": product_name},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": f"top-up-session-{top_up.reference}"},
    )
    return CheckoutSession(id=session.id, url=session.url)


def webhook_event(*, payload: bytes, signature: str) -> dict:
    """The verified event as a dict; raises ValueError or SignatureVerificationError."""
    event = stripe.Webhook.construct_event(
        payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300
    )
    return event.to_dict()
