"""The receipt: the balance left after payment, printable on a receipt printer, in the
member's language (the counter picks it), and money that reads ¥ in both languages."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from loyalty.models import TopUpMethod
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.wallet import wallet_top_up
from membership.services.orders import OrderLineInput
from portal.templatetags.money import money
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def paid(db):
    """A Core member (10% off stored value) with ¥200, who pays a ¥100 order from it."""
    core = TierFactory(code="core", stored_value_discount_percent=D("10"), points_multiplier=D("2"))
    member = MemberFactory(tier=core)
    wallet_top_up(member=member, amount=D("200"), method=TopUpMethod.CASH, idempotency_key="t")
    staff = StaffFactory()
    suit = ServiceCategoryFactory(code="suit", name_zh="西装", name_en="Suits")
    order = checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=suit, quantity=2, amount=D("100"))],
        payments=PaymentSplit(stored_value=D("100")),
        acting_user=staff,
        idempotency_key="o",
    )
    return {"member": member, "staff": staff, "order": order, "suit": suit}


def _language(client, code: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code


def test_member_receipt_shows_the_stored_value_left_after_paying(client, paid):
    client.force_login(paid["member"].user)
    _language(client, "zh-hans")
    # 200 − (100 less 10%) = 110, and a later top-up does not change what this receipt says.
    wallet_top_up(
        member=paid["member"], amount=D("50"), method=TopUpMethod.CASH, idempotency_key="later"
    )

    response = client.get(reverse("customer:order", kwargs={"number": paid["order"].number}))

    html = response.content.decode()
    assert 'data-testid="receipt-balance-after">¥110.00<' in html
    assert "储值余额" in html
    assert "css/receipt-print.css" in html and 'media="print"' in html


def test_a_cash_order_shows_the_balance_the_member_had_then(client, paid):
    order = checkout_order(
        member=paid["member"],
        store=paid["staff"].store,
        lines=[OrderLineInput(category=paid["suit"], quantity=1, amount=D("30"))],
        payments=PaymentSplit(cash=D("30")),
        acting_user=paid["staff"],
        idempotency_key="cash",
    )
    client.force_login(paid["staff"])
    _language(client, "en")

    html = client.get(reverse("counter:order", kwargs={"number": order.number})).content.decode()

    assert 'data-testid="receipt-balance-after">¥110.00<' in html


def test_no_wallet_no_balance_line(client, paid):
    member = MemberFactory()
    order = checkout_order(
        member=member,
        store=paid["staff"].store,
        lines=[OrderLineInput(category=paid["suit"], quantity=1, amount=D("30"))],
        payments=PaymentSplit(card=D("30")),
        acting_user=paid["staff"],
        idempotency_key="nowallet",
    )
    client.force_login(member.user)

    html = client.get(reverse("customer:order", kwargs={"number": order.number})).content.decode()

    assert 'data-testid="receipt"' in html
    assert "receipt-balance-after" not in html


@pytest.mark.parametrize(
    ("receipt", "expected", "absent"),
    [("en", "Stored value left", "储值余额"), ("zh-hans", "储值余额", "Stored value left")],
)
def test_counter_prints_the_receipt_in_the_language_staff_choose(
    client, paid, receipt, expected, absent
):
    client.force_login(paid["staff"])
    _language(client, "zh-hans" if receipt == "en" else "en")  # staff read the other language
    url = reverse("counter:order", kwargs={"number": paid["order"].number})

    html = client.get(url, {"receipt": receipt}).content.decode()

    receipt_html = html[html.index('data-testid="receipt"') : html.index("</section>")]
    assert expected in receipt_html and absent not in receipt_html
    assert f'lang="{receipt}" data-testid="receipt"' in html
    assert 'data-testid="print-receipt"' in html


def test_an_unknown_receipt_language_falls_back_to_the_page_language(client, paid):
    client.force_login(paid["staff"])
    _language(client, "en")
    url = reverse("counter:order", kwargs={"number": paid["order"].number})

    response = client.get(url, {"receipt": "<script>"})

    assert response.status_code == 200
    assert 'lang="en" data-testid="receipt"' in response.content.decode()


def test_receipt_page_query_count(client, paid, django_assert_max_num_queries):
    client.force_login(paid["member"].user)
    url = reverse("customer:order", kwargs={"number": paid["order"].number})
    client.get(url)
    with django_assert_max_num_queries(8):
        client.get(url)


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("en", "CNY", "¥1,234.50"),
        ("zh-hans", "CNY", "¥1,234.50"),
        ("en", "USD", "$1,234.50"),
        ("zh-hans", "USD", "$1,234.50"),
        ("en", "EUR", "€1,234.50"),
        ("en", "HKD", "HK$1,234.50"),
    ],
)
def test_money_uses_the_shop_language_symbol_in_every_language(language, currency, expected):
    with translation.override(language):
        assert money(D("1234.5"), currency) == expected
    with translation.override(language):
        assert money(D("-3"), currency).startswith("-")
