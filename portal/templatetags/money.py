"""Money formatting per the active locale (CLDR rules through Babel).

The number follows the reader's language (separators, sign, symbol position), but the symbol
is the one used where the currency is at home: a Chinese shop's prices read "¥68.00" in
English too, not Babel's "CN¥68.00" (which is how an American tells yuan from dollars).
"""

from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_symbol
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

register = template.Library()

_BABEL_LOCALES = {"zh_Hans": "zh_Hans_CN", "en": "en_US"}


def babel_locale(language: str | None = None) -> str:
    locale = to_locale(language or get_language() or settings.LANGUAGE_CODE)  # zh_Hans / en
    return _BABEL_LOCALES.get(locale, locale)


@cache
def _symbols(currency: str, locale: str) -> tuple[str, str]:
    """(the reader's locale's symbol, the symbol at home) for `currency`.

    An ISO 4217 code starts with its country's code, and CLDR's likely-subtags give that
    country's main locale: CNY -> zh_Hans_CN -> "¥". Currencies without one (EUR) keep the
    reader's symbol.
    """
    theirs = get_currency_symbol(currency, locale)
    try:
        home = Locale.parse(f"und_{currency[:2]}")
    except (UnknownLocaleError, ValueError):
        return theirs, theirs
    return theirs, get_currency_symbol(currency, home)


@cache
def _parsed(locale: str) -> Locale:
    """Babel's Locale for a name, parsed once per process (it was parsed at every amount)."""
    return Locale.parse(locale)


@register.filter
def money(amount, currency: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    return _money(str(Decimal(amount)), currency or settings.PORTAL_CURRENCY, babel_locale())


# A shop's amounts repeat (prices, balances, coupon values): each is formatted once per locale.
# Keyed by the amount's text, not the Decimal: -0 equals 0 (and hashes the same) but shows a sign.
@lru_cache(maxsize=4096)
def _money(amount: str, currency: str, locale: str) -> str:
    text = format_currency(Decimal(amount), currency, locale=_parsed(locale))
    theirs, shops = _symbols(currency, locale)
    return text.replace(theirs, shops, 1) if theirs != shops else text
