"""The chain rule: staff serve members at any store, but refund or void only their own store's
orders; the owner can cancel any order."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from loyalty.models import TopUpMethod, WalletAccount
from loyalty.services.checkout import (
    PaymentSplit,
    checkout_order,
    order_can_cancel,
    order_refund,
    order_void,
)
from loyalty.services.wallet import wallet_top_up
from membership.models import Order, StaffAction
from membership.services.orders import OrderLineInput
from tests.factories import MemberFactory, OwnerFactory, ServiceCategoryFactory, StaffFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_at_store_a():
    member = MemberFactory()
    wallet_top_up(
        member=member, amount=Decimal("100"), method=TopUpMethod.CASH, idempotency_key="t"
    )
    clerk_a = StaffFactory()
    order = checkout_order(
        member=member,
        store=clerk_a.store,
        lines=[OrderLineInput(category=ServiceCategoryFactory(), quantity=1, amount=Decimal("40"))],
        payments=PaymentSplit(stored_value=Decimal("40")),
        acting_user=clerk_a,
        idempotency_key="order",
    )
    return order, clerk_a


@pytest.mark.parametrize("service", [order_refund, order_void])
def test_staff_of_another_store_cannot_refund_or_void_and_nothing_changes(
    order_at_store_a, service
):
    order, _clerk_a = order_at_store_a
    clerk_b = StaffFactory()  # works at another store
    assert clerk_b.store_id != order.store_id

    with pytest.raises(ValidationError, match="Only staff of the store"):
        service(order=order, reason="wrong store", acting_user=clerk_b)

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert WalletAccount.objects.get(member=order.member).balance == Decimal("60.00")
    assert not StaffAction.objects.filter(actor=clerk_b).exists()
    assert order_can_cancel(order=order, user=clerk_b) is False


def test_staff_of_the_store_and_the_owner_can(order_at_store_a):
    order, clerk_a = order_at_store_a
    owner = OwnerFactory()
    assert order_can_cancel(order=order, user=clerk_a) is True
    assert order_can_cancel(order=order, user=owner) is True

    order_refund(order=order, reason="owner refunds", acting_user=owner)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    account = WalletAccount.objects.get(member=order.member)
    assert account.balance == Decimal("100.00")
    assert_ledger_consistent(account)


def test_staff_without_a_store_cannot_cancel(order_at_store_a):
    order, _clerk_a = order_at_store_a
    roaming = StaffFactory(store=None)

    with pytest.raises(ValidationError):
        order_void(order=order, reason="no store", acting_user=roaming)
