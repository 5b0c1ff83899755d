"""Real threads against PostgreSQL: a package bought online is granted once, however many
copies of its webhook event arrive at the same moment; a counter sale confirmed by several
taps at once is sold and paid once."""

from decimal import Decimal

import pytest
from django.db import connection

from loyalty.flows.online_topup import stripe_event_handle
from loyalty.flows.package_sale import package_online_attach_session, package_purchase
from loyalty.models import (
    Entitlement,
    EntitlementEntry,
    MemberPackage,
    Package,
    PackageItem,
    PackageSale,
    StripeEvent,
    WalletAccount,
)
from loyalty.services.wallet import wallet_top_up
from membership.models import MemberEvent, StaffAction
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory
from tests.fakestripe import paid_session_event
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _pending_sale(session_id: str) -> PackageSale:
    package = Package.objects.create(code="suit-month", name_zh="西装月卡", price=Decimal("399"))
    PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=4)
    sale = PackageSale.objects.create(
        member=MemberFactory(),
        package=package,
        price=package.price,
        amount_paid=package.price,
        currency="CNY",
        paid_by=PackageSale.PaidBy.ONLINE,
    )
    return package_online_attach_session(sale=sale, session_id=session_id)


def _session(sale: PackageSale) -> dict:
    return {
        "id": sale.stripe_session_id,
        "object": "checkout.session",
        "amount_total": 39900,
        "currency": "cny",
        "metadata": {"package_sale": str(sale.reference)},
    }


def _granted_once(sale: PackageSale) -> None:
    assert MemberPackage.objects.count() == 1
    assert EntitlementEntry.objects.filter(kind="grant").count() == 1
    assert MemberEvent.objects.filter(kind="package_bought").count() == 1
    sale.refresh_from_db()
    assert sale.status == "paid" and sale.member_package == MemberPackage.objects.get()
    assert_ledger_consistent(Entitlement.objects.get())


def test_the_same_event_delivered_by_8_threads_at_once_grants_once():
    sale = _pending_sale("cs_test_race")
    event = paid_session_event(_session(sale), event_id="evt_same", payment_intent="pi_race")

    results = run_together([lambda: stripe_event_handle(event=event) for _ in range(8)])

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(results) == ["already_credited"] * 7 + ["credited"]
    assert StripeEvent.objects.filter(event_id="evt_same").count() == 1
    _granted_once(sale)


def test_different_events_for_one_session_at_once_grant_once():
    sale = _pending_sale("cs_test_race2")
    events = [
        paid_session_event(_session(sale), payment_intent="pi_race2", event_type=kind)
        for kind in ["checkout.session.completed", "checkout.session.async_payment_succeeded"] * 3
    ]

    results = run_together([lambda e=e: stripe_event_handle(event=e) for e in events])

    assert [r for r in results if isinstance(r, Exception)] == []
    assert results.count("credited") == 1
    _granted_once(sale)


def test_a_counter_sale_confirmed_by_6_threads_at_once_is_sold_and_paid_once():
    package = Package.objects.create(code="suit-month", name_zh="西装月卡", price=Decimal("399"))
    PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=4)
    member = MemberFactory()
    wallet_top_up(member=member, amount=Decimal("500"), method="cash", idempotency_key="seed")
    staff = StaffFactory()

    results = run_together(
        [
            lambda: package_purchase(
                member=member,
                package=package,
                paid_by="stored_value",
                acting_user=staff,
                idempotency_key="double-tap",
            )
            for _ in range(6)
        ]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert {r.sale.pk for r in results} == {PackageSale.objects.get().pk}
    wallet = WalletAccount.objects.get(member=member)
    assert wallet.balance == Decimal("101.00")
    assert_ledger_consistent(wallet)
    assert MemberPackage.objects.count() == 1
    assert StaffAction.objects.filter(action="package.sell").count() == 1
