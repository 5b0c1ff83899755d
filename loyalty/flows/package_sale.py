"""Selling a package: at the counter (cash, card or stored value), by the member from stored
value, or online through Stripe Checkout; then granted, recorded and (by an owner) refunded.

Every sale is a PackageSale row. A counter or stored-value sale writes the row, the payment
(stored value only), the member package, a PACKAGE_BOUGHT member event and, when staff sold
it, an audit row, all in one transaction under the member lock. An online sale starts as a
pending row; only the verified Stripe webhook (loyalty.flows.online_topup dispatches it here)
grants the package, once, keyed by the Checkout Session id.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.conf import currency, stripe_enabled
from loyalty.engine.ledger import stored_value_discount
from loyalty.lock_objects import lock_member
from loyalty.models import MemberPackage, Package, PackageSale
from loyalty.services._base import require_key
from loyalty.services.packages import package_grant, package_revoke
from loyalty.services.wallet import WalletPaymentResult, wallet_pay, wallet_refund
from membership.models import Member, MemberEvent, User
from membership.services.audit import audit_record
from membership.services.events import member_event_record

PaidBy = PackageSale.PaidBy
Status = PackageSale.Status
ZERO = Decimal("0.00")
COUNTER_PAID_BY = (PaidBy.CASH, PaidBy.CARD, PaidBy.STORED_VALUE)
SOURCE_TYPE = "package_sale"


@dataclass(frozen=True)
class PackagePurchaseResult:
    member_package: MemberPackage
    payment: WalletPaymentResult | None  # None when paid in cash, by card, online or free
    sale: PackageSale


@dataclass(frozen=True)
class PackageSaleQuote:
    """What a sale will cost, for the confirmation page (the flow charges the same)."""

    price: Decimal
    discount: Decimal
    discount_percent: Decimal
    due: Decimal


def package_sale_quote(*, member: Member, package: Package, paid_by: str) -> PackageSaleQuote:
    """The price, and the tier's stored-value discount when paid from stored value."""
    percent = ZERO
    if paid_by == PaidBy.STORED_VALUE and member.tier_id:
        percent = member.tier.stored_value_discount_percent or ZERO
    discount = stored_value_discount(list_amount=package.price, discount_percent=percent)
    return PackageSaleQuote(
        price=package.price,
        discount=discount,
        discount_percent=percent,
        due=package.price - discount,
    )


def _on_sale(package: Package) -> Package:
    """The package as it is now in the database: a stale form never sells a withdrawn one."""
    current = Package.objects.filter(pk=package.pk, is_active=True).first()
    if current is None:
        raise ValidationError(_("This package is no longer on sale."), code="inactive")
    return current


def _bought_event(sale: PackageSale) -> None:
    member_event_record(
        member_id=sale.member_id,
        kind=MemberEvent.Kind.PACKAGE_BOUGHT,
        source_type=SOURCE_TYPE,
        source_id=sale.pk,
        data={
            "package": sale.package.code,
            "price": str(sale.price),
            "paid": str(sale.amount_paid),
            "currency": sale.currency,
            "paid_by": sale.paid_by,
        },
    )


def _replayed(sale: PackageSale, *, member: Member, package: Package) -> PackagePurchaseResult:
    if sale.member_id != member.pk or sale.package_id != package.pk:
        raise ValidationError(
            _("This request key was already used for a different operation."), code="key_reused"
        )
    payment = WalletPaymentResult.from_entry(sale.wallet_entry) if sale.wallet_entry_id else None
    return PackagePurchaseResult(member_package=sale.member_package, payment=payment, sale=sale)


@transaction.atomic
def package_purchase(
    *,
    member: Member,
    package: Package,
    idempotency_key: str,
    paid_by: str = PaidBy.STORED_VALUE,
    acting_user: User | None = None,
) -> PackagePurchaseResult:
    """Buy a package: from stored value (with the tier's discount), or cash / card at the counter.

    A retry with the same key writes nothing and returns the sale the first call wrote.
    """
    key = require_key(idempotency_key)
    if paid_by not in COUNTER_PAID_BY:
        raise ValidationError({"paid_by": _("Choose cash, card or stored value.")}, code="paid_by")
    if paid_by != PaidBy.STORED_VALUE and acting_user is None:
        raise ValidationError(
            _("Only staff can record a package paid at the counter."), code="staff"
        )
    lock_member(member.pk)
    if (
        done := PackageSale.objects.select_related("member_package", "wallet_entry")
        .filter(idempotency_key=key)
        .first()
    ):
        return _replayed(done, member=member, package=package)
    package = _on_sale(package)
    quote = package_sale_quote(member=member, package=package, paid_by=paid_by)
    reference = uuid.uuid4()
    reason = _("Package %(name)s") % {"name": package.display_name}
    payment = None
    if paid_by == PaidBy.STORED_VALUE and package.price > 0:
        payment = wallet_pay(
            member=member,
            amount=package.price,
            idempotency_key=f"{key}:pay",
            source_type=SOURCE_TYPE,
            source_id=str(reference),
            acting_user=acting_user,
            reason=reason,
        )
    member_package = package_grant(
        member=member,
        package=package,
        idempotency_key=key,
        source_type=SOURCE_TYPE,
        source_id=str(reference),
        acting_user=acting_user,
    )
    now = timezone.now()
    sale = PackageSale.objects.create(
        reference=reference,
        member=member,
        package=package,
        price=package.price,
        amount_paid=payment.charged if payment else quote.due,
        currency=currency(),
        paid_by=paid_by,
        status=Status.PAID,
        member_package=member_package,
        wallet_entry=payment.entry if payment else None,
        acting_user=acting_user,
        idempotency_key=key,
        created_at=now,
        paid_at=now,
    )
    _bought_event(sale)
    if acting_user is not None:
        audit_record(
            actor=acting_user,
            action="package.sell",
            member=member,
            obj=sale,
            details={
                "package": package.code,
                "price": str(sale.price),
                "paid": str(sale.amount_paid),
                "paid_by": paid_by,
            },
        )
    return PackagePurchaseResult(member_package=member_package, payment=payment, sale=sale)


