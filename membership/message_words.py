"""The words of a member message, written from its kind and data when it is read.

The inbox renders in the reader's language (the active one); the delivery task renders in
the shop's language for SMS and email. Balance notices read like the Chinese shops'
余额变动提醒: what happened, the amount, the balance after, when.

A new kind is one more function in WORDS (and a choice in MemberMessage.Kind).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_symbol
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import get_language, override, to_locale
from django.utils.translation import gettext as _

from membership.models import MemberMessage

Kind = MemberMessage.Kind
_BABEL_LOCALES = {"zh_Hans": "zh_Hans_CN", "en": "en_US"}


@dataclass(frozen=True)
class MessageText:
    subject: str
    body: str

    @property
    def summary(self) -> str:
        """One line for the dashboard and the inbox list."""
        return self.body.splitlines()[0] if self.body else self.subject


# --- formatting helpers (the reader's language is the active one) ------------------------


def _english() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).lower().startswith("en")


@cache
def _home_symbol(currency: str, locale: str) -> tuple[str, str]:
    """As the money filter: the symbol used where the currency is at home ("¥", not "CN¥")."""
    theirs = get_currency_symbol(currency, locale)
    try:
        home = Locale.parse(f"und_{currency[:2]}")
    except (UnknownLocaleError, ValueError):
        return theirs, theirs
    return theirs, get_currency_symbol(currency, home)


def _money(value, currency: str | None = None) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    currency = currency or settings.PORTAL_CURRENCY
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    locale = _BABEL_LOCALES.get(locale, locale)
    text = format_currency(amount, currency, locale=locale)
    theirs, home = _home_symbol(currency, locale)
    return text.replace(theirs, home, 1) if theirs != home else text


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _day(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATE_FORMAT")


def _name(data: dict, prefix: str = "name") -> str:
    """An owner-entered name in the reader's language; English falls back to Chinese."""
    zh, en = data.get(f"{prefix}_zh") or "", data.get(f"{prefix}_en") or ""
    return (en or zh) if _english() else (zh or en)


# --- one function per kind ---------------------------------------------------------------


def _balance_changed(data: dict, created_at: datetime) -> MessageText:
    currency = data.get("currency")
    raw = data.get("amount", "0")
    try:
        signed = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        signed = Decimal("0")
    what = {
        "top_up": _("Top-up"),
        "pay": _("Payment"),
        "refund": _("Refund of a payment"),
        "reversal": _("Top-up refunded"),
        "adjust": _("Adjustment"),
    }.get(data.get("entry_kind", ""), _("Other change"))
    amount = ("+" if signed > 0 else "−") + _money(abs(signed), currency)
    body = _("%(what)s %(amount)s, balance after %(balance)s (%(when)s).") % {
        "what": what,
        "amount": amount,
        "when": _when(created_at),
        "balance": _money(data.get("balance_after", "0"), currency),
    }
    details = []
    if data.get("bonus") and Decimal(str(data["bonus"])) > 0:
        details.append(
            _("Includes a bonus of %(bonus)s.") % {"bonus": _money(data["bonus"], currency)}
        )
    if data.get("source_type") == "order" and data.get("source_id"):
        details.append(_("Order %(order)s.") % {"order": data["source_id"]})
    if details:
        body = body + "\n" + " ".join(details)
    return MessageText(subject=_("Stored value changed"), body=body)


def _coupon_issued(data: dict, created_at: datetime) -> MessageText:
    name = _name(data)
    if data.get("last_day"):
        body = _("You received the coupon %(name)s. Use it by %(date)s.") % {
            "name": name,
            "date": _day(data["last_day"]),
        }
    else:
        body = _("You received the coupon %(name)s.") % {"name": name}
    return MessageText(subject=_("A coupon for you"), body=body)


def _points_granted(data: dict, created_at: datetime) -> MessageText:
    try:
        points = int(data.get("points", 0))
    except (TypeError, ValueError):
        points = 0
    body = _("You received %(points)d points.") % {"points": points}
    reason = _name(data, "reason")
    if not reason and _name(data, "rule"):  # granted by an automatic reward rule
        reason = _("Reward: %(rule)s") % {"rule": _name(data, "rule")}
    if reason:
        body = body + "\n" + reason
    return MessageText(subject=_("Points for you"), body=body)


def _package_granted(data: dict, created_at: datetime) -> MessageText:
    name = _name(data)
    if data.get("expires_at"):
        body = _("The package %(name)s is yours. Use it by %(date)s.") % {
            "name": name,
            "date": _day(data["expires_at"]),
        }
    else:
        body = _("The package %(name)s is yours.") % {"name": name}
    return MessageText(subject=_("A package for you"), body=body)


def _written(default_subject: Callable[[], str]) -> Callable[[dict, datetime], MessageText]:
    """Owner-written text ({subject,body}_{en,zh}); English falls back to Chinese."""

    def words(data: dict, created_at: datetime) -> MessageText:
        subject = _name(data, "subject") or default_subject()
        return MessageText(subject=subject, body=_name(data, "body") or subject)

    return words


WORDS: dict[str, Callable[[dict, datetime], MessageText]] = {
    Kind.BALANCE_CHANGED: _balance_changed,
    Kind.COUPON_ISSUED: _coupon_issued,
    Kind.POINTS_GRANTED: _points_granted,
    Kind.PACKAGE_GRANTED: _package_granted,
    Kind.REWARD: _written(lambda: _("A reward for you")),
    Kind.CUSTOM: _written(lambda: _("A message from the shop")),
}


def message_text(message: MemberMessage, *, language: str | None = None) -> MessageText:
    """The message's words in `language` (default: the active language)."""
    if language is not None:
        with override(language):
            return message_text(message)
    words = WORDS.get(message.kind)
    if words is None:
        return MessageText(subject=_("A message from the shop"), body="")
    return words(message.data or {}, message.created_at)
