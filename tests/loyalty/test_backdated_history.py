"""`now=` dates an order and every ledger entry it writes (the demo's history, imports)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import PointsEntry, WalletEntry
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.wallet import wallet_top_up
from membership.services.orders import OrderLineInput
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_an_order_from_last_spring_is_dated_then_in_every_ledger():
    member, staff = MemberFactory(), StaffFactory()
    spring = timezone.make_aware(datetime(2026, 4, 3, 15, 30))
    wallet_top_up(
        member=member, amount=Decimal("100"), method="cash", idempotency_key="t", now=spring
    )

    order = checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=ServiceCategoryFactory(), quantity=2, amount=Decimal("60"))],
        payments=PaymentSplit(stored_value=Decimal("40"), cash=Decimal("20")),
        acting_user=staff,
        idempotency_key="spring",
        now=spring + timedelta(days=1),
    )

    assert order.created_at == spring + timedelta(days=1)
    assert list(WalletEntry.objects.order_by("id").values_list("created_at", flat=True)) == [
        spring,
        spring + timedelta(days=1),
    ]
    earned = PointsEntry.objects.get(source_id=order.number)
    assert earned.amount == order.points_earned > 0
    assert earned.created_at == spring + timedelta(days=1)


def test_a_backdated_order_is_numbered_with_its_own_day():
    member, staff = MemberFactory(), StaffFactory()
    spring = timezone.make_aware(datetime(2026, 4, 3, 15, 30))

    order = checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=ServiceCategoryFactory(), quantity=1, amount=Decimal("20"))],
        payments=PaymentSplit(cash=Decimal("20")),
        acting_user=staff,
        idempotency_key="numbered",
        now=spring,
    )

    assert order.number.startswith("O260403")
