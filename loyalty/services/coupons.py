"""Coupons: issue from an owner's template, redeem (race-safe, single- or multi-use), release
on a refund, and a goodwill coupon given by hand at the counter (audited).

Whether a coupon applies to an order and what it takes off is decided by
loyalty.engine.coupons, for the checkout's quote and for the redemption alike.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.engine import coupons as engine
from loyalty.lock_objects import lock_coupon, lock_member
from loyalty.models import CouponEvent, CouponTemplate, MemberCoupon
from loyalty.selectors.coupons import coupon_member_uses, coupon_terms
from membership.member_pages import member_pages_changed
from membership.models import Member, MemberMessage, User
from membership.services.audit import audit_record
from membership.services.messages import member_message_post

from ._base import parse_money, require_key

GOODWILL_SOURCE = "goodwill"
GOODWILL_REASON_MAX = 255

# The terms an issued coupon copies from its template.
TERMS_FIELDS = (
    "value_type",
    "amount_off",
    "percent_off",
    "max_discount",
    "free_category_id",
    "scope_category_id",
    "min_spend",
    "per_member_limit",
)


@dataclass(frozen=True)
class CouponRedemption:
    coupon: MemberCoupon
    discount: Decimal
    event: CouponEvent


def _member_uses(coupon: MemberCoupon) -> int:
    if coupon.per_member_limit is None:
        return 0  # no limit: not worth a query
    uses = coupon_member_uses(member_id=coupon.member_id, template_ids=[coupon.template_id])
    return uses.get(coupon.template_id, 0)


def coupon_check(
    *, coupon: MemberCoupon, lines: Sequence[engine.CouponLine], now: datetime
) -> engine.CouponDecision:
    """The engine's decision for this coupon on these order lines (after package cover)."""
    terms = coupon_terms(coupon, member_uses=_member_uses(coupon))
    return engine.coupon_evaluate(terms, engine.CouponOrder(lines=tuple(lines), at=now))


def _service(category) -> str:
    return category.display_name if category is not None else ""


def coupon_refusal_message(*, coupon: MemberCoupon, decision: engine.CouponDecision) -> str:
    """Why the coupon cannot be used on this order, in words for staff and members."""
    reason = decision.reason
    if reason is engine.Reason.USED_UP:
        return _("This coupon has already been used.")
    if reason in (engine.Reason.NOT_YET, engine.Reason.EXPIRED):
        return _("This coupon is not valid today.")
    if reason is engine.Reason.MEMBER_LIMIT:
        return _(
            "Coupons of this kind can be used %(limit)d times per member, and all have been used."
        ) % {"limit": coupon.per_member_limit}
    if reason is engine.Reason.OUT_OF_SCOPE:
        return _("This coupon is only for %(service)s, which is not in this order.") % {
            "service": _service(coupon.scope_category)
        }
    if reason is engine.Reason.NO_FREE_ITEM:
        return _("This coupon gives one %(service)s free, which is not in this order.") % {
            "service": _service(coupon.free_category)
        }
    if reason is engine.Reason.MIN_SPEND:
        if coupon.scope_category_id is not None:
            return _(
                "This coupon needs at least %(min)s of %(service)s; this order has %(total)s."
            ) % {
                "min": coupon.min_spend,
                "service": _service(coupon.scope_category),
                "total": decision.base,
            }
        return _("This coupon needs an order of at least %(min)s; this one is %(total)s.") % {
            "min": coupon.min_spend,
            "total": decision.base,
        }
    return _("Nothing is left to pay, so the coupon cannot be used.")


def _existing_event(key: str, coupon: MemberCoupon, kind: str) -> CouponEvent | None:
    event = CouponEvent.objects.filter(idempotency_key=key).first()
    if event is not None and (event.coupon_id != coupon.pk or event.kind != kind):
        raise ValidationError(
            _("This request key was already used for a different operation."), code="key_reused"
        )
    return event


