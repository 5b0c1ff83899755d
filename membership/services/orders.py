"""Order rows: recording an order and marking it refunded or voided.

Money and points never move here: ``loyalty.services.checkout`` composes these with the
ledger services in one transaction.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.limits import order_amount_check
from membership.models import Member, MemberEvent, Order, OrderLine, ServiceCategory, Store, User
from membership.services.events import member_event_record
from membership.services.referrals import referral_qualify

ZERO = Decimal("0.00")
MAX_LINES = 50
MAX_QUANTITY = 999
_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class OrderLineInput:
    category: ServiceCategory
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class OrderSettlement:
    """How an order was settled; the parts must add up (the database checks it too)."""

    coupon_discount: Decimal = ZERO
    coupon_label: str = ""
    package_discount: Decimal = ZERO
    package_label: str = ""
    package_uses: int = 0
    tier_discount_percent: Decimal = ZERO
    tier_discount: Decimal = ZERO
    wallet_amount: Decimal = ZERO
    cash_amount: Decimal = ZERO
    card_amount: Decimal = ZERO
    points_earned: int = 0
    points_redeemed: int = 0  # points spent as payment, worth points_amount
    points_amount: Decimal = ZERO

    @property
    def discount(self) -> Decimal:
        return self.coupon_discount + self.package_discount + self.tier_discount

    @property
    def paid(self) -> Decimal:
        return self.wallet_amount + self.cash_amount + self.card_amount + self.points_amount


def order_line_priced(
    *, category: ServiceCategory, quantity: int, amount: Decimal | None
) -> OrderLineInput:
    """A line at the amount entered, or at the category's list price times the count."""
    if amount is None:
        amount = (category.default_price * quantity).quantize(Decimal("0.01"))
    return OrderLineInput(category=category, quantity=quantity, amount=amount)


def order_lines_validate(*, lines: list[OrderLineInput]) -> Decimal:
    """Check the lines and return their subtotal; ValidationError with a clear message if bad."""
    if not lines:
        raise ValidationError(_("Add at least one item to the order."), code="no_lines")
    if len(lines) > MAX_LINES:
        raise ValidationError(_("An order can have at most %(max)d lines.") % {"max": MAX_LINES})
    subtotal = ZERO
    for line in lines:
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool):
            raise ValidationError(_("Enter item counts as whole numbers."), code="quantity")
        if line.quantity < 1 or line.quantity > MAX_QUANTITY:
            raise ValidationError(
                _("Each item count must be between 1 and %(max)d.") % {"max": MAX_QUANTITY},
                code="quantity",
            )
        amount = Decimal(line.amount)
        if not amount.is_finite() or amount < 0:
            raise ValidationError(_("Item amounts cannot be negative."), code="amount")
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(_("Enter amounts with at most 2 decimal places."), code="amount")
        subtotal += amount
    if subtotal <= 0:
        raise ValidationError(
            _("The order amount must be greater than zero."), code="amount_not_positive"
        )
    order_amount_check(amount=subtotal)
    return subtotal.quantize(Decimal("0.01"))


def _new_order_number(when: datetime) -> str:
    stamp = timezone.localdate(when).strftime("%y%m%d")  # the day the order was taken
    while True:
        number = "O" + stamp + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))
        if not Order.objects.filter(number=number).exists():
            return number


