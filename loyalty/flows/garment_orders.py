"""The garment order's life at the counter: clothes taken in, cleaned, ready, handed back.

- ``garment_order_take_in``: clothes taken in to be paid on collection (paid now, they go
  through ``checkout_order`` with an intake: the same pricing and payment code).
- ``order_stage_advance``: received -> cleaning -> ready (back to cleaning if a stain
  stays), then collected or delivered once paid. On READY the member gets "your clothes are
  ready" in the inbox, and by SMS or email if they agreed to service notices.
- ``order_collect_and_pay``: an unpaid order settled at collection through the same
  checkout pricing and payment code (coupons, packages, stored value with the tier's
  discount, points as payment), then handed over. Points, tier spend and rules count it
  now, once: a second tap (or several at once) finds it paid and moves nothing.

Staff of another store can neither move an order along nor collect it (the chain rule of
``order_can_cancel``). Each flow locks the member row first, then the order row.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.lock_objects import lock_member
from loyalty.models import Entitlement, MemberCoupon
from loyalty.services._base import require_key
from loyalty.services.checkout import (
    PaymentSplit,
    checkout_price,
    checkout_quote,
    checkout_settle,
    order_can_cancel,
)
from membership.models import Member, MemberMessage, Order, Store, User
from membership.selectors.orders import order_by_key
from membership.services.audit import audit_record
from membership.services.messages import member_message_post
from membership.services.orders import (
    GarmentIntake,
    OrderLineInput,
    order_lines_of,
    order_lock,
    order_settle,
    order_stage_set,
    order_take_in,
)


@dataclass(frozen=True)
class CollectResult:
    order: Order
    settled_now: bool  # False: it was already paid (a second tap), nothing moved


def _other_store() -> ValidationError:
    return ValidationError(
        _("Only staff of the store that took this order, or the owner, can move it along."),
        code="other_store",
    )


def _existing(key: str, member: Member) -> Order | None:
    order = order_by_key(idempotency_key=key)
    if order is not None and order.member_id != member.pk:
        raise ValidationError(
            _("This request key was already used for a different operation."), code="key_reused"
        )
    return order


@transaction.atomic
def garment_order_take_in(
    *,
    member: Member,
    store: Store,
    lines: list[OrderLineInput],
    intake: GarmentIntake,
    is_express: bool = False,
    needs_pickup_delivery: bool = False,
    acting_user: User,
    idempotency_key: str,
    now: datetime | None = None,
) -> Order:
    """Take clothes in to be paid on collection: an UNPAID order, RECEIVED, priced by its
    lines. The same key (a double-submitted form) returns the order already taken in."""
    key = require_key(idempotency_key)
    lock_member(member.pk)
    if existing := _existing(key, member):
        return existing
    # The same bounds as a paid order (the per-order amount, the points it may earn).
    checkout_price(member=member, lines=lines)
    try:
        order = order_take_in(
            member=member,
            store=store,
            lines=lines,
            intake=intake,
            is_express=is_express,
            needs_pickup_delivery=needs_pickup_delivery,
            acting_user=acting_user,
            idempotency_key=key,
            now=now,
        )
    except IntegrityError:
        if existing := _existing(key, member):
            return existing
        raise
    audit_record(
        actor=acting_user,
        action="order.take_in",
        member=member,
        obj=order,
        object_id=order.number,
        details={
            "lines": len(lines),
            "amount": str(sum((line.amount for line in lines), start=Decimal("0.00"))),
            "due": order.due_at.isoformat(),
            "payment": order.payment_timing,
        },
    )
    return order


def _ready_message(order: Order) -> None:
    data = {
        "order": order.number,
        "store": order.store.name,
        "delivery": bool(order.needs_pickup_delivery),
    }
    if order.status == Order.Status.UNPAID:
        data |= {"to_pay": str(order.lines_total), "currency": order.currency}
    member_message_post(
        member_id=order.member_id,
        kind=MemberMessage.Kind.ORDER_READY,
        data=data,
        # Once per order: back to cleaning and ready again does not text the member twice.
        idempotency_key=f"order_ready:{order.number}",
        created_at=order.ready_at,
    )


@transaction.atomic
def order_stage_advance(*, order: Order, to_stage: str, acting_user: User) -> Order:
    """Move an order's clothes to `to_stage` (only the allowed moves; collecting an unpaid
    order goes through ``order_collect_and_pay``). A second tap on the same move changes
    nothing. On READY the member is told."""
    if not order_can_cancel(order=order, user=acting_user):
        raise _other_store()
    lock_member(order.member_id)
    locked = order_lock(order)
    before = locked.stage
    if not order_stage_set(order=locked, to_stage=to_stage):
        return locked
    audit_record(
        actor=acting_user,
        action="order.stage",
        member=locked.member,
        obj=locked,
        object_id=locked.number,
        details={"from": before, "to": to_stage},
    )
    if to_stage == Order.Stage.READY:
        _ready_message(locked)
    return locked


@transaction.atomic
def order_collect_and_pay(
    *,
    order: Order,
    payments: PaymentSplit,
    coupon: MemberCoupon | None = None,
    package_entitlement: Entitlement | None = None,
    hand_over: str = Order.Stage.COLLECTED,
    acting_user: User,
    now: datetime | None = None,
) -> CollectResult:
    """Settle an order taken in unpaid and hand it over, in one transaction: priced and paid
    exactly as a counter checkout (the same quote and the same ledger code), dated now for
    the books. Under the member lock, a second tap (or several at once) finds the order
    paid and returns it with ``settled_now=False``: one payment, one points entry."""
    if not order_can_cancel(order=order, user=acting_user):
        raise _other_store()
    lock_member(order.member_id)  # the lock order: member, then the order, then the accounts
    locked = order_lock(order)
    if locked.status == Order.Status.COMPLETED and locked.payment_timing == (
        Order.PaymentTiming.ON_COLLECTION
    ):
        return CollectResult(order=locked, settled_now=False)
    if locked.status == Order.Status.COMPLETED:
        raise ValidationError(
            _("Order %(number)s is already paid: hand it over without taking payment.")
            % {"number": locked.number},
            code="already_paid",
        )
    if locked.status != Order.Status.UNPAID:
        raise ValidationError(
            _("Order %(number)s was %(status)s: it cannot be collected.")
            % {"number": locked.number, "status": locked.get_status_display().lower()},
            code="cancelled",
        )
    if locked.stage != Order.Stage.READY:
        raise ValidationError(
            _("Order %(number)s is %(stage)s: mark it ready before it is collected.")
            % {"number": locked.number, "stage": locked.get_stage_display().lower()},
            code="not_ready",
        )
    if hand_over not in Order.HANDED_OVER_STAGES:
        raise ValidationError(_("Unknown order stage."), code="stage")
    member = Member.objects.select_related("tier").get(pk=locked.member_id)
    quote = checkout_quote(
        member=member,
        lines=order_lines_of(locked),
        payments=payments,
        coupon=coupon,
        package_entitlement=package_entitlement,
    )
    now = now or timezone.now()
    settled = order_settle(
        order=locked, member=member, settlement=quote.settlement(), hand_over=hand_over, now=now
    )
    checkout_settle(
        order=settled,
        member=member,
        quote=quote,
        coupon=coupon,
        package_entitlement=package_entitlement,
        acting_user=acting_user,
        action="order.collect",
        now=now,
    )
    return CollectResult(order=settled, settled_now=True)
