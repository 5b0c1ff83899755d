"""Money formatting per the active locale (CLDR rules through Babel)."""

from decimal import Decimal

from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

register = template.Library()


def babel_locale() -> str:
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)  # zh_Hans / en
    return {"zh_Hans": "zh_Hans_CN", "en": "en_US"}.get(locale, locale)


@register.filter
def money(amount, currency: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    return format_currency(
        Decimal(amount), currency or settings.PORTAL_CURRENCY, locale=babel_locale()
    )