@transaction.atomic
def package_sale_refund(
    *, sale: PackageSale, acting_user: User, reason: str, idempotency_key: str
) -> PackageSale:
    """Undo a paid counter or stored-value sale: withdraw what is left of the package and give
    a stored-value payment back to the wallet (cash and card are paid back by hand). Audited.
    Online sales are refunded in Stripe; its refund event withdraws the package."""
    key = require_key(idempotency_key)
    lock_member(sale.member_id)
    locked = PackageSale.objects.select_for_update().get(pk=sale.pk)
    if locked.status == Status.REFUNDED:
        return locked
    if locked.status != Status.PAID or locked.paid_by == PaidBy.ONLINE:
        raise ValidationError(_("Only a paid counter sale can be refunded here."), code="status")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why (a few words).")}, code="reason")
    package_revoke(
        member_package=locked.member_package,
        idempotency_key=f"{key}:package",
        acting_user=acting_user,
    )
    if locked.wallet_entry_id:
        wallet_refund(
            payment_entry=locked.wallet_entry,
            idempotency_key=f"{key}:wallet",
            acting_user=acting_user,
            reason=_("Package sale refunded"),
        )
    locked.status = Status.REFUNDED
    locked.save(update_fields=["status"])
    audit_record(
        actor=acting_user,
        action="package.refund",
        member=locked.member,
        obj=locked,
        details={"reason": reason.strip()[:255], "paid_by": locked.paid_by},
    )
    return locked


# --- online (Stripe Checkout) ---------------------------------------------------------------


@transaction.atomic
def package_online_begin(*, member: Member, package: Package) -> PackageSale:
    """Record a pending online purchase of a package on sale (nothing is granted yet)."""
    if not stripe_enabled():
        raise ValidationError(_("Online payment is not available."), code="disabled")
    package = _on_sale(package)
    if package.price <= 0:
        raise ValidationError(_("This package is free: ask at the counter."), code="nothing_to_pay")
    return PackageSale.objects.create(
        member=member,
        package=package,
        price=package.price,
        amount_paid=package.price,
        currency=currency(),
        paid_by=PaidBy.ONLINE,
    )


@transaction.atomic
def package_online_attach_session(*, sale: PackageSale, session_id: str) -> PackageSale:
    locked = PackageSale.objects.select_for_update().get(pk=sale.pk)
    if locked.stripe_session_id and locked.stripe_session_id != session_id:
        raise ValidationError(_("This purchase already has a payment session."), code="session")
    locked.stripe_session_id = session_id
    if locked.status == Status.CREATED:
        locked.status = Status.OPEN
    locked.save(update_fields=["stripe_session_id", "status"])
    return locked


def package_online_lock(**lookup) -> PackageSale | None:
    """The online sale, locked after its member (the one lock order for a member's money)."""
    member_id = (
        PackageSale.objects.filter(paid_by=PaidBy.ONLINE, **lookup)
        .values_list("member_id", flat=True)
        .first()
    )
    if member_id is None:
        return None
    lock_member(member_id)
    return (
        PackageSale.objects.select_for_update()
        .select_related("package")
        .filter(paid_by=PaidBy.ONLINE, **lookup)
        .first()
    )


def package_online_credit(*, sale: PackageSale, session_id: str, payment_intent: str) -> None:
    """Grant a paid online sale (call with the sale locked, after the webhook's checks)."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("Credit inside the webhook's transaction.")
    member_package = package_grant(
        member=sale.member,
        package=sale.package,
        idempotency_key=f"stripe-session:{session_id}",
        source_type=SOURCE_TYPE,
        source_id=str(sale.reference),
    )
    sale.status = Status.PAID
    sale.member_package = member_package
    sale.stripe_payment_intent_id = payment_intent
    sale.paid_at = timezone.now()
    sale.save(update_fields=["status", "member_package", "stripe_payment_intent_id", "paid_at"])
    _bought_event(sale)


def package_online_refunded(*, sale: PackageSale, payment_intent: str) -> str:
    """Stripe refunded an online sale in full: withdraw what is left of its package."""
    if sale.status == Status.REFUNDED:
        return "already_refunded"
    if sale.status != Status.PAID or sale.member_package_id is None:
        sale.status = Status.REFUNDED
        sale.save(update_fields=["status"])
        return "refunded_before_credit"
    package_revoke(
        member_package=sale.member_package, idempotency_key=f"stripe-refund:{payment_intent}"
    )
    sale.status = Status.REFUNDED
    sale.save(update_fields=["status"])
    return "package_withdrawn"


__all__ = [
    "PackagePurchaseResult",
    "PackageSaleQuote",
    "package_online_attach_session",
    "package_online_begin",
    "package_online_credit",
    "package_online_lock",
    "package_online_refunded",
    "package_purchase",
    "package_sale_quote",
    "package_sale_refund",
]
