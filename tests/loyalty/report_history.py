"""A small shop history, January to March 2026, whose report figures are worked out by hand
in the tests that use it. Times are the shop's (settings.TIME_ZONE). Two entries sit on the
turn of January into February: one at 23:30 on 31 January and one at 00:30 on 1 February,
which is still 31 January in UTC. An order paid from stored value is refunded in March."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings

from loyalty.models import CouponTemplate, ExpiryPolicy, LoyaltySettings, TopUpBonusRule
from loyalty.services.checkout import PaymentSplit, checkout_order, order_refund
from loyalty.services.coupons import coupon_issue
from loyalty.services.points import points_expire_due, points_grant, points_redeem
from loyalty.services.wallet import wallet_top_up, wallet_top_up_refund
from membership.models import Member, Order, Store
from membership.services.orders import OrderLineInput
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory


def local(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


@contextmanager
def shop_clock(moment: datetime):
    """Services that take no ``now`` (refunds) date their rows from timezone.now()."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def order(member, staff, *, key, amount, when, stored_value="0", coupon=None) -> Order:
    amount, stored_value = Decimal(amount), Decimal(stored_value)
    discount = Decimal("10") if coupon else Decimal("0")
    with shop_clock(when):  # the quote checks a coupon's validity against the clock
        return _checkout(member, staff, key, amount, stored_value, discount, coupon, when)


def _checkout(member, staff, key, amount, stored_value, discount, coupon, when) -> Order:
    return checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(ServiceCategoryFactory(), 1, amount)],
        payments=PaymentSplit(stored_value=stored_value, cash=amount - discount - stored_value),
        coupon=coupon,
        acting_user=staff,
        idempotency_key=key,
        now=when,
    )


@dataclass
class MoneyHistory:
    member: Member
    staff: object
    refunded: Order


def money_history() -> MoneyHistory:
    """Stored value and points of one member (see test_report_money for the figures)."""
    shop = LoyaltySettings.load()
    shop.points_expiry_policy = ExpiryPolicy.MONTHS
    shop.points_expiry_months = 2
    shop.save()
    TopUpBonusRule.objects.create(
        name="200 + 40", min_amount=Decimal("200"), bonus_amount=Decimal("40")
    )
    member, staff = MemberFactory(), StaffFactory()
    december = local(12, 15, 10, year=2025)
    first_top_up = wallet_top_up(
        member=member, amount=Decimal("100"), method="cash", idempotency_key="t1", now=december
    ).entry
    order(member, staff, key="o-dec", amount="30", when=december)
    wallet_top_up(
        member=member,
        amount=Decimal("200"),
        method="cash",
        idempotency_key="t2",
        now=local(1, 31, 23, 30),
    )
    order(member, staff, key="o-jan", amount="50", when=local(1, 31, 23, 30))
    paid = order(
        member, staff, key="o-feb", amount="68", stored_value="68", when=local(2, 1, 0, 30)
    )
    points_redeem(member=member, points=20, idempotency_key="r1", now=local(2, 10))
    points_expire_due(now=local(2, 16, 0, 0))
    points_grant(
        member=member, points=15, idempotency_key="g1", reason="welcome", now=local(3, 1, 0, 10)
    )
    with shop_clock(local(3, 5)):
        order_refund(order=paid, reason="stain not removed", acting_user=staff)
    with shop_clock(local(3, 20)):
        wallet_top_up_refund(top_up_entry=first_top_up, idempotency_key="tr1", amount="30")
    return MoneyHistory(member=member, staff=staff, refunded=paid)


@dataclass
class CouponHistory:
    stores: tuple[Store, Store]
    rule: object


def coupon_history(rule) -> CouponHistory:
    """Four coupons (see test_report_marketing for the figures). ``rule`` gives the fourth."""
    template = CouponTemplate.objects.create(
        name_zh="减10", amount_off=Decimal("10"), valid_days=10
    )
    a, b = MemberFactory(), MemberFactory()
    staff_x, staff_y = StaffFactory(), StaffFactory()
    c1 = coupon_issue(member=a, template=template, idempotency_key="c1", now=local(1, 5))
    order(a, staff_x, key="c1-use", amount="60", coupon=c1, when=local(1, 8))
    coupon_issue(member=b, template=template, idempotency_key="c2", now=local(1, 31, 23, 30))
    c3 = coupon_issue(member=a, template=template, idempotency_key="c3", now=local(2, 1, 0, 30))
    refunded = order(a, staff_y, key="c3-use", amount="40", coupon=c3, when=local(2, 3))
    c4 = coupon_issue(
        member=b,
        template=template,
        idempotency_key="c4",
        source_type="reward_rule",
        source_id=str(rule.pk),
        now=local(2, 10),
    )
    order(b, staff_x, key="c4-use", amount="80", coupon=c4, when=local(2, 12))
    with shop_clock(local(3, 5)):
        order_refund(order=refunded, reason="lost button", acting_user=staff_y)
    return CouponHistory(stores=(staff_x.store, staff_y.store), rule=rule)
