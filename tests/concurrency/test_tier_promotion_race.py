"""Promotion on an order happens once when two orders of the member complete at once."""

from decimal import Decimal

import pytest
from django.db import connection

from loyalty.models import TierChange
from loyalty.services.checkout import PaymentSplit, checkout_order
from membership.models import Member, Order
from membership.services.orders import OrderLineInput
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]


def test_two_qualifying_orders_at_once_promote_once():
    basic = TierFactory(code="basic", rank=1)
    core = TierFactory(code="core", rank=2, min_spend=Decimal("300"), promote_on_order=True)
    member, staff, category = MemberFactory(tier=basic), StaffFactory(), ServiceCategoryFactory()

    def buy(key):
        return lambda: checkout_order(
            member=member,
            store=staff.store,
            lines=[OrderLineInput(category, 1, Decimal("400"))],
            payments=PaymentSplit(cash=Decimal("400")),
            acting_user=staff,
            idempotency_key=key,
        )

    results = run_together([buy("a"), buy("b"), buy("c")])

    assert all(isinstance(r, Order) for r in results), results
    assert Member.objects.get(pk=member.pk).tier == core
    assert TierChange.objects.filter(member=member).count() == 1
