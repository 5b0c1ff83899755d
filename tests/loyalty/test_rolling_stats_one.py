"""One member's rolling-month statistics (the pages that explain a tier) agree with the
statistics the tier review computes for all members, at the month boundaries and with cents."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.engine.tiers import MemberStats, shift_months
from loyalty.selectors.stats import member_rolling_stats, member_rolling_stats_one
from membership.models import Order
from tests.factories import MemberFactory, OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db

AS_OF = timezone.make_aware(timezone.datetime(2026, 7, 1, 0, 0))


def order(member, store, when, total, status=Order.Status.COMPLETED):
    return OrderFactory(
        member=member, store=store, created_at=when, subtotal=total, total=total, status=status
    )


def test_one_member_buckets_orders_by_rolling_month_and_skips_refunds():
    store = StoreFactory()
    member, other = MemberFactory(), MemberFactory()
    order(member, store, AS_OF - timedelta(minutes=1), Decimal("10.25"))  # month 0
    order(member, store, shift_months(AS_OF, 1), Decimal("20"))  # first instant of month 0
    order(member, store, shift_months(AS_OF, 1) - timedelta(seconds=1), Decimal("40"))  # month 1
    order(member, store, AS_OF - timedelta(days=3), Decimal("99"), Order.Status.REFUNDED)
    order(member, store, AS_OF, Decimal("500"))  # at as_of: not yet in the window
    order(member, store, shift_months(AS_OF, 3) - timedelta(seconds=1), Decimal("700"))  # too old
    order(other, store, AS_OF - timedelta(days=1), Decimal("5"))

    stats = member_rolling_stats_one(member_id=member.pk, as_of=AS_OF, months=3)

    assert [(m.orders, m.spend) for m in stats.months] == [
        (2, Decimal("30.25")),
        (1, Decimal("40")),
        (0, Decimal("0")),
    ]
    assert member_rolling_stats_one(member_id=MemberFactory().pk, as_of=AS_OF, months=3) == (
        MemberStats()
    )


def test_one_member_agrees_with_the_review_statistics_on_random_histories():
    rng = random.Random(7)
    store = StoreFactory()
    members = [MemberFactory() for _ in range(4)]
    statuses = [Order.Status.COMPLETED] * 4 + [Order.Status.REFUNDED]
    for member in members:
        for _ in range(rng.randint(0, 25)):
            when = AS_OF - timedelta(days=rng.randint(0, 430), seconds=rng.randint(0, 86399))
            cents = Decimal(rng.randint(1, 99_999)).scaleb(-2)
            order(member, store, when, cents, rng.choice(statuses))

    for months in (1, 3, 12, 14):
        every = member_rolling_stats(as_of=AS_OF, months=months)
        for member in members:
            one = member_rolling_stats_one(member_id=member.pk, as_of=AS_OF, months=months)
            assert one == every.get(member.pk, MemberStats()), (member.pk, months)
