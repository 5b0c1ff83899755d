"""{{ coupon|coupon_value }} and {{ coupon|coupon_conditions }}: see portal.coupon_words."""

from django import template

from portal.coupon_words import coupon_conditions_text, coupon_value_text

register = template.Library()


@register.filter
def coupon_value(coupon) -> str:
    return coupon_value_text(coupon)


@register.filter
def coupon_conditions(coupon) -> str:
    return coupon_conditions_text(coupon)