def _template_terms(template: CouponTemplate, valid_from: datetime, valid_until: datetime):
    return engine.CouponTerms(
        value_type=engine.ValueType(template.value_type),
        valid_from=valid_from,
        valid_until=valid_until,
        amount_off=template.amount_off,
        percent_off=template.percent_off,
        max_discount=template.max_discount,
        free_category_id=template.free_category_id,
        min_spend=template.min_spend,
    )


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
    """Give the member a coupon with the template's terms (copied, so later edits to the
    template do not change coupons already held)."""
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
    valid_from, valid_until = engine.coupon_window(
        issued_at=now,
        valid_days=template.valid_days,
        starts_on=template.starts_on,
        ends_on=template.ends_on,
        tz=timezone.get_current_timezone(),
    )
    if valid_until <= valid_from:
        raise ValidationError(
            _("This coupon's last day has passed, so it can no longer be given."), code="ended"
        )
    free_item = template.free_category
    face_value = engine.coupon_face_value(
        _template_terms(template, valid_from, valid_until),
        free_item_price=free_item.default_price if free_item is not None else None,
    )
    coupon = MemberCoupon.objects.create(
        member=member,
        template=template,
        **{field: getattr(template, field) for field in TERMS_FIELDS},
        valid_from=valid_from,
        valid_until=valid_until,
        uses_total=template.uses_per_coupon,
        uses_left=template.uses_per_coupon,
        face_value=face_value,
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
    member_message_post(
        member_id=member.pk,
        kind=MemberMessage.Kind.COUPON_ISSUED,
        data={
            "coupon_id": coupon.pk,
            "name_zh": template.name_zh,
            "name_en": template.name_en,
            "last_day": coupon.last_day.isoformat(),
            "source_type": source_type,
            "source_id": str(source_id),
        },
        idempotency_key=f"coupon:{coupon.pk}",
        created_at=now,
    )
    return coupon


@transaction.atomic
def coupon_give_goodwill(
    *,
    member: Member,
    template: CouponTemplate,
    reason: str,
    acting_user: User,
    idempotency_key: str,
) -> MemberCoupon:
    """Staff give a coupon by hand (after a complaint, a long wait...): audited with the
    reason. The same key (a double-submitted form) returns the coupon already given and
    writes no second audit row."""
    key = f"goodwill:{require_key(idempotency_key)}"
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why (a few words).")}, code="no_reason")
    if len(reason) > GOODWILL_REASON_MAX:
        raise ValidationError(
            {
                "reason": _("Keep the reason under %(max)d characters.")
                % {"max": GOODWILL_REASON_MAX}
            },
            code="too_long",
        )
    lock_member(member.pk)  # a double submit waits here for the first one, then finds it
    if MemberCoupon.objects.filter(idempotency_key=key).exists():
        return coupon_issue(member=member, template=template, idempotency_key=key)
    coupon = coupon_issue(
        member=member,
        template=template,
        idempotency_key=key,
        source_type=GOODWILL_SOURCE,
        source_id=str(acting_user.pk),
        acting_user=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="coupon.goodwill",
        member=member,
        obj=coupon,
        details={
            "template": template.pk,
            "coupon": template.name_zh,
            "worth_up_to": str(coupon.face_value),
            "valid_until": coupon.valid_until.isoformat(),
            "reason": reason,
        },
    )
    return coupon


@transaction.atomic
def coupon_redeem(
    *,
    coupon: MemberCoupon,
    idempotency_key: str,
    lines: Sequence[engine.CouponLine] | None = None,
    order_total: Decimal | None = None,
    acting_user=None,
    source_type: str = "",
    source_id: str = "",
    now: datetime | None = None,
) -> CouponRedemption:
    """Use one of the coupon's uses on an order: its ``lines`` after package cover (or, for an
    order without lines, its ``order_total``). The engine decides whether it applies and the
    discount, which never exceeds the order.

    The coupon row is locked (after its member, see loyalty.lock_objects) and its uses counted
    down with a conditional update, so concurrent redemptions never use more than it has.
    """
    key = require_key(idempotency_key)
    if lines is None:
        total = parse_money(order_total, field="order_total")
        lines = (engine.CouponLine(category_id=None, quantity=1, amount=total),)
    order = engine.CouponOrder(lines=tuple(lines), at=now or timezone.now())
    locked = lock_coupon(coupon.pk)
    if done := _existing_event(key, locked, CouponEvent.Kind.REDEEM):
        return CouponRedemption(coupon=locked, discount=done.discount, event=done)
    decision = coupon_check(coupon=locked, lines=order.lines, now=order.at)
    if not decision.applicable:
        raise ValidationError(
            coupon_refusal_message(coupon=locked, decision=decision), code=decision.reason.value
        )
    member_pages_changed(locked.member_id)  # an UPDATE: no save signal
    counted = MemberCoupon.objects.filter(pk=locked.pk, uses_left__gt=0).update(
        uses_left=F("uses_left") - 1,
        status=Case(
            When(uses_left=1, then=Value(MemberCoupon.Status.REDEEMED)),
            default=Value(MemberCoupon.Status.AVAILABLE),
        ),
    )
    if counted != 1:
        raise ValidationError(_("This coupon has already been used."), code="used")
    locked.refresh_from_db(fields=["uses_left", "status"])
    event = CouponEvent.objects.create(
        coupon=locked,
        kind=CouponEvent.Kind.REDEEM,
        order_total=order.total,
        discount=decision.discount,
        idempotency_key=key,
        source_type=source_type,
        source_id=str(source_id),
        acting_user=acting_user,
        created_at=order.at,
    )
    return CouponRedemption(coupon=locked, discount=decision.discount, event=event)


@transaction.atomic
def coupon_release(
    *,
    coupon: MemberCoupon,
    idempotency_key: str,
    redemption: CouponEvent | None = None,
    acting_user=None,
    reason: str = "",
) -> CouponEvent:
    """Give back a use of the coupon (its order was refunded or voided): ``redemption``, or
    its latest use not given back yet. It keeps its original validity."""
    key = require_key(idempotency_key)
    locked = lock_coupon(coupon.pk)
    if done := _existing_event(key, locked, CouponEvent.Kind.RELEASE):
        return done
    uses = locked.events.filter(kind=CouponEvent.Kind.REDEEM, reversals__isnull=True)
    if redemption is not None:
        uses = uses.filter(pk=redemption.pk)
    redemption = uses.order_by("-created_at", "-id").first()
    if redemption is None:
        raise ValidationError(_("This coupon has not been used."), code="not_used")
    member_pages_changed(locked.member_id)
    MemberCoupon.objects.filter(pk=locked.pk, uses_left__lt=F("uses_total")).update(
        uses_left=F("uses_left") + 1, status=MemberCoupon.Status.AVAILABLE
    )
    locked.refresh_from_db(fields=["uses_left", "status"])
    return CouponEvent.objects.create(
        coupon=locked,
        kind=CouponEvent.Kind.RELEASE,
        reverses=redemption,
        idempotency_key=key,
        source_type=redemption.source_type,
        source_id=redemption.source_id,
        acting_user=acting_user,
    )
