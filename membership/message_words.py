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
    # A page on this site the message leads to (a path; the channels make it absolute), and
    # the words of its button.
    link: str = ""
    link_label: str = ""

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


def _order_ready(data: dict, created_at: datetime) -> MessageText:
    order, store = data.get("order", ""), data.get("store", "")
    if data.get("delivery"):
        body = _("Order %(order)s is clean and ready: we will bring it to you.") % {"order": order}
    else:
        body = _("Order %(order)s is clean and ready for pickup at %(store)s.") % {
            "order": order,
            "store": store,
        }
    if data.get("to_pay"):
        body = (
            body
            + "\n"
            + _("To pay on collection: %(amount)s.")
            % {"amount": _money(data["to_pay"], data.get("currency"))}
        )
    return MessageText(subject=_("Your clothes are ready"), body=body)


def _moment(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return None
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _visit(data: dict) -> str:
    return {
        "pickup": _("pickup"),
        "delivery": _("delivery"),
        "appointment": _("appointment"),
    }.get(data.get("kind", ""), _("booking"))


def _slot(data: dict) -> str:
    """ "Nov. 24 14:00–16:00" in the reader's language."""
    start, end = _moment(data.get("start")), _moment(data.get("end"))
    if start is None:
        return ""
    text = f"{formats.date_format(start, 'MONTH_DAY_FORMAT')} {start:%H:%M}"
    return f"{text}–{end:%H:%M}" if end is not None else text


def _booking_changed(data: dict, created_at: datetime) -> MessageText:
    values = {"visit": _visit(data), "when": _slot(data), "store": data.get("store", "")}
    status, kind = data.get("status"), data.get("kind")
    if status == "confirmed":
        return MessageText(
            subject=_("Booking confirmed"),
            body=_("Your %(visit)s on %(when)s is confirmed (%(store)s).") % values,
        )
    if status == "on_the_way":
        return MessageText(
            subject=_("We are on our way"),
            body=_("We are on our way for your %(visit)s (%(when)s).") % values,
        )
    if status == "done" and kind == "pickup":
        return MessageText(
            subject=_("Pickup done"),
            body=_("We picked up your clothes (%(when)s). We will tell you when they are ready.")
            % values,
        )
    if status == "done" and kind == "delivery":
        return MessageText(
            subject=_("Delivered"),
            body=_("Your clothes were delivered (%(when)s). Thank you!") % values,
        )
    if status == "done":
        return MessageText(
            subject=_("Visit done"), body=_("Thank you for your visit (%(when)s).") % values
        )
    if status == "cancelled":
        body = _("The store cancelled your %(visit)s on %(when)s: %(reason)s") % (
            values | {"reason": data.get("reason", "")}
        )
        if data.get("returns_cancelled"):
            body += "\n" + _("Its return delivery is cancelled too.")
        return MessageText(
            subject=_("Booking cancelled"),
            body=body + "\n" + _("Book another time in the app, or call the store."),
        )
    if status == "missed" and kind == "appointment":
        body = _("We missed you at your appointment (%(when)s): %(reason)s") % (
            values | {"reason": data.get("reason", "")}
        )
        return MessageText(
            subject=_("We missed you"),
            body=body + "\n" + _("Book another time in the app, or call the store."),
        )
    if status == "missed":
        body = _("We came for your %(visit)s (%(when)s) but missed you: %(reason)s") % (
            values | {"reason": data.get("reason", "")}
        )
        if data.get("returns_cancelled"):
            body += "\n" + _("Its return delivery is cancelled too.")
        return MessageText(
            subject=_("We missed you"),
            body=body + "\n" + _("Book another time in the app, or call the store."),
        )
    return MessageText(
        subject=_("Booking update"),
        body=_("Your %(visit)s on %(when)s has changed.") % values,
    )


def _booking_reminder(data: dict, created_at: datetime) -> MessageText:
    values = {"visit": _visit(data), "when": _slot(data), "store": data.get("store", "")}
    start = _moment(data.get("start"))
    if data.get("which") == "hour":
        subject = _("Reminder: your %(visit)s soon") % values
        body = _("Your %(visit)s with %(store)s starts at %(start)s, in about an hour.") % (
            values | {"start": f"{start:%H:%M}" if start else ""}
        )
    else:
        subject = _("Reminder: your %(visit)s tomorrow") % values
        body = _("Your %(visit)s with %(store)s is tomorrow, %(when)s.") % values
    link = data.get("link") or ""
    if not (isinstance(link, str) and link.startswith("/") and not link.startswith("//")):
        link = ""
    return MessageText(
        subject=subject, body=body, link=link, link_label=_("Skip or move it") if link else ""
    )


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
    Kind.ORDER_READY: _order_ready,
    Kind.BOOKING_CHANGED: _booking_changed,
    Kind.BOOKING_REMINDER: _booking_reminder,
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
