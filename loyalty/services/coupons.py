"""Coupons: issue from an owner's template, redeem once (race-safe), release on a refund."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.lock_objects import lock_coupon, lock_member
from loyalty.models import CouponEvent, CouponTemplate, MemberCoupon
from membership.models import Member

from ._base import parse_money, require_key


@dataclass(frozen=True)
class CouponRedemption:
    coupon: MemberCoupon
    discount: Decimal
    event: CouponEvent


def _existing_event(key: str, coupon: MemberCoupon, kind: str) -> CouponEvent | None:
    event = CouponEvent.objects.filter(idempotency_key=key).first()
    if event is not None and (event.coupon_id != coupon.pk or event.kind != kind):
        raise ValidationError(
            _("This request key was already used for a different operation."), code="key_reused"
        )
    return event


@transaction.atomic
def coupon_issue(
    *,
    member: Member,
    template: CouponTemplate,
    idempotency_key: str,
    source_type: str = "",
    source_id: str = "",
    acting_user=None,
    now: datetime | None = None,
) -> MemberCoupon:
    """Give the member a single-use coupon with the template's terms (copied, so later edits
    to the template do not change coupons already held)."""
    key = require_key(idempotency_key)
    lock_member(member.pk)
    if existing := MemberCoupon.objects.filter(idempotency_key=key).first():
        if existing.member_id != member.pk:
            raise ValidationError(
                _("This request key was already used for a different operation."),
                code="key_reused",
            )
        return existing
    if not template.is_active:
        raise ValidationError(_("This coupon is no longer handed out."), code="inactive")
    now = now or timezone.now()
    coupon = MemberCoupon.objects.create(
        member=member,
        template=template,
        amount_off=template.amount_off,
        min_spend=template.min_spend,
        valid_from=now,
        valid_until=now + timezone.timedelta(days=template.valid_days),
        issued_at=now,
        idempotency_key=key,
        source_type=source_type,
        source_id=str(source_id),
    )
    CouponEvent.objects.create(
        coupon=coupon,
        kind=CouponEvent.Kind.ISSUE,
        idempotency_key=f"{key}:issue",
        source_type=source_type,
        source_id=str(source_id),
        acting_user=acting_user,
        created_at=now,
    )
    return coupon


@transaction.atomic
def coupon_redeem(
    *,
    coupon: MemberCoupon,
    order_total: Decimal,
    idempotency_key: str,
    acting_user=None,
    source_type: str = "",
    source_id: str = "",
    now: datetime | None = None,
) -> CouponRedemption:
    """Use a coupon on an order of `order_total`; the discount never exceeds the total.

    The coupon row is locked and flipped with a conditional update, so two concurrent
    redemptions of one coupon cannot both succeed.
    """
    key = require_key(idempotency_key)
    total = parse_money(order_total, field="order_total")
    locked = lock_coupon(coupon.pk)
    if done := _existing_event(key, locked, CouponEvent.Kind.REDEEM):
        return CouponRedemption(coupon=locked, discount=done.discount, event=done)
    now = now or timezone.now()
    if locked.status != MemberCoupon.Status.AVAILABLE:
        raise ValidationError(_("This coupon has already been used."), code="used")
    if not (locked.valid_from <= now < locked.valid_until):
        raise ValidationError(_("This coupon is not valid today."), code="expired")
    if total < locked.min_spend:
        raise ValidationError(
            {
                "order_total": _("This coupon needs an order of at least %(min)s.")
                % {"min": locked.min_spend}
            },
            code="min_spend",
        )
    flipped = MemberCoupon.objects.filter(
        pk=locked.pk, status=MemberCoupon.Status.AVAILABLE
    ).update(status=MemberCoupon.Status.REDEEMED)
    if flipped != 1:
        raise ValidationError(_("This coupon has already been used."), code="used")
    locked.status = MemberCoupon.Status.REDEEMED
    discount = min(locked.amount_off, total)
    event = CouponEvent.objects.create(
        coupon=locked,
        kind=CouponEvent.Kind.REDEEM,
        order_total=total,
        discount=discount,
        idempotency_key=key,
        source_type=source_type,
        source_id=str(source_id),
        acting_user=acting_user,
        created_at=now,
    )
    return CouponRedemption(coupon=locked, discount=discount, event=event)


@transaction.atomic
def coupon_release(
    *, coupon: MemberCoupon, idempotency_key: str, acting_user=None, reason: str = ""
) -> CouponEvent:
    """Give a used coupon back (its order was refunded). It keeps its original validity."""
    key = require_key(idempotency_key)
    locked = lock_coupon(coupon.pk)
    if done := _existing_event(key, locked, CouponEvent.Kind.RELEASE):
        return done
    if locked.status != MemberCoupon.Status.REDEEMED:
        raise ValidationError(_("This coupon has not been used."), code="not_used")
    redemption = (
        locked.events.filter(kind=CouponEvent.Kind.REDEEM).order_by("-created_at", "-id").first()
    )
    MemberCoupon.objects.filter(pk=locked.pk).update(status=MemberCoupon.Status.AVAILABLE)
    locked.status = MemberCoupon.Status.AVAILABLE
    return CouponEvent.objects.create(
        coupon=locked,
        kind=CouponEvent.Kind.RELEASE,
        reverses=redemption,
        idempotency_key=key,
        source_type=redemption.source_type if redemption else "",
        source_id=redemption.source_id if redemption else "",
        acting_user=acting_user,
    )
