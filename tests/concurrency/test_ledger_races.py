"""Real threads against PostgreSQL: row locks must make concurrent spends safe.

SQLite serialises writers at the file level and cannot show row-lock behaviour, so these
tests run only on PostgreSQL (CI runs the suite on both).
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from loyalty.models import CouponEvent, CouponTemplate, PointsAccount, WalletAccount, WalletEntry
from loyalty.services.coupons import coupon_issue, coupon_redeem
from loyalty.services.points import points_earn, points_redeem
from loyalty.services.wallet import wallet_pay, wallet_top_up
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(count: int, work) -> tuple[list, list]:
    """Run `work(i)` in `count` threads released at the same moment: (successes, refusals)."""
    results = run_together([lambda i=i: work(i) for i in range(count)])
    crashes = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError)
    ]
    assert crashes == []
    successes = [r for r in results if not isinstance(r, Exception)]
    return successes, [r for r in results if isinstance(r, ValidationError)]


def test_50_concurrent_payments_of_1_from_a_wallet_of_10():
    member = MemberFactory()
    wallet_top_up(member=member, amount=Decimal("10"), method="cash", idempotency_key="seed")

    successes, refusals = _race(
        50, lambda i: wallet_pay(member=member, amount=Decimal("1"), idempotency_key=f"pay-{i}")
    )

    assert len(successes) == 10
    assert len(refusals) == 40
    assert all("Not enough stored value" in " ".join(e.messages) for e in refusals)
    wallet = WalletAccount.objects.get(member=member)
    assert wallet.balance == Decimal("0.00")
    assert WalletEntry.objects.filter(kind="pay").count() == 10
    assert_ledger_consistent(wallet)


def test_the_same_payment_retried_concurrently_is_charged_once():
    member = MemberFactory()
    wallet_top_up(member=member, amount=Decimal("10"), method="cash", idempotency_key="seed")

    successes, refusals = _race(
        20, lambda i: wallet_pay(member=member, amount=Decimal("3"), idempotency_key="order-1")
    )

    assert len(successes) == 20 and refusals == []
    assert len({r.entry.pk for r in successes}) == 1
    assert WalletAccount.objects.get(member=member).balance == Decimal("7.00")


def test_concurrent_points_redemptions_cannot_overdraw():
    member = MemberFactory()
    points_earn(member=member, base_amount=Decimal("100"), idempotency_key="seed")

    successes, refusals = _race(
        30, lambda i: points_redeem(member=member, points=7, idempotency_key=f"r-{i}")
    )

    assert len(successes) == 14 and len(refusals) == 16  # 14 × 7 = 98
    account = PointsAccount.objects.get(member=member)
    assert account.balance == 2
    assert_ledger_consistent(account)


def test_first_use_of_a_new_account_from_many_threads_creates_one_account():
    member = MemberFactory()

    successes, _ = _race(
        20,
        lambda i: wallet_top_up(
            member=member, amount=Decimal("5"), method="cash", idempotency_key=f"t-{i}"
        ),
    )

    assert len(successes) == 20
    wallet = WalletAccount.objects.get(member=member)
    assert wallet.balance == Decimal("100.00")
    assert_ledger_consistent(wallet)


def test_single_use_coupon_redeemed_concurrently_is_used_once():
    member = MemberFactory()
    template = CouponTemplate.objects.create(name_zh="减50", amount_off=Decimal("50"))
    coupon = coupon_issue(member=member, template=template, idempotency_key="issue")

    successes, refusals = _race(
        25,
        lambda i: coupon_redeem(
            coupon=coupon, order_total=Decimal("100"), idempotency_key=f"order-{i}"
        ),
    )

    assert len(successes) == 1 and len(refusals) == 24
    assert CouponEvent.objects.filter(kind="redeem").count() == 1
