"""A member's coupons, ready for a page (category names joined, a fixed number of queries)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from loyalty.engine import coupons as engine
from loyalty.models import CouponEvent, MemberCoupon
from membership.models import Member

_RELATED = ("template", "free_category", "scope_category")


def coupon_terms(coupon: MemberCoupon, *, member_uses: int = 0) -> engine.CouponTerms:
    """The engine's view of an issued coupon."""
    return engine.CouponTerms(
        value_type=engine.ValueType(coupon.value_type),
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        amount_off=coupon.amount_off,
        percent_off=coupon.percent_off,
        max_discount=coupon.max_discount,
        free_category_id=coupon.free_category_id,
        scope_category_id=coupon.scope_category_id,
        min_spend=coupon.min_spend,
        uses_left=coupon.uses_left,
        member_limit=coupon.per_member_limit,
        member_uses=member_uses,
    )


def coupon_member_uses(*, member_id: int, template_ids: Sequence[int]) -> dict[int, int]:
    """How often the member has used coupons of each template (uses given back on a refund
    not counted), in one query."""
    rows = (
        CouponEvent.objects.filter(
            coupon__member_id=member_id, coupon__template_id__in=template_ids
        )
        .order_by()
        .values("coupon__template_id")
        .annotate(
            used=Count("pk", filter=Q(kind=CouponEvent.Kind.REDEEM)),
            given_back=Count("pk", filter=Q(kind=CouponEvent.Kind.RELEASE)),
        )
    )
    return {row["coupon__template_id"]: row["used"] - row["given_back"] for row in rows}


def _usable(now) -> Q:
    return Q(status=MemberCoupon.Status.AVAILABLE, valid_from__lte=now, valid_until__gt=now)


def coupons_usable_for_member(member: Member, *, now=None) -> QuerySet[MemberCoupon]:
    """Coupons the member can use today, the soonest to expire first (the counter)."""
    now = now or timezone.now()
    return (
        MemberCoupon.objects.filter(_usable(now), member=member)
        .select_related(*_RELATED)
        .order_by("valid_until", "id")
    )


def coupons_best_for_member(member: Member, *, now=None) -> QuerySet[MemberCoupon]:
    """Usable coupons, the most valuable first, then the soonest to expire (the dashboard)."""
    return coupons_usable_for_member(member, now=now).order_by("-face_value", "valid_until", "id")


def coupons_for_member(member: Member, *, now=None) -> QuerySet[MemberCoupon]:
    """All the member's coupons for "My coupons": usable today first, then by value and
    expiry (the most valuable, then the soonest to end)."""
    now = now or timezone.now()
    return (
        MemberCoupon.objects.filter(member=member)
        .annotate(
            usable_now=Case(
                When(_usable(now), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related(*_RELATED)
        .order_by("-usable_now", "-face_value", "valid_until", "id")
    )


@dataclass(frozen=True)
class CouponRow:
    coupon: MemberCoupon
    state: engine.Reason  # OK when usable today

    @property
    def usable(self) -> bool:
        return self.state is engine.Reason.OK


def coupon_rows(member: Member, coupons, *, now=None) -> list[CouponRow]:
    """Each coupon of a page with the engine's word on it today (used, expired, not yet, the
    member's limit reached): one more query, only when a coupon there has a member limit."""
    now = now or timezone.now()
    coupons = list(coupons)
    limited = {c.template_id for c in coupons if c.per_member_limit is not None}
    uses = coupon_member_uses(member_id=member.pk, template_ids=sorted(limited)) if limited else {}
    return [
        CouponRow(
            coupon=coupon,
            state=engine.coupon_state(
                coupon_terms(coupon, member_uses=uses.get(coupon.template_id, 0)), now
            ),
        )
        for coupon in coupons
    ]
