"""A coupon in words, the same for members, staff and the checkout form: what it takes off
and on what. The decision itself is loyalty.engine.coupons'."""

from decimal import Decimal

from django.utils.translation import gettext as _

from loyalty.models import CouponTemplate, CouponValueType, MemberCoupon
from portal.templatetags.money import money


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"  # 20.00 -> "20", 12.50 -> "12.5"


def coupon_value_text(coupon: MemberCoupon | CouponTemplate) -> str:
    """What the coupon takes off: "¥50.00 off", "20% off, up to ¥30.00", "One free Shirt"."""
    if coupon.value_type == CouponValueType.PERCENT:
        return _("%(percent)s%% off, up to %(cap)s") % {
            "percent": _percent(coupon.percent_off),
            "cap": money(coupon.max_discount),
        }
    if coupon.value_type == CouponValueType.FREE_ITEM:
        return _("One free %(service)s") % {"service": coupon.free_category.display_name}
    return _("%(amount)s off") % {"amount": money(coupon.amount_off)}


def coupon_conditions_text(coupon: MemberCoupon | CouponTemplate) -> str:
    """On what: the minimum, the category, the uses left ("" when none apply)."""
    parts = []
    if coupon.scope_category_id is not None:
        if coupon.min_spend > 0:
            parts.append(
                _("on %(service)s from %(min)s")
                % {"service": coupon.scope_category.display_name, "min": money(coupon.min_spend)}
            )
        else:
            parts.append(_("only on %(service)s") % {"service": coupon.scope_category.display_name})
    elif coupon.min_spend > 0:
        parts.append(_("on orders from %(min)s") % {"min": money(coupon.min_spend)})
    if isinstance(coupon, MemberCoupon):
        if coupon.uses_total > 1:
            parts.append(
                _("%(left)d of %(total)d uses left")
                % {"left": coupon.uses_left, "total": coupon.uses_total}
            )
    elif coupon.uses_per_coupon > 1:
        parts.append(_("%(total)d uses") % {"total": coupon.uses_per_coupon})
    return " · ".join(parts)
