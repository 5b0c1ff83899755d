"""Checkout under real concurrency (PostgreSQL row locks, real threads)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from loyalty.models import TopUpMethod, WalletAccount
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.wallet import wallet_top_up
from membership.models import Order
from membership.services.orders import OrderLineInput
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]


@pytest.fixture
def shop():
    member = MemberFactory(tier=TierFactory(stored_value_discount_percent=Decimal("10")))
    wallet_top_up(
        member=member, amount=Decimal("100"), method=TopUpMethod.CASH, idempotency_key="seed"
    )
    return member, StaffFactory(), ServiceCategoryFactory()


def pay(member, staff, category, key, amount="100"):
    return lambda: checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=category, quantity=1, amount=Decimal(amount))],
        payments=PaymentSplit(stored_value=Decimal(amount)),
        acting_user=staff,
        idempotency_key=key,
    )


def test_the_same_form_submitted_twice_at_once_records_one_order(shop):
    member, staff, category = shop
    results = run_together(
        [pay(member, staff, category, "same"), pay(member, staff, category, "same")]
    )

    assert all(isinstance(r, Order) for r in results), results
    assert results[0].pk == results[1].pk
    assert Order.objects.count() == 1
    account = WalletAccount.objects.get(member=member)
    assert account.balance == Decimal("10.00")
    assert_ledger_consistent(account)


def test_two_orders_at_once_cannot_overdraw_the_balance(shop):
    member, staff, category = shop
    results = run_together(
        [pay(member, staff, category, "a", "80"), pay(member, staff, category, "b", "80")]
    )

    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(orders) == 1 and len(refused) == 1, results
    assert "Not enough stored value" in str(refused[0])
    assert Order.objects.count() == 1
    account = WalletAccount.objects.get(member=member)
    assert account.balance == Decimal("28.00")
    assert_ledger_consistent(account)
