"""Typed path parameters: a URL whose parameter could never name a row is a 404 before any
query runs, so junk (NUL bytes, overlong or unicode text, huge numbers) never reaches the
database. Imported by the URLconfs that use them; registered once, here."""

from django.urls import register_converter


class MemberNumberConverter:
    """Member numbers: letters, digits, '-' and '_' (``M234567890``; imported ones may carry
    a dash), at most 20 (the column's length)."""

    regex = "[A-Za-z0-9_-]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class OrderNumberConverter(MemberNumberConverter):
    """Order numbers: letters, digits, '-' and '_' (``O251123ABC234``, ``DEMO-000001-001``),
    at most 32 (the column's length)."""

    regex = "[A-Za-z0-9_-]{1,32}"


class CardCodeConverter(MemberNumberConverter):
    """The one-time code in a member card's QR URL. Letters pass too: the card check refuses
    a malformed code with the same message as a wrong one, and counts it."""

    regex = "[A-Za-z0-9]{1,20}"


class IdConverter:
    """A row id: at most 18 digits, so it always fits a 64-bit integer column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(MemberNumberConverter, "member_number")
register_converter(OrderNumberConverter, "order_number")
register_converter(CardCodeConverter, "card_code")
register_converter(IdConverter, "id")
