"""Coupons by month and each reward rule's effect, against coupons worked out by hand (shop
time; a coupon is 10 off and valid for 10 days from issue):

    c1  issued 5 Jan, used 8 Jan at store X on an order of 60
    c2  issued 31 Jan 23:30, never used: its time ran out on 10 Feb
    c3  issued 1 Feb 00:30 (31 Jan in UTC), used 3 Feb at store Y on 40; that order was
        refunded on 5 Mar, giving the use back; its time had run out on 11 Feb
    c4  given by a reward rule on 10 Feb, used 12 Feb at store X on 80
"""

from decimal import Decimal

import pytest

from loyalty.models import RewardRule, RuleFiring, RuleTrigger
from loyalty.selectors.reports.marketing import coupons_by_month, rule_effects
from loyalty.selectors.reports.months import ReportScope
from tests.factories import MemberFactory
from tests.loyalty.report_history import coupon_history, local

pytestmark = pytest.mark.django_db

NOW = local(3, 10)


@pytest.fixture
def rules():
    returning = RewardRule.objects.create(name_zh="回头礼", trigger=RuleTrigger.ORDER_COMPLETED)
    idle = RewardRule.objects.create(name_zh="生日", trigger=RuleTrigger.BIRTHDAY)
    return returning, idle


def _scope(store=None):
    return ReportScope(
        first_month=local(1, 1).date(),
        last_month=local(3, 1).date(),
        store_id=store.pk if store else None,
    )


def _figures(row):
    return (
        row.issued,
        row.issued_used,
        row.uses,
        row.discount,
        row.spend,
        row.expired,
        row.redemption_percent,
    )


def test_coupons_by_month(rules):
    coupon_history(rules[0])

    jan, feb, mar = coupons_by_month(scope=_scope(), now=NOW)

    assert jan.month == local(1, 1).date()
    assert _figures(jan) == (2, 1, 1, Decimal("10"), Decimal("60"), 0, Decimal("50.0"))
    assert _figures(feb) == (2, 1, 1, Decimal("10"), Decimal("80"), 2, Decimal("50.0"))
    assert _figures(mar) == (0, 0, 0, 0, 0, 0, None)


def test_with_a_store_only_uses_are_that_stores(rules):
    history = coupon_history(rules[0])
    x, y = history.stores

    x_jan, x_feb, _ = coupons_by_month(scope=_scope(x), now=NOW)
    y_jan, y_feb, _ = coupons_by_month(scope=_scope(y), now=NOW)

    assert (x_jan.uses, x_feb.uses, x_feb.discount) == (1, 1, Decimal("10"))
    assert (y_jan.uses, y_feb.uses) == (0, 0)  # its one use was given back by the refund
    assert (y_feb.issued, y_feb.expired) == (x_feb.issued, x_feb.expired) == (2, 2)


def test_rule_effects(rules):
    returning, idle = rules
    coupon_history(returning)
    RuleFiring.objects.create(
        rule=returning,
        member=MemberFactory(),
        period_key="2026-02-10",
        value=Decimal("10"),
        fired_at=local(2, 10),
    )
    RuleFiring.objects.create(
        rule=returning,
        member=MemberFactory(),
        period_key="2025-12",
        value=Decimal("10"),
        fired_at=local(12, 31, 23, 30, year=2025),
    )

    effects = {row.rule: row for row in rule_effects(scope=_scope())}

    assert list(effects) == [returning, idle]
    got = effects[returning]
    assert (got.rewards, got.value, got.coupons_issued, got.coupons_used) == (
        1,
        Decimal("10"),
        1,
        1,
    )
    assert (got.coupon_spend, got.coupon_discount, got.redemption_percent) == (
        Decimal("80"),
        Decimal("10"),
        Decimal("100.0"),
    )
    assert effects[idle].rewards == effects[idle].coupons_issued == 0
