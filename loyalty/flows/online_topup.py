"""Online top-up through Stripe Checkout: start, then settle from verified webhook events.

The webhook may deliver an event many times and in any order. Crediting is tied to the
OnlineTopUp row (locked) and to the wallet entry's idempotency key `stripe-session:<id>`,
so one paid session credits exactly once. This module never talks to Stripe; the portal's
payments app does and hands the verified event here as a plain dict.

A Checkout Session pays either a top-up or a package (loyalty.flows.package_sale). The event
is dispatched by the session id (or payment intent) stored on our own row, never by the
session's metadata: whatever an event claims, only a session we created can be credited, and
only for the row that created it. A package session is checked the same way (paid, not
expired or refunded, currency and amount) and granted once, keyed by the session id.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.conf import currency, currency_places, loyalty_settings, stripe_enabled
from loyalty.flows.package_sale import (
    package_online_credit,
    package_online_lock,
    package_online_refunded,
)
from loyalty.flows.top_up import top_up_refund, top_up_with_bonus
from loyalty.lock_objects import lock_member
from loyalty.models import OnlineTopUp, PackageSale, StripeEvent, TopUpMethod
from loyalty.services.wallet import validate_top_up_amount
from membership.models import Member


def to_minor_units(amount: Decimal, code: str) -> int:
    return int(amount.scaleb(currency_places(code)))


def from_minor_units(value: int, code: str) -> Decimal:
    return Decimal(int(value)).scaleb(-currency_places(code))


@transaction.atomic
def online_top_up_begin(*, member: Member, amount) -> OnlineTopUp:
    """Check the amount is one the owner offers and record the pending top-up."""
    if not stripe_enabled():
        raise ValidationError(_("Online top-up is not available."), code="disabled")
    amount = validate_top_up_amount(amount)
    if amount not in loyalty_settings().amount_choices:
        raise ValidationError({"amount": _("Choose one of the amounts offered.")}, code="choice")
    return OnlineTopUp.objects.create(member=member, amount=amount, currency=currency())


@transaction.atomic
def online_top_up_attach_session(*, top_up: OnlineTopUp, session_id: str) -> OnlineTopUp:
    locked = OnlineTopUp.objects.select_for_update().get(pk=top_up.pk)
    if locked.stripe_session_id and locked.stripe_session_id != session_id:
        raise ValidationError(_("This top-up already has a payment session."), code="session")
    locked.stripe_session_id = session_id
    if locked.status == OnlineTopUp.Status.CREATED:
        locked.status = OnlineTopUp.Status.OPEN
    locked.save(update_fields=["stripe_session_id", "status"])
    return locked


def _record_event(
    event: dict, *, session_id: str = "", payment_intent_id: str = ""
) -> tuple[StripeEvent, bool]:
    try:
        with transaction.atomic():
            return (
                StripeEvent.objects.create(
                    event_id=event["id"],
                    type=event.get("type", "")[:80],
                    session_id=session_id or "",
                    payment_intent_id=payment_intent_id or "",
                ),
                True,
            )
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"]), False


def _lock_top_up(**lookup) -> OnlineTopUp | None:
    """The online top-up, locked after its member (the one lock order for a member's money)."""
    member_id = OnlineTopUp.objects.filter(**lookup).values_list("member_id", flat=True).first()
    if member_id is None:
        return None
    lock_member(member_id)
    return OnlineTopUp.objects.select_for_update().filter(**lookup).first()


def _finish(record: StripeEvent, outcome: str) -> str:
    StripeEvent.objects.filter(pk=record.pk).update(outcome=outcome)
    return outcome


_NO_PAYMENT_KINDS = ("checkout.session.expired", "checkout.session.async_payment_failed")


def _refund_seen(payment_intent: str) -> bool:
    return bool(payment_intent) and (
        StripeEvent.objects.filter(
            type="charge.refunded", payment_intent_id=payment_intent
        ).exists()
    )


def _settle_package_session(
    *, kind: str, obj: dict, sale: PackageSale, session_id: str, payment_intent: str
) -> str:
    """The package twin of the top-up branch below: the same checks, then one grant."""
    if kind in _NO_PAYMENT_KINDS:
        if sale.status in (PackageSale.Status.CREATED, PackageSale.Status.OPEN):
            sale.status = PackageSale.Status.EXPIRED
            sale.save(update_fields=["status"])
        return "expired"
    if sale.status == PackageSale.Status.PAID:
        return "already_credited"
    if sale.status in (PackageSale.Status.REFUNDED, PackageSale.Status.EXPIRED):
        return f"no_credit_{sale.status}"
    if _refund_seen(payment_intent):
        sale.status = PackageSale.Status.REFUNDED
        sale.stripe_payment_intent_id = payment_intent
        sale.save(update_fields=["status", "stripe_payment_intent_id"])
        return "no_credit_refunded"
    if obj.get("payment_status") != "paid":
        return "awaiting_payment"
    code = (obj.get("currency") or "").upper()
    if code != sale.currency or obj.get("amount_total") != to_minor_units(sale.amount_paid, code):
        return "amount_mismatch"
    package_online_credit(sale=sale, session_id=session_id, payment_intent=payment_intent)
    return "credited"


def _settle_package_refund(*, obj: dict, sale: PackageSale, payment_intent: str) -> str:
    code = (obj.get("currency") or sale.currency).upper()
    refunded_total = from_minor_units(obj.get("amount_refunded") or 0, code)
    if refunded_total < sale.amount_paid and sale.status == PackageSale.Status.PAID:
        return "partial_refund_noted"  # the package stays: staff settle a partial refund
    return package_online_refunded(sale=sale, payment_intent=payment_intent)


@transaction.atomic
def stripe_event_handle(*, event: dict) -> str:
    """Apply a verified Stripe event; returns what happened (for logs and tests)."""
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    if kind in (
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.expired",
        "checkout.session.async_payment_failed",
    ):
        session_id = obj.get("id") or ""
        payment_intent = obj.get("payment_intent") or ""
        if isinstance(payment_intent, dict):
            payment_intent = payment_intent.get("id") or ""
        record, _new = _record_event(event, session_id=session_id, payment_intent_id=payment_intent)
        top_up = _lock_top_up(stripe_session_id=session_id) if session_id else None
        if top_up is None:
            sale = package_online_lock(stripe_session_id=session_id) if session_id else None
            if sale is None:
                return _finish(record, "unknown_session")
            return _finish(
                record,
                _settle_package_session(
                    kind=kind,
                    obj=obj,
                    sale=sale,
                    session_id=session_id,
                    payment_intent=payment_intent,
                ),
            )
        if kind in _NO_PAYMENT_KINDS:
            if top_up.status in (OnlineTopUp.Status.CREATED, OnlineTopUp.Status.OPEN):
                top_up.status = OnlineTopUp.Status.EXPIRED
                top_up.save(update_fields=["status"])
            return _finish(record, "expired")
        if top_up.status == OnlineTopUp.Status.PAID:
            return _finish(record, "already_credited")
        if top_up.status in (OnlineTopUp.Status.REFUNDED, OnlineTopUp.Status.EXPIRED):
            return _finish(record, f"no_credit_{top_up.status}")
        if (
            payment_intent
            and StripeEvent.objects.filter(
                type="charge.refunded", payment_intent_id=payment_intent
            ).exists()
        ):
            top_up.status = OnlineTopUp.Status.REFUNDED
            top_up.stripe_payment_intent_id = payment_intent
            top_up.save(update_fields=["status", "stripe_payment_intent_id"])
            return _finish(record, "no_credit_refunded")
        if obj.get("payment_status") != "paid":
            return _finish(record, "awaiting_payment")
        code = (obj.get("currency") or "").upper()
        if code != top_up.currency or obj.get("amount_total") != to_minor_units(
            top_up.amount, code
        ):
            return _finish(record, "amount_mismatch")
        result = top_up_with_bonus(
            member=top_up.member,
            amount=top_up.amount,
            method=TopUpMethod.ONLINE,
            idempotency_key=f"stripe-session:{session_id}",
            source_type="stripe_session",
            source_id=session_id,
        )
        top_up.status = OnlineTopUp.Status.PAID
        top_up.stripe_payment_intent_id = payment_intent
        top_up.wallet_entry = result.entry
        top_up.paid_at = timezone.now()
        top_up.save(update_fields=["status", "stripe_payment_intent_id", "wallet_entry", "paid_at"])
        return _finish(record, "credited")
    if kind == "charge.refunded":
        payment_intent = obj.get("payment_intent") or ""
        record, _new = _record_event(event, payment_intent_id=payment_intent)
        if not payment_intent:
            return _finish(record, "ignored")
        top_up = _lock_top_up(stripe_payment_intent_id=payment_intent)
        if top_up is None:
            sale = package_online_lock(stripe_payment_intent_id=payment_intent)
            if sale is not None:
                return _finish(
                    record,
                    _settle_package_refund(obj=obj, sale=sale, payment_intent=payment_intent),
                )
            # The refund arrived before the completion: remembered, so no credit later.
            return _finish(record, "refund_before_payment")
        if top_up.status == OnlineTopUp.Status.REFUNDED:
            return _finish(record, "already_refunded")
        if top_up.status != OnlineTopUp.Status.PAID or top_up.wallet_entry_id is None:
            top_up.status = OnlineTopUp.Status.REFUNDED
            top_up.save(update_fields=["status"])
            return _finish(record, "refunded_before_credit")
        code = (obj.get("currency") or top_up.currency).upper()
        refunded_total = from_minor_units(obj.get("amount_refunded") or 0, code)
        # Stripe reports the total refunded so far; take back only what is new.
        paid_back = sum(
            (
                lst or Decimal("0")
                for lst in top_up.wallet_entry.reversals.values_list("list_amount", flat=True)
            ),
            Decimal("0"),
        )
        delta = min(refunded_total, top_up.amount) - paid_back
        if delta <= 0:
            return _finish(record, "already_refunded")
        outcome = "refunded"
        try:
            top_up_refund(
                top_up_entry=top_up.wallet_entry,
                amount=delta,
                idempotency_key=f"stripe-refund:{payment_intent}:{refunded_total}",
                reason=_("Online top-up refunded"),
            )
        except ValidationError:
            outcome = "refund_not_covered"  # already spent: staff settle it by hand
        if refunded_total >= top_up.amount:
            top_up.status = OnlineTopUp.Status.REFUNDED
            top_up.save(update_fields=["status"])
        return _finish(record, outcome)
    record, _new = _record_event(event)
    return _finish(record, "ignored")
