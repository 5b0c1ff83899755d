"""Order rows: recording an order, taking clothes in, moving them through their stages,
settling an order paid on collection, and marking it refunded or voided.

Money and points never move here: ``loyalty.services.checkout`` and
``loyalty.flows.garment_orders`` compose these with the ledger services in one transaction.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
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
NOTE_MAX_LENGTH = 255
# How far ahead a due date may be (a typo like 2062 is refused).
DUE_WITHIN_DAYS = 90
_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class OrderLineInput:
    category: ServiceCategory
    quantity: int
    amount: Decimal
    note: str = ""  # a stain, damage, a missing button: noted at intake


@dataclass(frozen=True)
class GarmentIntake:
    """Clothes taken in to be given back later (not an instant counter sale)."""

    due_at: datetime


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
    *, category: ServiceCategory, quantity: int, amount: Decimal | None, note: str = ""
) -> OrderLineInput:
    """A line at the amount entered, or at the category's list price times the count."""
    if amount is None:
        amount = (category.default_price * quantity).quantize(Decimal("0.01"))
    return OrderLineInput(category=category, quantity=quantity, amount=amount, note=note)


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
        note = line.note or ""
        if len(note) > NOTE_MAX_LENGTH or "\x00" in note:
            raise ValidationError(
                _("Keep each item's note under %(max)d characters.") % {"max": NOTE_MAX_LENGTH},
                code="note",
            )
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


def order_due_check(*, due_at: datetime, now: datetime) -> None:
    """ValidationError with a clear message unless the due date is from today to 90 days on."""
    if timezone.localdate(due_at) < timezone.localdate(now):
        raise ValidationError(
            {"due_date": _("The due date cannot be in the past.")}, code="due_in_past"
        )
    if timezone.localdate(due_at) > timezone.localdate(now) + timedelta(days=DUE_WITHIN_DAYS):
        raise ValidationError(
            {
                "due_date": _("The due date must be within %(days)d days.")
                % {"days": DUE_WITHIN_DAYS}
            },
            code="due_too_far",
        )


def _order_row(
    *,
    member: Member,
    store: Store,
    lines: list[OrderLineInput],
    is_express: bool,
    needs_pickup_delivery: bool,
    acting_user: User | None,
    idempotency_key: str | None,
    now: datetime,
    intake: GarmentIntake | None,
    **fields,
) -> Order:
    """Insert the order row and its lines (a duplicate key raises IntegrityError, the caller's
    transaction still usable)."""
    if not store.is_active:
        raise ValidationError(_("This store is closed."), code="store_inactive")
    garment = {}
    if intake is not None:
        order_due_check(due_at=intake.due_at, now=now)
        garment = {"stage": Order.Stage.RECEIVED, "received_at": now, "due_at": intake.due_at}
    order = Order(
        member=member,
        store=store,
        number=_new_order_number(now),
        is_express=bool(is_express),
        needs_pickup_delivery=bool(needs_pickup_delivery),
        created_by=acting_user,
        idempotency_key=idempotency_key or None,
        created_at=now,
        **garment,
        **fields,
    )
    with transaction.atomic():  # savepoint, so a duplicate key leaves the caller's txn usable
        order.save(force_insert=True)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            category=line.category,
            quantity=line.quantity,
            amount=line.amount,
            note=(line.note or "").strip(),
        )
        for line in lines
    )
    return order


def _settlement_fields(settlement: OrderSettlement, subtotal: Decimal) -> dict:
    """The order's money columns from a settlement that must add up to the subtotal."""
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
    return {
        "subtotal": subtotal,
        "discount": settlement.discount,
        "total": settlement.paid,
        "coupon_discount": settlement.coupon_discount,
        "coupon_label": settlement.coupon_label[:160],
        "package_discount": settlement.package_discount,
        "package_label": settlement.package_label[:160],
        "package_uses": settlement.package_uses,
        "tier_discount_percent": settlement.tier_discount_percent,
        "tier_discount": settlement.tier_discount,
        "wallet_amount": settlement.wallet_amount,
        "cash_amount": settlement.cash_amount,
        "card_amount": settlement.card_amount,
        "points_earned": settlement.points_earned,
        "points_redeemed": settlement.points_redeemed,
        "points_amount": settlement.points_amount,
    }


