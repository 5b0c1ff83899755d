"""One lock order for a member's money: checkouts and refunds of the same member never deadlock.

Before the lock order, checkout locked the package entitlement then the wallet while a refund
locked the wallet then the entitlement: PostgreSQL answered `deadlock detected`.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from loyalty.models import Entitlement, Package, PackageItem, PointsAccount, WalletAccount
from loyalty.services.checkout import PaymentSplit, checkout_order, order_refund, order_void
from loyalty.services.packages import package_grant
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

ROUNDS = 12


@pytest.fixture
def shop():
    member = MemberFactory(tier=TierFactory(stored_value_discount_percent=Decimal("10")))
    staff = StaffFactory()
    shirt = ServiceCategoryFactory(code="shirt")
    suit = ServiceCategoryFactory(code="suit")
    package = Package.objects.create(
        code="shirts", name_zh="衬衫卡", name_en="Shirt card", price=Decimal("99")
    )
    PackageItem.objects.create(package=package, category=shirt, quantity=10 * ROUNDS)
    package_grant(member=member, package=package, idempotency_key="grant")
    wallet_top_up(member=member, amount=Decimal("5000"), method="cash", idempotency_key="money")
    entitlement = Entitlement.objects.get(member=member)
    return member, staff, shirt, suit, entitlement


def checkout(shop, key):
    member, staff, shirt, suit, entitlement = shop
    return checkout_order(
        member=member,
        store=staff.store,
        lines=[
            OrderLineInput(category=shirt, quantity=1, amount=Decimal("20")),
            OrderLineInput(category=suit, quantity=1, amount=Decimal("80")),
        ],
        payments=PaymentSplit(stored_value=Decimal("80")),
        package_entitlement=entitlement,
        acting_user=staff,
        idempotency_key=key,
    )


def test_checkouts_racing_refunds_and_voids_of_the_same_member_never_deadlock(shop):
    member, staff, *_ = shop
    failures = []
    for round_ in range(ROUNDS):
        earlier = [checkout(shop, f"earlier-{round_}-{i}") for i in range(2)]
        results = run_together(
            [
                lambda r=round_: checkout(shop, f"new-{r}-a"),
                lambda o=earlier[0]: order_refund(order=o, reason="race", acting_user=staff),
                lambda r=round_: checkout(shop, f"new-{r}-b"),
                lambda o=earlier[1]: order_void(order=o, reason="race", acting_user=staff),
            ]
        )
        failures += [r for r in results if isinstance(r, Exception)]

    # Nothing here is a business refusal: every call must succeed, none may die of a lock.
    assert failures == [], failures[:3]
    assert Order.objects.filter(status=Order.Status.COMPLETED).count() == 2 * ROUNDS
    assert Order.objects.exclude(status=Order.Status.COMPLETED).count() == 2 * ROUNDS
    for account in (
        WalletAccount.objects.get(member=member),
        PointsAccount.objects.get(member=member),
        Entitlement.objects.get(member=member),
    ):
        assert_ledger_consistent(account)
    assert Entitlement.objects.get(member=member).remaining == 10 * ROUNDS - 2 * ROUNDS


def test_a_refund_racing_itself_is_applied_once(shop):
    member, staff, *_ = shop
    order = checkout(shop, "once")
    results = run_together(
        [lambda: order_refund(order=order, reason="twice", acting_user=staff)] * 4
    )

    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 3, results
    assert all(isinstance(r, Order | ValidationError) for r in results), results
    assert_ledger_consistent(WalletAccount.objects.get(member=member))
    assert WalletAccount.objects.get(member=member).balance == Decimal("5000.00")