@transaction.atomic
def order_record(
    *,
    member: Member,
    store: Store,
    lines: list[OrderLineInput],
    is_express: bool = False,
    needs_pickup_delivery: bool = False,
    settlement: OrderSettlement | None = None,
    acting_user: User | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Write the order and its lines. Without a settlement the order was paid in cash.

    `now` dates the order (an import or the demo's history); by default it is now.

    Raises ValidationError (nothing written) when the lines or the settlement do not add up,
    and IntegrityError when the idempotency key was already used (the caller decides).
    """
    subtotal = order_lines_validate(lines=lines)
    if settlement is None:
        settlement = OrderSettlement(cash_amount=subtotal)
    parts = [
        settlement.coupon_discount,
        settlement.package_discount,
        settlement.tier_discount,
        settlement.wallet_amount,
        settlement.cash_amount,
        settlement.card_amount,
        settlement.points_amount,
    ]
    if (
        any(part < 0 for part in parts)
        or min(settlement.points_earned, settlement.points_redeemed) < 0
    ):
        raise ValidationError(_("Payments and discounts cannot be negative."), code="negative")
    if settlement.discount + settlement.paid != subtotal:
        raise ValidationError(
            _("Payments and discounts (%(paid)s) must add up to the order amount (%(due)s).")
            % {"paid": settlement.discount + settlement.paid, "due": subtotal},
            code="does_not_add_up",
        )
    if not store.is_active:
        raise ValidationError(_("This store is closed."), code="store_inactive")
    now = now or timezone.now()
    order = Order(
        member=member,
        store=store,
        number=_new_order_number(now),
        subtotal=subtotal,
        discount=settlement.discount,
        total=settlement.paid,
        is_express=bool(is_express),
        needs_pickup_delivery=bool(needs_pickup_delivery),
        created_by=acting_user,
        coupon_discount=settlement.coupon_discount,
        coupon_label=settlement.coupon_label[:160],
        package_discount=settlement.package_discount,
        package_label=settlement.package_label[:160],
        package_uses=settlement.package_uses,
        tier_discount_percent=settlement.tier_discount_percent,
        tier_discount=settlement.tier_discount,
        wallet_amount=settlement.wallet_amount,
        cash_amount=settlement.cash_amount,
        card_amount=settlement.card_amount,
        points_earned=settlement.points_earned,
        points_redeemed=settlement.points_redeemed,
        points_amount=settlement.points_amount,
        idempotency_key=idempotency_key or None,
        created_at=now,
    )
    with transaction.atomic():  # savepoint, so a duplicate key leaves the caller's txn usable
        order.save(force_insert=True)
    OrderLine.objects.bulk_create(
        OrderLine(order=order, category=line.category, quantity=line.quantity, amount=line.amount)
        for line in lines
    )
    if member.first_visit_at is None:
        Member.objects.filter(pk=member.pk, first_visit_at__isnull=True).update(
            first_visit_at=order.created_at
        )
    member_event_record(
        member_id=member.pk,
        kind=MemberEvent.Kind.ORDER_COMPLETED,
        occurred_at=order.created_at,
        source_type="order",
        source_id=order.number,
        data={"store": store.pk, "total": str(order.total), "subtotal": str(order.subtotal)},
    )
    if member.first_visit_at is None:
        # The member's first order: if a friend referred them, the referral qualifies now.
        referral_qualify(member_id=member.pk, order_number=order.number, now=order.created_at)
    return order


@transaction.atomic
def order_mark_cancelled(*, order: Order, status: str, reason: str, acting_user: User) -> Order:
    """Mark a completed order refunded or voided (who, when, why). Only the order row."""
    if status not in (Order.Status.REFUNDED, Order.Status.VOIDED):
        raise ValidationError(_("Unknown order status."), code="status")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why (a few words).")}, code="no_reason")
    if len(reason) > 255:
        raise ValidationError({"reason": _("Keep the reason under 255 characters.")})
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != Order.Status.COMPLETED:
        raise ValidationError(
            _("Order %(number)s was already %(status)s.")
            % {"number": locked.number, "status": locked.get_status_display().lower()},
            code="already_cancelled",
        )
    locked.status = status
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = acting_user
    locked.cancel_reason = reason
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    member_event_record(
        member_id=locked.member_id,
        kind=(
            MemberEvent.Kind.ORDER_REFUNDED
            if status == Order.Status.REFUNDED
            else MemberEvent.Kind.ORDER_VOIDED
        ),
        occurred_at=locked.cancelled_at,
        source_type="order",
        source_id=locked.number,
        data={"total": str(locked.total)},
    )
    return locked
