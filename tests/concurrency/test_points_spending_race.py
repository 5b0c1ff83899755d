"""Spending the same points at once: two catalogue exchanges and a checkout paying with points
(PostgreSQL row locks, real threads). The member lock makes them take turns; the ones that come
second see the points gone and are refused cleanly, and the balance never goes below zero."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from loyalty.flows.points_exchange import points_exchange
from loyalty.models import (
    CouponTemplate,
    LoyaltySettings,
    MemberCoupon,
    PointsAccount,
    PointsReward,
)
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.points import points_earn
from membership.models import Order
from membership.services.orders import OrderLineInput
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]
D = Decimal


@pytest.fixture
def shop():
    row = LoyaltySettings.load()
    row.points_payment_enabled = True
    row.points_payment_rate = 100
    row.points_payment_max_percent = 100
    row.points_payment_minimum = 0
    row.save()
    member = MemberFactory()
    points_earn(member=member, base_amount=D("1000"), idempotency_key="seed")  # 1000 points
    template = CouponTemplate.objects.create(name_zh="券", amount_off=D("10"))
    reward = PointsReward.objects.create(name_zh="券", points_cost=600, coupon_template=template)
    return member, reward, StaffFactory(), ServiceCategoryFactory()


def exchange(member, reward, key):
    return lambda: points_exchange(member=member, reward=reward, idempotency_key=key)


def pay_with_points(member, staff, category, key):
    return lambda: checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=category, quantity=1, amount=D("12.00"))],
        payments=PaymentSplit(cash=D("6.00"), points=600),
        acting_user=staff,
        idempotency_key=key,
    )


def test_two_exchanges_and_a_checkout_never_overdraw(shop):
    member, reward, staff, category = shop
    results = run_together(
        [
            exchange(member, reward, "x1"),
            exchange(member, reward, "x2"),
            pay_with_points(member, staff, category, "order-1"),
        ]
    )

    won = [r for r in results if isinstance(r, MemberCoupon | Order)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(refused) == 2, results
    # "This reward costs 600 points; you have 400." / "The member has 406 points to spend; ..."
    assert all("points" in " ".join(error.messages) for error in refused), refused
    account = PointsAccount.objects.get(member=member)
    earned = won[0].points_earned if isinstance(won[0], Order) else 0
    assert account.balance == 1000 - 600 + earned
    assert MemberCoupon.objects.count() + Order.objects.count() == 1
    assert_ledger_consistent(account)


def test_the_same_exchange_twice_at_once_gives_one_coupon(shop):
    member, reward, _staff, _category = shop
    results = run_together([exchange(member, reward, "same"), exchange(member, reward, "same")])

    assert all(isinstance(r, MemberCoupon) for r in results), results
    assert results[0].pk == results[1].pk
    account = PointsAccount.objects.get(member=member)
    assert account.balance == 400
    assert_ledger_consistent(account)