def _order_completed(*, order: Order, member: Member) -> None:
    """What a paid and completed order means for the member, once: their first visit (and a
    referral it qualifies), and ORDER_COMPLETED, which points rules, segments and reports
    read. Called in the transaction that settles the order, at its creation or later, with
    the member as read under its lock."""
    first_visit = member.first_visit_at
    if first_visit is None:
        Member.objects.filter(pk=member.pk, first_visit_at__isnull=True).update(
            first_visit_at=order.created_at
        )
    member_event_record(
        member_id=member.pk,
        kind=MemberEvent.Kind.ORDER_COMPLETED,
        occurred_at=order.created_at,
        source_type="order",
        source_id=order.number,
        data={
            "store": order.store_id,
            "total": str(order.total),
            "subtotal": str(order.subtotal),
        },
    )
    if first_visit is None:
        # The member's first order: if a friend referred them, the referral qualifies now.
        referral_qualify(member_id=member.pk, order_number=order.number, now=order.created_at)


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
    intake: GarmentIntake | None = None,
) -> Order:
    """Write a paid order and its lines. Without a settlement the order was paid in cash.

    Without `intake` it is an instant counter sale, handed over at once (COLLECTED); with
    it, clothes taken in and paid now, RECEIVED with their due date.
    `now` dates the order (an import or the demo's history); by default it is now.

    Raises ValidationError (nothing written) when the lines or the settlement do not add up,
    and IntegrityError when the idempotency key was already used (the caller decides).
    """
    subtotal = order_lines_validate(lines=lines)
    if settlement is None:
        settlement = OrderSettlement(cash_amount=subtotal)
    money = _settlement_fields(settlement, subtotal)
    now = now or timezone.now()
    order = _order_row(
        member=member,
        store=store,
        lines=lines,
        is_express=is_express,
        needs_pickup_delivery=needs_pickup_delivery,
        acting_user=acting_user,
        idempotency_key=idempotency_key,
        now=now,
        intake=intake,
        status=Order.Status.COMPLETED,
        payment_timing=Order.PaymentTiming.ON_RECEIPT,
        **money,
    )
    _order_completed(order=order, member=member)
    return order


