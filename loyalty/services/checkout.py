"""Checkout at the counter: one order, its payments, coupon, package and points, all or nothing.

``checkout_quote`` prices an order without writing (the confirmation page shows it);
``checkout_order`` writes it in one transaction by composing the order, coupon, package,
wallet and points services; ``order_refund`` / ``order_void`` undo all of it. Each staff
action writes an audit row.

These are flows (the layer above the single-ledger services, see loyalty.flows): they lock
the member row first, then let each ledger service lock its own accounts.

How an order is priced:
1. subtotal = the lines;
2. a package entitlement covers items of its category (their unit price × uses);
3. a coupon takes its value off what is left, as loyalty.engine.coupons decides (minimum
   spend, category scope, free item, validity, uses) for the quote and the redemption alike;
4. points may pay part of the amount due, as the owner allows (loyalty.engine.points_payment:
   a rate, a largest share of the amount due, a minimum; their value is rounded down to the
   cent), never more than the member's spendable balance;
5. the rest is split between stored value, cash and card and must add up exactly;
6. the stored-value part gets the tier's discount (the member pays less from the balance);
7. points are earned on the money actually paid (stored value charged, cash, card), with the
   tier's multiplier: the part paid with points earns none.

A refund or void gives the points used as payment back (a reversal entry pointing at the
redemption) before it takes back the points earned, so points earned on the order and spent
since are taken from the returned ones first.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.conf import loyalty_settings
from loyalty.engine import ledger as engine
from loyalty.engine.coupons import CouponLine
from loyalty.engine.points_payment import PointsPaymentCap, points_payment_cap, points_value
from loyalty.lock_objects import lock_member
from loyalty.models import (
    CouponEvent,
    Entitlement,
    EntitlementEntry,
    EntryKind,
    MemberCoupon,
    PointsEntry,
    WalletAccount,
    WalletEntry,
)
from loyalty.selectors.points_spending import points_payment_rule, points_spendable
from membership.limits import order_amount_check
from membership.models import Member, Order, Store, User
from membership.selectors.orders import order_by_key
from membership.selectors.roles import user_role_flags
from membership.services.audit import audit_record
from membership.services.orders import (
    GarmentIntake,
    OrderLineInput,
    OrderSettlement,
    order_lines_validate,
    order_mark_cancelled,
    order_record,
)

from ._base import parse_money, require_key
from .coupons import coupon_check, coupon_redeem, coupon_refusal_message, coupon_release
from .packages import package_consume, package_consume_reverse
from .points import points_earn, points_for_purchase, points_redeem, points_reverse
from .tier_review import tier_promote_on_order
from .wallet import wallet_pay, wallet_refund

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
ORDER_SOURCE = "order"


@dataclass(frozen=True)
class PaymentSplit:
    """How the amount due is paid. ``stored_value`` is the list-price part paid from the
    balance; the member is charged that less the tier's discount. ``points`` are spent as
    payment; what they are worth is the rest of the amount due."""

    stored_value: Decimal = ZERO
    cash: Decimal = ZERO
    card: Decimal = ZERO
    points: int = 0

    @property
    def total(self) -> Decimal:
        """The money parts (the points' value comes on top)."""
        return self.stored_value + self.cash + self.card


@dataclass(frozen=True)
class CheckoutPrice:
    """The order before payment: subtotal, what the package and coupon take off, what is due."""

    subtotal: Decimal
    package_uses: int = 0
    package_discount: Decimal = ZERO
    package_label: str = ""
    coupon_discount: Decimal = ZERO
    coupon_label: str = ""
    coupon_base: Decimal = ZERO  # what the coupon's minimum spend is checked against
    coupon_lines: tuple[CouponLine, ...] = ()  # the order as the coupon sees it

    @property
    def due(self) -> Decimal:
        return self.subtotal - self.package_discount - self.coupon_discount


@dataclass(frozen=True)
class CheckoutQuote:
    price: CheckoutPrice
    payments: PaymentSplit
    tier_discount_percent: Decimal
    tier_discount: Decimal
    wallet_charged: Decimal
    wallet_balance: Decimal
    points: int
    warnings: list[str] = field(default_factory=list)
    points_redeemed: int = 0  # points spent as payment
    points_amount: Decimal = ZERO  # what they pay
    points_cap: PointsPaymentCap | None = None  # the most points this order can take

    @property
    def paid(self) -> Decimal:
        """Money paid (what points are earned on)."""
        return self.wallet_charged + self.payments.cash + self.payments.card

    @property
    def total_paid(self) -> Decimal:
        """Money and points: the order's total."""
        return self.paid + self.points_amount

    @property
    def discount(self) -> Decimal:
        return self.price.package_discount + self.price.coupon_discount + self.tier_discount

    @property
    def wallet_balance_after(self) -> Decimal:
        return self.wallet_balance - self.wallet_charged

    def settlement(self) -> OrderSettlement:
        return OrderSettlement(
            coupon_discount=self.price.coupon_discount,
            coupon_label=self.price.coupon_label,
            package_discount=self.price.package_discount,
            package_label=self.price.package_label,
            package_uses=self.price.package_uses,
            tier_discount_percent=self.tier_discount_percent,
            tier_discount=self.tier_discount,
            wallet_amount=self.wallet_charged,
            cash_amount=self.payments.cash,
            card_amount=self.payments.card,
            points_earned=self.points,
            points_redeemed=self.points_redeemed,
            points_amount=self.points_amount,
        )


def _money(value, field_name: str) -> Decimal:
    return parse_money(value, field=field_name, allow_zero=True)


def _payments(payments: PaymentSplit) -> PaymentSplit:
    points = payments.points
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        raise _points_error(
            _("Enter the points to use as a whole number, 0 or more."), code="invalid"
        )
    return PaymentSplit(
        stored_value=_money(payments.stored_value, "stored_value"),
        cash=_money(payments.cash, "cash"),
        card=_money(payments.card, "card"),
        points=points,
    )


def checkout_points_cap(*, member: Member, due: Decimal) -> PointsPaymentCap:
    """The most points this member can pay this amount due with, and what they are worth."""
    return points_payment_cap(
        due=due, balance=points_spendable(member=member), rule=points_payment_rule()
    )


def checkout_points_value(*, points: int) -> Decimal:
    """What `points` pay at the owner's rate (rounded down to the cent)."""
    return points_value(points=points, rate=points_payment_rule().rate) if points > 0 else ZERO


def _points_error(message: str, *, code: str) -> ValidationError:
    return ValidationError({"points": ValidationError(message, code=code)})


def _points_payment(*, points: int, cap: PointsPaymentCap) -> Decimal:
    """The value of `points` spent as payment, or ValidationError saying why not."""
    if points == 0:
        return ZERO
    rule = cap.rule
    if not rule.enabled:
        raise _points_error(_("Paying with points is turned off."), code="points_off")
    if points < rule.minimum:
        raise _points_error(
            _("Use at least %(minimum)d points at a time.") % {"minimum": rule.minimum},
            code="points_minimum",
        )
    if points > cap.balance:
        raise _points_error(
            _("The member has %(balance)d points to spend; %(points)d were entered.")
            % {"balance": cap.balance, "points": points},
            code="not_enough_points",
        )
    if points > cap.max_points:
        raise _points_error(
            _(
                "At most %(max)d points can pay this order (%(percent)d%% of the amount due, "
                "%(share)s)."
            )
            % {"max": cap.max_points, "percent": rule.max_percent, "share": cap.share_amount},
            code="points_above_share",
        )
    amount = points_value(points=points, rate=rule.rate)
    if amount <= 0:
        raise _points_error(
            _("%(points)d points are worth less than one cent.") % {"points": points},
            code="points_too_few",
        )
    return amount


def _lines_after_package(
    lines: list[OrderLineInput], *, category_id: int | None, uses: int, discount: Decimal
) -> tuple[CouponLine, ...]:
    """The order as a coupon sees it: what the package covers is already paid for."""
    rest = [
        CouponLine(category_id=line.category.pk, quantity=line.quantity, amount=line.amount)
        for line in lines
        if line.category.pk != category_id
    ]
    if category_id is not None:
        covered = [line for line in lines if line.category.pk == category_id]
        quantity = sum(line.quantity for line in covered) - uses
        amount = sum((Decimal(line.amount) for line in covered), ZERO) - discount
        if quantity > 0 and amount > 0:
            rest.append(CouponLine(category_id=category_id, quantity=quantity, amount=amount))
    return tuple(rest)


def checkout_price(
    *,
    member: Member,
    lines: list[OrderLineInput],
    coupon: MemberCoupon | None = None,
    package_entitlement: Entitlement | None = None,
) -> CheckoutPrice:
    """Subtotal, package cover and coupon discount, validated; writes nothing."""
    subtotal = order_lines_validate(lines=lines)
    # Within the per-order bound for the owner's points rule, so points can never overflow.
    order_amount_check(amount=subtotal, points_per_unit=loyalty_settings().points_per_currency_unit)
    package_uses, package_discount, package_label = 0, ZERO, ""
    if package_entitlement is not None:
        entitlement = (
            Entitlement.objects.select_related("member_package__package", "category")
            .filter(pk=package_entitlement.pk, member=member)
            .first()
        )
        if entitlement is None:
            raise ValidationError(
                {"package": _("This package belongs to another member.")}, code="not_yours"
            )
        now = timezone.now()
        if entitlement.remaining <= 0 or (
            entitlement.expires_at is not None and entitlement.expires_at <= now
        ):
            raise ValidationError(
                {"package": _("This package has nothing left to use.")}, code="nothing_left"
            )
        covered = [line for line in lines if line.category.pk == entitlement.category_id]
        if not covered:
            raise ValidationError(
                {
                    "package": _("The package covers %(service)s, which is not in this order.")
                    % {"service": entitlement.category.display_name}
                },
                code="not_in_order",
            )
        quantity = sum(line.quantity for line in covered)
        amount = sum((Decimal(line.amount) for line in covered), ZERO)
        package_uses = min(quantity, entitlement.remaining)
        if package_uses == quantity:
            package_discount = amount
        else:
            package_discount = (amount * package_uses / quantity).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        package_name = entitlement.member_package.package.display_name
        package_label = f"{package_name} · {entitlement.category.display_name} × {package_uses}"
    coupon_lines = _lines_after_package(
        lines,
        category_id=package_entitlement.category_id if package_uses else None,
        uses=package_uses,
        discount=package_discount,
    )
    coupon_base = subtotal - package_discount
    coupon_discount, coupon_label = ZERO, ""
    if coupon is not None:
        coupon = (
            MemberCoupon.objects.select_related("template", "free_category", "scope_category")
            .filter(pk=coupon.pk)
            .first()
        )
        if coupon is None or coupon.member_id != member.pk:
            raise ValidationError(
                {"coupon": _("This coupon belongs to another member.")}, code="not_yours"
            )
        decision = coupon_check(coupon=coupon, lines=coupon_lines, now=timezone.now())
        if not decision.applicable:
            raise ValidationError(
                {"coupon": coupon_refusal_message(coupon=coupon, decision=decision)},
                code=decision.reason.value,
            )
        coupon_discount = decision.discount
        coupon_base = decision.base
        coupon_label = str(coupon.template)
    return CheckoutPrice(
        subtotal=subtotal,
        package_uses=package_uses,
        package_discount=package_discount,
        package_label=package_label,
        coupon_discount=coupon_discount,
        coupon_label=coupon_label,
        coupon_base=coupon_base,
        coupon_lines=coupon_lines,
    )


def _tier_percent(member: Member) -> Decimal:
    if member.tier_id is None:
        return ZERO
    return member.tier.stored_value_discount_percent


def checkout_quote(
    *,
    member: Member,
    lines: list[OrderLineInput],
    payments: PaymentSplit,
    coupon: MemberCoupon | None = None,
    package_entitlement: Entitlement | None = None,
) -> CheckoutQuote:
    """Everything the confirmation page shows, validated exactly as checkout will; writes nothing."""
    price = checkout_price(
        member=member, lines=lines, coupon=coupon, package_entitlement=package_entitlement
    )
    payments = _payments(payments)
    cap = checkout_points_cap(member=member, due=price.due)
    points_amount = _points_payment(points=payments.points, cap=cap)
    if payments.total + points_amount != price.due:
        if points_amount:
            raise ValidationError(
                _(
                    "The payments (%(paid)s) and the points (%(points)s) must add up to the "
                    "amount due (%(due)s)."
                )
                % {"paid": payments.total, "points": points_amount, "due": price.due},
                code="does_not_add_up",
            )
        raise ValidationError(
            _("The payments (%(paid)s) must add up to the amount due (%(due)s).")
            % {"paid": payments.total, "due": price.due},
            code="does_not_add_up",
        )
    percent = _tier_percent(member)
    tier_discount = engine.stored_value_discount(
        list_amount=payments.stored_value, discount_percent=percent
    )
    charged = payments.stored_value - tier_discount
    if payments.stored_value > 0 and charged <= 0:
        raise ValidationError(
            {"stored_value": _("There is nothing to pay from stored value.")},
            code="nothing_to_pay",
        )
    account = WalletAccount.objects.filter(member=member).first()
    balance = account.balance if account else ZERO
    if charged > balance:
        raise ValidationError(
            {
                "stored_value": _(
                    "Not enough stored value: the balance is %(balance)s and %(charged)s is due."
                )
                % {"balance": balance, "charged": charged}
            },
            code="insufficient",
        )
    paid = charged + payments.cash + payments.card
    points = points_for_purchase(member=member, base_amount=paid) if paid > 0 else 0
    return CheckoutQuote(
        price=price,
        payments=payments,
        tier_discount_percent=percent if payments.stored_value > 0 else ZERO,
        tier_discount=tier_discount,
        wallet_charged=charged,
        wallet_balance=balance,
        points=points,
        points_redeemed=payments.points,
        points_amount=points_amount,
        points_cap=cap,
    )


def _changed() -> ValidationError:
    return ValidationError(
        _("Prices or balances changed while you were checking out. Review the order again."),
        code="changed",
    )


def _key(order: Order, part: str) -> str:
    return f"order:{order.number}:{part}"


def _existing_order(key: str, member: Member) -> Order | None:
    order = order_by_key(idempotency_key=key)
    if order is not None and order.member_id != member.pk:
        raise ValidationError(
            _("This request key was already used for a different operation."), code="key_reused"
        )
    return order


@transaction.atomic
def checkout_order(
    *,
    member: Member,
    store: Store,
    lines: list[OrderLineInput],
    payments: PaymentSplit,
    coupon: MemberCoupon | None = None,
    package_entitlement: Entitlement | None = None,
    is_express: bool = False,
    needs_pickup_delivery: bool = False,
    acting_user: User,
    idempotency_key: str,
    now: datetime | None = None,
    intake: GarmentIntake | None = None,
) -> Order:
    """Record an order and settle it in one transaction; a failure anywhere writes nothing.

    Without `intake` it is an instant counter sale (handed over at once); with it, clothes
    taken in and paid now, to be cleaned and given back by the due date.
    The same ``idempotency_key`` (a double-submitted form) returns the order already recorded.
    ``now`` dates the order and its ledger entries (the demo's history, an import).
    """
    key = require_key(idempotency_key)
    lock_member(member.pk)  # first, before any row that references the member is written
    if existing := _existing_order(key, member):
        return existing
    member = Member.objects.select_related("tier").get(pk=member.pk)
    quote = checkout_quote(
        member=member,
        lines=lines,
        payments=payments,
        coupon=coupon,
        package_entitlement=package_entitlement,
    )
    try:
        order = order_record(
            member=member,
            store=store,
            lines=lines,
            is_express=is_express,
            needs_pickup_delivery=needs_pickup_delivery,
            settlement=quote.settlement(),
            acting_user=acting_user,
            idempotency_key=key,
            now=now,
            intake=intake,
        )
    except IntegrityError:
        # The same form was submitted twice at once: the other request recorded the order.
        if existing := _existing_order(key, member):
            return existing
        raise
    checkout_settle(
        order=order,
        member=member,
        quote=quote,
        coupon=coupon,
        package_entitlement=package_entitlement,
        acting_user=acting_user,
        action="order.checkout",
        now=now,
    )
    return order


def checkout_settle(
    *,
    order: Order,
    member: Member,
    quote: CheckoutQuote,
    coupon: MemberCoupon | None,
    package_entitlement: Entitlement | None,
    acting_user: User,
    action: str,
    now: datetime | None = None,
) -> None:
    """Move the money of an order just settled with `quote`: package uses, coupon, stored
    value, points paid with and earned, a tier promotion on the order, and the audit row.

    The one place money moves for an order, whether it is paid at the counter at once
    (checkout_order) or on collection (loyalty.flows.garment_orders). The caller holds the
    member lock and has written the order's settlement in this transaction; every entry's
    key is the order's, so nothing is written twice for one order.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("Settle an order inside its transaction.")
    source = {"source_type": ORDER_SOURCE, "source_id": order.number}
    for use in range(quote.price.package_uses):
        package_consume(
            member=member,
            entitlement=package_entitlement,
            idempotency_key=_key(order, f"package:{use}"),
            acting_user=acting_user,
            now=now,
            **source,
        )
    if coupon is not None:
        redemption = coupon_redeem(
            coupon=coupon,
            lines=quote.price.coupon_lines,
            idempotency_key=_key(order, "coupon"),
            acting_user=acting_user,
            now=now,
            **source,
        )
        if redemption.discount != quote.price.coupon_discount:
            raise _changed()
    if quote.payments.stored_value > 0:
        payment = wallet_pay(
            member=member,
            amount=quote.payments.stored_value,
            idempotency_key=_key(order, "wallet"),
            acting_user=acting_user,
            reason=_("Order %(number)s") % {"number": order.number},
            now=now,
            **source,
        )
        if payment.discount != quote.tier_discount or payment.charged != quote.wallet_charged:
            raise _changed()
    if quote.points_redeemed > 0:
        spent = points_redeem(
            member=member,
            points=quote.points_redeemed,
            idempotency_key=_key(order, "points-redeem"),
            acting_user=acting_user,
            reason=_("Paid for order %(number)s") % {"number": order.number},
            now=now,
            **source,
        )
        if spent.amount != -quote.points_redeemed:
            raise _changed()
    if quote.paid > 0:
        earned = points_earn(
            member=member,
            base_amount=quote.paid,
            idempotency_key=_key(order, "points"),
            acting_user=acting_user,
            reason=_("Order %(number)s") % {"number": order.number},
            now=now,
            **source,
        )
        if (earned.amount if earned else 0) != quote.points:
            raise _changed()
    # Right after the order, under the member lock: a tier that promotes on the order.
    tier_promote_on_order(
        member_id=member.pk,
        order_number=order.number,
        at=order.created_at + timedelta(microseconds=1),
    )
    audit_record(
        actor=acting_user,
        action=action,
        member=member,
        obj=order,
        object_id=order.number,
        details={
            "subtotal": str(order.subtotal),
            "package": str(order.package_discount),
            "coupon": str(order.coupon_discount),
            "tier_discount": str(order.tier_discount),
            "stored_value": str(order.wallet_amount),
            "cash": str(order.cash_amount),
            "card": str(order.card_amount),
            "points": order.points_earned,
            "points_redeemed": order.points_redeemed,
            "points_amount": str(order.points_amount),
        },
    )


def _reverse_settlement(*, order: Order, acting_user: User, reason: str) -> dict:
    """Give back stored value and the points paid with, take back the points earned, release
    the coupon and package uses."""
    source = {"source_type": ORDER_SOURCE, "source_id": order.number}
    done: dict = {
        "stored_value": "0.00",
        "points": 0,
        "points_returned": 0,
        "coupon": False,
        "package_uses": 0,
    }
    for payment in WalletEntry.objects.filter(kind=EntryKind.PAY, **source).order_by("pk"):
        refund = wallet_refund(
            payment_entry=payment,
            idempotency_key=_key(order, f"refund:wallet:{payment.pk}"),
            acting_user=acting_user,
            reason=reason,
        )
        done["stored_value"] = str(Decimal(done["stored_value"]) + refund.amount)
    # Points paid with go back first, so points earned here and spent since come out of them.
    for spent in PointsEntry.objects.filter(kind=EntryKind.REDEEM, **source).order_by("pk"):
        given_back = points_reverse(
            entry=spent,
            idempotency_key=_key(order, f"refund:points-redeem:{spent.pk}"),
            acting_user=acting_user,
            reason=reason,
        )
        done["points_returned"] += given_back.amount if given_back else 0
    for earned in PointsEntry.objects.filter(kind=EntryKind.EARN, **source).order_by("pk"):
        reversal = points_reverse(
            entry=earned,
            idempotency_key=_key(order, f"refund:points:{earned.pk}"),
            acting_user=acting_user,
            reason=reason,
        )
        done["points"] += -reversal.amount if reversal else 0
    for redemption in CouponEvent.objects.filter(
        kind=CouponEvent.Kind.REDEEM, **source
    ).select_related("coupon"):
        coupon_release(
            coupon=redemption.coupon,
            redemption=redemption,
            idempotency_key=_key(order, f"refund:coupon:{redemption.pk}"),
            acting_user=acting_user,
            reason=reason,
        )
        done["coupon"] = True
    for use in EntitlementEntry.objects.filter(kind=EntryKind.USE, **source).order_by("pk"):
        package_consume_reverse(
            entry=use,
            idempotency_key=_key(order, f"refund:package:{use.pk}"),
            acting_user=acting_user,
        )
        done["package_uses"] += 1
    return done


def order_can_cancel(*, order: Order, user: User) -> bool:
    """The chain rule: staff serve members at any store but refund or void only their own
    store's orders; the owner (back office) may cancel any order. The same rule says who
    moves an order's clothes along and collects them (loyalty.flows.garment_orders)."""
    if user_role_flags(user=user).back_office:
        return True
    return user.store_id is not None and user.store_id == order.store_id


def _cancel(*, order: Order, status: str, reason: str, acting_user: User) -> Order:
    if not order_can_cancel(order=order, user=acting_user):
        raise ValidationError(
            _("Only staff of the store that took this order, or the owner, can refund or void it."),
            code="other_store",
        )
    lock_member(order.member_id)  # the lock order: member, then the order, then the accounts
    was_unpaid = order.status == Order.Status.UNPAID
    order = order_mark_cancelled(order=order, status=status, reason=reason, acting_user=acting_user)
    if was_unpaid:
        # Taken in to be paid on collection and never paid: no money or points moved.
        audit_record(
            actor=acting_user,
            action=f"order.{status}",
            member=order.member,
            obj=order,
            object_id=order.number,
            details={"reason": order.cancel_reason, "unpaid": True},
        )
        return order
    done = _reverse_settlement(order=order, acting_user=acting_user, reason=order.cancel_reason)
    done.update(
        {
            "reason": order.cancel_reason,
            "cash_to_return": str(order.cash_amount),
            "card_to_return": str(order.card_amount),
        }
    )
    audit_record(
        actor=acting_user,
        action=f"order.{status}",
        member=order.member,
        obj=order,
        object_id=order.number,
        details=done,
    )
    return order


@transaction.atomic
def order_refund(*, order: Order, reason: str, acting_user: User) -> Order:
    """Refund an order: stored value and points paid with back, points earned taken back,
    coupon and package uses released.

    Cash and card are handed back by staff (the audit row says how much). Twice is refused.
    """
    return _cancel(
        order=order, status=Order.Status.REFUNDED, reason=reason, acting_user=acting_user
    )


def order_can_void(*, order: Order) -> bool:
    """A void corrects a mistake: only on the day the order was paid, or any time before an
    order taken in to be paid on collection is paid (nothing moved yet)."""
    if order.status == Order.Status.UNPAID:
        return True
    return (
        order.status == Order.Status.COMPLETED
        and timezone.localdate(order.created_at) == timezone.localdate()
    )


def order_can_refund(*, order: Order) -> bool:
    """Only a paid order has something to refund."""
    return order.status == Order.Status.COMPLETED


@transaction.atomic
def order_void(*, order: Order, reason: str, acting_user: User) -> Order:
    """Void an order recorded by mistake (same day only); reverses everything like a refund.
    An unpaid order is voided without any money moving."""
    if order.status == Order.Status.COMPLETED and not order_can_void(order=order):
        raise ValidationError(
            _("Only an order from today can be voided; refund it instead."), code="too_late"
        )
    return _cancel(order=order, status=Order.Status.VOIDED, reason=reason, acting_user=acting_user)
