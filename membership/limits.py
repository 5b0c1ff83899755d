"""Bounds on money per order, shared by the forms (portal) and the services (loyalty).

One order may be at most ``settings.PORTAL_MAX_ORDER_AMOUNT`` (default 1,000,000.00), and
never so large that its points overflow ``Order.points_earned`` (a 32-bit column on
PostgreSQL). With the default points rule (1 point per unit) and the largest multiplier a
tier can hold (99.99), 1,000,000.00 earns at most 99,990,000 points: far below the limit.
An owner who raises the points rule lowers the bound (see ``order_amount_limit``).
"""

from decimal import ROUND_DOWN, Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
# Order.points_earned is a PositiveIntegerField: PostgreSQL's integer is 32 bits.
POINTS_PER_ORDER_MAX = 2_147_483_647
# Tier.points_multiplier is DecimalField(max_digits=4, decimal_places=2).
MULTIPLIER_MAX = Decimal("99.99")
DEFAULT_MAX_ORDER_AMOUNT = Decimal("1000000.00")


def max_order_amount() -> Decimal:
    """The deployment's bound on one order (and on any single amount typed at the counter)."""
    value = getattr(settings, "PORTAL_MAX_ORDER_AMOUNT", DEFAULT_MAX_ORDER_AMOUNT)
    return Decimal(str(value)).quantize(CENT)


def order_amount_limit(*, points_per_unit: Decimal = Decimal("1")) -> Decimal:
    """The largest order total allowed: the setting, lowered when the owner's points rule
    (points per unit, before the tier's multiplier) could earn more points than fit."""
    limit = max_order_amount()
    rate = Decimal(points_per_unit) * MULTIPLIER_MAX
    if rate > 0:
        fits = (Decimal(POINTS_PER_ORDER_MAX) / rate).quantize(CENT, rounding=ROUND_DOWN)
        limit = min(limit, fits)
    return limit


def _format(amount: Decimal) -> str:
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    locale = {"zh_Hans": "zh_Hans_CN", "en": "en_US"}.get(locale, locale)
    return format_currency(amount, settings.PORTAL_CURRENCY, locale=locale)


def order_amount_check(*, amount: Decimal, points_per_unit: Decimal = Decimal("1")) -> None:
    """ValidationError with a clear message if ``amount`` is over the per-order bound."""
    limit = order_amount_limit(points_per_unit=points_per_unit)
    if amount > limit:
        raise ValidationError(
            _("One order can be at most %(limit)s.") % {"limit": _format(limit)},
            code="order_too_large",
        )
