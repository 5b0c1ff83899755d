"""Collecting an order paid on collection under real concurrency (PostgreSQL, real threads):
several taps on "collect and pay" at once settle it once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from loyalty.flows.garment_orders import (
    CollectResult,
    garment_order_take_in,
    order_collect_and_pay,
    order_stage_advance,
)
from loyalty.models import PointsAccount, PointsEntry, TopUpMethod, WalletAccount, WalletEntry
from loyalty.services.checkout import PaymentSplit
from loyalty.services.wallet import wallet_top_up
from membership.models import MemberEvent, MemberMessage, Order, StaffAction
from membership.services.orders import GarmentIntake, OrderLineInput
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

TAPS = 4


@pytest.fixture
def ready_order():
    member = MemberFactory(tier=TierFactory(stored_value_discount_percent=Decimal("10")))
    wallet_top_up(
        member=member, amount=Decimal("300"), method=TopUpMethod.CASH, idempotency_key="seed"
    )
    staff = StaffFactory()
    order = garment_order_take_in(
        member=member,
        store=staff.store,
        lines=[
            OrderLineInput(
                category=ServiceCategoryFactory(), quantity=2, amount=Decimal("100"), note="stain"
            )
        ],
        intake=GarmentIntake(due_at=timezone.now() + timedelta(days=2)),
        acting_user=staff,
        idempotency_key="intake",
    )
    order_stage_advance(order=order, to_stage=Order.Stage.READY, acting_user=staff)
    return order, staff


def test_several_collection_taps_at_once_take_one_payment_and_one_points_entry(ready_order):
    order, staff = ready_order
    member = order.member

    def tap():
        return order_collect_and_pay(
            order=Order.objects.get(pk=order.pk),
            payments=PaymentSplit(stored_value=Decimal("100")),
            acting_user=staff,
        )

    results = run_together([tap for _ in range(TAPS)])

    assert all(isinstance(r, CollectResult) for r in results), results
    assert sum(r.settled_now for r in results) == 1
    paid = Order.objects.get(pk=order.pk)
    assert paid.status == Order.Status.COMPLETED and paid.stage == Order.Stage.COLLECTED
    assert paid.wallet_amount == Decimal("90.00")
    assert WalletEntry.objects.filter(account__member=member, kind="pay").count() == 1
    assert PointsEntry.objects.filter(account__member=member, kind="earn").count() == 1
    assert (
        MemberEvent.objects.filter(member=member, kind=MemberEvent.Kind.ORDER_COMPLETED).count()
        == 1
    )
    assert StaffAction.objects.filter(action="order.collect").count() == 1
    assert MemberMessage.objects.filter(member=member, kind="order_ready").count() == 1
    wallet = WalletAccount.objects.get(member=member)
    assert wallet.balance == Decimal("210.00")
    assert_ledger_consistent(wallet)
    assert_ledger_consistent(PointsAccount.objects.get(member=member))
