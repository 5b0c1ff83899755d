"""Coupons under real concurrency (PostgreSQL row locks, real threads): a coupon is never used
more times than it has uses, however many counters try at once."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from loyalty.models import CouponEvent, CouponTemplate, MemberCoupon
from loyalty.services.coupons import CouponRedemption, coupon_issue, coupon_redeem
from tests.concurrency.threads import run_together
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and real threads need PostgreSQL"
    ),
]


def coupon_with(uses: int) -> MemberCoupon:
    template = CouponTemplate.objects.create(
        name_zh="减20", amount_off=Decimal("20"), uses_per_coupon=uses
    )
    return coupon_issue(member=MemberFactory(), template=template, idempotency_key="c")


def redeem(coupon, key):
    return lambda: coupon_redeem(coupon=coupon, order_total=Decimal("100"), idempotency_key=key)


def outcome(results):
    used = [r for r in results if isinstance(r, CouponRedemption)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(used) + len(refused) == len(results), results  # nothing else went wrong
    return used, refused


def test_fifty_counters_at_once_use_a_single_use_coupon_exactly_once():
    coupon = coupon_with(uses=1)

    used, refused = outcome(run_together([redeem(coupon, f"order-{n}") for n in range(50)]))

    assert len(used) == 1 and len(refused) == 49
    assert all("already been used" in str(error) for error in refused)
    coupon.refresh_from_db()
    assert coupon.uses_left == 0 and coupon.status == MemberCoupon.Status.REDEEMED
    assert CouponEvent.objects.filter(kind="redeem").count() == 1


def test_a_multi_use_coupon_never_exceeds_its_uses():
    coupon = coupon_with(uses=3)

    used, refused = outcome(run_together([redeem(coupon, f"order-{n}") for n in range(20)]))

    assert len(used) == 3 and len(refused) == 17
    coupon.refresh_from_db()
    assert coupon.uses_left == 0 and coupon.status == MemberCoupon.Status.REDEEMED
    assert CouponEvent.objects.filter(kind="redeem").count() == 3


def test_the_same_redemption_sent_twice_at_once_uses_the_coupon_once():
    coupon = coupon_with(uses=2)

    used, refused = outcome(run_together([redeem(coupon, "same"), redeem(coupon, "same")]))

    assert len(used) == 2 and not refused
    assert used[0].event.pk == used[1].event.pk
    coupon.refresh_from_db()
    assert coupon.uses_left == 1