@transaction.atomic
def order_take_in(
    *,
    member: Member,
    store: Store,
    lines: list[OrderLineInput],
    intake: GarmentIntake,
    is_express: bool = False,
    needs_pickup_delivery: bool = False,
    acting_user: User | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Write clothes taken in to be paid on collection: UNPAID and RECEIVED, the lines
    priced, every sum 0 until the order is settled (``order_settle``). Nothing counts yet:
    no points, no spend, no ORDER_COMPLETED, no first visit.

    Raises ValidationError (nothing written) for bad lines or due date, IntegrityError when
    the idempotency key was already used (the caller decides).
    """
    order_lines_validate(lines=lines)
    now = now or timezone.now()
    return _order_row(
        member=member,
        store=store,
        lines=lines,
        is_express=is_express,
        needs_pickup_delivery=needs_pickup_delivery,
        acting_user=acting_user,
        idempotency_key=idempotency_key,
        now=now,
        intake=intake,
        status=Order.Status.UNPAID,
        payment_timing=Order.PaymentTiming.ON_COLLECTION,
        subtotal=ZERO,
        total=ZERO,
    )


def order_lines_of(order: Order) -> list[OrderLineInput]:
    """The order's lines as checkout prices them."""
    return [
        OrderLineInput(
            category=line.category, quantity=line.quantity, amount=line.amount, note=line.note
        )
        for line in order.lines.select_related("category").order_by("pk")
    ]


def order_lock(order: Order) -> Order:
    """The order row, locked until the transaction ends (after the member row: the lock
    order of loyalty.lock_objects)."""
    return Order.objects.select_for_update().select_related("store").get(pk=order.pk)


def order_settle(
    *,
    order: Order,
    member: Member,
    settlement: OrderSettlement,
    hand_over: str,
    now: datetime | None = None,
) -> Order:
    """Settle a locked UNPAID order at collection: its money columns, COMPLETED, handed over
    (COLLECTED or DELIVERED) now, and dated now for the books (spend, visits, points and
    ORDER_COMPLETED), once. The caller holds the member and order locks and moves the money.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("Settle an order inside its transaction.")
    if order.status != Order.Status.UNPAID:
        raise ValidationError(_("This order is already paid."), code="already_paid")
    if hand_over not in Order.HANDED_OVER_STAGES:
        raise ValidationError(_("Unknown order stage."), code="stage")
    subtotal = order_lines_validate(lines=order_lines_of(order))
    fields = _settlement_fields(settlement, subtotal)
    now = now or timezone.now()
    fields.update(
        status=Order.Status.COMPLETED,
        stage=hand_over,
        handed_over_at=now,
        created_at=now,
    )
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=list(fields))
    _order_completed(order=order, member=member)
    return order


# The moves staff may make; collecting an unpaid order goes through payment instead.
STAGE_MOVES: dict[str, tuple[str, ...]] = {
    Order.Stage.RECEIVED: (Order.Stage.CLEANING, Order.Stage.READY),
    Order.Stage.CLEANING: (Order.Stage.READY,),
    Order.Stage.READY: (Order.Stage.CLEANING, Order.Stage.COLLECTED, Order.Stage.DELIVERED),
}


def order_stage_moves(order: Order) -> tuple[str, ...]:
    """The stages this order can be moved to now by a button (not collection of an unpaid
    order, which needs payment)."""
    if order.status not in Order.LIVE_STATUSES:
        return ()
    moves = STAGE_MOVES.get(order.stage, ())
    if order.status == Order.Status.UNPAID:
        moves = tuple(s for s in moves if s not in Order.HANDED_OVER_STAGES)
    return moves


def order_stage_set(*, order: Order, to_stage: str, now: datetime | None = None) -> bool:
    """Move a locked order to `to_stage` if that move is allowed; True if it moved, False if
    it was already there (a double tap). ValidationError with a clear message otherwise."""
    if to_stage not in Order.Stage.values:
        raise ValidationError(_("Unknown order stage."), code="stage")
    if order.stage == to_stage:
        return False
    if order.status in (Order.Status.REFUNDED, Order.Status.VOIDED):
        raise ValidationError(
            _("Order %(number)s was %(status)s: its stage cannot change.")
            % {"number": order.number, "status": order.get_status_display().lower()},
            code="cancelled",
        )
    if order.status == Order.Status.UNPAID and to_stage in Order.HANDED_OVER_STAGES:
        raise ValidationError(
            _("Order %(number)s is not paid yet: take payment to hand it over.")
            % {"number": order.number},
            code="unpaid",
        )
    if to_stage not in STAGE_MOVES.get(order.stage, ()):
        raise ValidationError(
            _("Order %(number)s is %(stage)s: it cannot be moved to %(to)s.")
            % {
                "number": order.number,
                "stage": order.get_stage_display().lower(),
                "to": Order.Stage(to_stage).label.lower(),
            },
            code="stage_move",
        )
    now = now or timezone.now()
    order.stage = to_stage
    fields = ["stage"]
    if to_stage == Order.Stage.READY:
        order.ready_at = now
        fields.append("ready_at")
    elif to_stage in Order.HANDED_OVER_STAGES:
        order.handed_over_at = now
        fields.append("handed_over_at")
    order.save(update_fields=fields)
    return True


@transaction.atomic
def order_mark_cancelled(*, order: Order, status: str, reason: str, acting_user: User) -> Order:
    """Mark a completed order refunded or voided, or an unpaid one voided (who, when, why).
    Only the order row."""
    if status not in (Order.Status.REFUNDED, Order.Status.VOIDED):
        raise ValidationError(_("Unknown order status."), code="status")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why (a few words).")}, code="no_reason")
    if len(reason) > 255:
        raise ValidationError({"reason": _("Keep the reason under 255 characters.")})
    locked = Order.objects.select_for_update().get(pk=order.pk)
    was_unpaid = locked.status == Order.Status.UNPAID
    if was_unpaid and status == Order.Status.REFUNDED:
        raise ValidationError(
            _("Order %(number)s is not paid yet: there is nothing to refund. Void it instead.")
            % {"number": locked.number},
            code="unpaid",
        )
    if locked.status not in (Order.Status.COMPLETED, Order.Status.UNPAID):
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
    if was_unpaid:
        return locked  # it never counted: nothing for the rules to take back
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
