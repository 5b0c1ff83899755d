"""The only place that talks to Stripe (through the official SDK)."""

import json
import re
from dataclasses import dataclass

import stripe
from django.conf import settings

from loyalty.conf import loyalty_settings
from loyalty.flows.online_topup import to_minor_units
from loyalty.models import OnlineTopUp, PackageSale


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def stripe_client() -> stripe.StripeClient:
    kwargs = {}
    if settings.STRIPE_API_BASE:  # tests and local fakes
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, max_network_retries=2, **kwargs)


def _session_create(
    *,
    reference: str,
    amount,
    code: str,
    metadata: dict[str, str],
    idempotency_key: str,
    success_url: str,
    cancel_url: str,
    product_name: str,
) -> CheckoutSession:
    session = stripe_client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "client_reference_id": reference,
            "metadata": metadata,
            "payment_method_types": loyalty_settings().payment_method_types,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": code.lower(),
                        "unit_amount": to_minor_units(amount, code),
                        "product_data": {"name": product_name},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": idempotency_key},
    )
    return CheckoutSession(id=session.id, url=session.url)


def checkout_session_create(
    *, top_up: OnlineTopUp, success_url: str, cancel_url: str, product_name: str
) -> CheckoutSession:
    return _session_create(
        reference=str(top_up.reference),
        amount=top_up.amount,
        code=top_up.currency,
        metadata={"top_up": str(top_up.reference), "member": str(top_up.member_id)},
        idempotency_key=f"top-up-session-{top_up.reference}",
        success_url=success_url,
        cancel_url=cancel_url,
        product_name=product_name,
    )


def package_checkout_session_create(
    *, sale: PackageSale, success_url: str, cancel_url: str, product_name: str
) -> CheckoutSession:
    """A Checkout Session for a pending package sale (its metadata is for people reading the
    Stripe dashboard: the webhook finds the sale by the session id stored on it)."""
    return _session_create(
        reference=str(sale.reference),
        amount=sale.amount_paid,
        code=sale.currency,
        metadata={
            "package_sale": str(sale.reference),
            "package": sale.package.code,
            "member": str(sale.member_id),
        },
        idempotency_key=f"package-session-{sale.reference}",
        success_url=success_url,
        cancel_url=cancel_url,
        product_name=product_name,
    )


class MalformedEvent(ValueError):
    """Correctly signed, but not shaped like a Stripe event the portal can read."""


# Stripe ids (evt_..., cs_..., pi_...): letters, digits, "_" and "-"; at most the columns' 255.
_STRIPE_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
_EVENT_TYPE = re.compile(r"[a-z0-9_.]{1,80}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_MINOR_UNITS_MAX = 10**15  # far above any real amount; keeps arithmetic on honest integers


def _check_id(value, name: str, *, optional: bool = False) -> None:
    if optional and value in (None, ""):
        return
    if not isinstance(value, str) or not _STRIPE_ID.fullmatch(value):
        raise MalformedEvent(f"{name} is not a Stripe id")


def _check_object(obj: dict) -> None:
    """The fields the loyalty services read, when present, have the types Stripe sends."""
    _check_id(obj.get("id"), "data.object.id", optional=True)
    intent = obj.get("payment_intent")
    _check_id(
        intent.get("id") if isinstance(intent, dict) else intent, "payment_intent", optional=True
    )
    for name in ("payment_status", "status"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise MalformedEvent(f"data.object.{name} is not text")
    code = obj.get("currency")
    if code not in (None, "") and not (isinstance(code, str) and _CURRENCY.fullmatch(code)):
        raise MalformedEvent("data.object.currency is not a currency code")
    for name in ("amount_total", "amount_refunded"):
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedEvent(f"data.object.{name} is not a whole number")
        if not 0 <= value <= _MINOR_UNITS_MAX:
            raise MalformedEvent(f"data.object.{name} is out of range")


def webhook_event(*, payload: bytes, signature: str) -> dict:
    """The verified event as a plain dict, checked for the shape the loyalty services read.

    Raises SignatureVerificationError, or ValueError (MalformedEvent included) for a payload
    that is not JSON or not an event: a signed payload is Stripe's, but still input.
    """
    stripe.WebhookSignature.verify_header(
        payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300
    )
    text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    event = json.loads(text)
    if not isinstance(event, dict):
        raise MalformedEvent("the event is not an object")
    _check_id(event.get("id"), "id")
    if not isinstance(event.get("type"), str) or not _EVENT_TYPE.fullmatch(event["type"]):
        raise MalformedEvent("type is not an event type")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedEvent("data.object is not an object")
    _check_object(data["object"])
    return event
