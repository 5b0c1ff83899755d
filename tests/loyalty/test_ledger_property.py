"""Property test: random sequences of earn, redeem, top-up, pay, refund and expire.

After every step each balance equals the sum of its entries and is never negative.
At least 10,000 operations run in all (many examples of short sequences, each rolled back).
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.models import (
    LoyaltySettings,
    PointsAccount,
    PointsEntry,
    TopUpBonusRule,
    WalletAccount,
    WalletEntry,
)
from loyalty.services.points import points_earn, points_expire_due, points_redeem, points_reverse
from loyalty.services.wallet import wallet_pay, wallet_refund, wallet_top_up, wallet_top_up_refund
from tests.factories import MemberFactory, TierFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

EXAMPLES = 200  # × 50 steps = 10,000 operations
STEPS = 50

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2)
operation = st.one_of(
    st.tuples(st.just("earn"), money),
    st.tuples(st.just("redeem"), st.integers(min_value=1, max_value=400)),
    st.tuples(st.just("top_up"), money),
    st.tuples(st.just("pay"), money),
    st.tuples(st.just("refund_payment"), st.integers(min_value=0, max_value=50), st.booleans()),
    st.tuples(st.just("refund_top_up"), st.integers(min_value=0, max_value=50), st.booleans()),
    st.tuples(st.just("reverse_points"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("expire"), st.integers(min_value=1, max_value=60)),
)


def test_balances_equal_the_sum_of_entries_after_every_step():
    row = LoyaltySettings.load()
    row.points_expiry_policy = "months"
    row.points_expiry_months = 1
    row.save()
    TopUpBonusRule.objects.create(
        name="100+20", min_amount=Decimal("100"), bonus_amount=Decimal("20")
    )
    tier = TierFactory(points_multiplier=Decimal("2"), stored_value_discount_percent=Decimal("10"))
    done = {"operations": 0, "refused": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(ops=st.lists(operation, min_size=STEPS, max_size=STEPS))
    def run(ops):
        with transaction.atomic():
            member = MemberFactory(tier=tier)
            clock = timezone.now()
            payments, top_ups, points = [], [], []
            accounts = (
                PointsAccount.objects.create(member=member),
                WalletAccount.objects.create(member=member),
            )
            for n, op in enumerate(ops):
                key = f"op-{n}"
                try:
                    match op:
                        case ("earn", amount):
                            if entry := points_earn(
                                member=member, base_amount=amount, idempotency_key=key, now=clock
                            ):
                                points.append(entry)
                        case ("redeem", count):
                            points.append(
                                points_redeem(
                                    member=member, points=count, idempotency_key=key, now=clock
                                )
                            )
                        case ("top_up", amount):
                            top_ups.append(
                                wallet_top_up(
                                    member=member, amount=amount, method="cash", idempotency_key=key
                                ).entry
                            )
                        case ("pay", amount):
                            payments.append(
                                wallet_pay(member=member, amount=amount, idempotency_key=key).entry
                            )
                        case ("refund_payment", index, partial) if payments:
                            entry = payments[index % len(payments)]
                            wallet_refund(
                                payment_entry=entry,
                                idempotency_key=key,
                                amount=Decimal("0.01") if partial else None,
                            )
                        case ("refund_top_up", index, partial) if top_ups:
                            entry = top_ups[index % len(top_ups)]
                            wallet_top_up_refund(
                                top_up_entry=entry,
                                idempotency_key=key,
                                amount=Decimal("1") if partial else None,
                            )
                        case ("reverse_points", index) if points:
                            points_reverse(
                                entry=points[index % len(points)], idempotency_key=key, now=clock
                            )
                        case ("expire", days):
                            clock += timezone.timedelta(days=days)
                            points_expire_due(now=clock)
                        case _:
                            pass
                except ValidationError:
                    done["refused"] += 1
                done["operations"] += 1
                for account in accounts:
                    assert_ledger_consistent(account)
            # A retry of every operation with its key writes nothing new.
            counts = (PointsEntry.objects.count(), WalletEntry.objects.count())
            for entry in top_ups[:3]:
                wallet_top_up(
                    member=member,
                    amount=entry.principal_amount,
                    method="cash",
                    idempotency_key=entry.idempotency_key,
                )
            assert (PointsEntry.objects.count(), WalletEntry.objects.count()) == counts
            transaction.set_rollback(True)

    run()

    assert done["operations"] >= 10_000
    assert 0 < done["refused"] < done["operations"]  # both paths were exercised
