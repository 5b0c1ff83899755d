"""Amounts as the reader's language writes them, the shop's currency symbol kept; formatted
once per amount and locale, so a repeated amount reads the same as the first time."""

from decimal import Decimal

from django.utils import translation

from portal.templatetags.money import money


def test_amounts_follow_the_readers_language_and_keep_the_shops_symbol():
    with translation.override("en"):
        assert money(Decimal("1234.5")) == "¥1,234.50"
        assert money("1234.50", "CNY") == "¥1,234.50"  # the same amount, written otherwise
        assert money(Decimal("-3"), "JPY") == "-￥3"
    with translation.override("zh-hans"):
        assert money(Decimal("1234.5"), "EUR") == "€1,234.50"


def test_repeated_amounts_read_the_same_and_a_negative_zero_keeps_its_sign():
    for _ in range(2):
        with translation.override("en"):
            assert money(Decimal("0")) == "¥0.00"
            assert money(Decimal("-0")) == "-¥0.00"
            assert money(Decimal("0.00")) == "¥0.00"
    assert money(None) == "" and money("") == ""
