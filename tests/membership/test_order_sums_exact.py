"""The order's sum constraints hold for amounts in cents on every database: SQLite keeps
decimals as floating point, where 1.02 + 9.19 is not 10.21."""

from decimal import Decimal

import pytest

from membership.models import Order
from tests.factories import MemberFactory, StoreFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("subtotal", "tier_discount", "wallet", "cash"),
    [
        (D("10.21"), D("1.02"), D("9.19"), D("0")),
        (D("10.35"), D("1.04"), D("4.10"), D("5.21")),
        (D("0.30"), D("0.10"), D("0.10"), D("0.10")),
    ],
)
def test_a_ten_percent_tier_discount_in_cents_is_stored(subtotal, tier_discount, wallet, cash):
    total = subtotal - tier_discount
    order = Order.objects.create(
        member=MemberFactory(),
        store=StoreFactory(),
        number="O-cents",
        subtotal=subtotal,
        tier_discount=tier_discount,
        discount=tier_discount,
        total=total,
        wallet_amount=wallet,
        cash_amount=cash,
    )

    order.refresh_from_db()
    assert (order.subtotal, order.discount, order.total) == (subtotal, tier_discount, total)
