"""The coupon and reward-rule reports in /cms/: the figures of
tests/loyalty/test_report_marketing.py on the page and in the CSV, nobody but the owner, and
queries that do not grow with the number of members."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import CouponTemplate, RewardRule, RuleFiring, RuleTrigger
from loyalty.services.coupons import coupon_issue
from portal.owner.reports.marketing import CouponReport, RuleEffectReport
from tests.factories import MemberFactory, OwnerFactory, StaffFactory
from tests.loyalty.report_history import coupon_history, local

pytestmark = pytest.mark.django_db

Q1 = {"from_month": "2026-01", "to_month": "2026-03"}


def _csv(client, report, params) -> list[list[str]]:
    response = client.get(reverse(report.url_name()), {**params, "export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(",") for line in text.strip().splitlines()]


@pytest.fixture
def rule():
    return RewardRule.objects.create(name_zh="回头礼", trigger=RuleTrigger.ORDER_COMPLETED)


def test_the_owner_sees_and_exports_coupons_by_month(client, rule):
    history = coupon_history(rule)
    client.force_login(OwnerFactory())

    response = client.get(reverse(CouponReport.url_name()), Q1)
    rows = _csv(client, CouponReport, Q1)
    store_y = _csv(client, CouponReport, {**Q1, "store": history.stores[1].pk})

    assert response.status_code == 200
    assert "50.0%" in response.content.decode()
    # issued, of those used, rate, uses, discount, spend, expired unused
    assert rows[1:] == [
        ["2026-01", "2", "1", "50.0%", "1", "10.00", "60.00", "0"],
        ["2026-02", "2", "1", "50.0%", "1", "10.00", "80.00", "2"],
        ["2026-03", "0", "0", "–", "0", "0.00", "0.00", "0"],
    ]
    # Store Y's one use was given back by the refund; issued and expired are business-wide.
    assert [row[4] for row in store_y[1:]] == ["0", "0", "0"]
    assert (
        "only the uses"
        in client.get(
            reverse(CouponReport.url_name()), {**Q1, "store": history.stores[1].pk}
        ).content.decode()
    )


def test_the_owner_exports_each_rules_effect(client, rule):
    coupon_history(rule)
    RuleFiring.objects.create(
        rule=rule,
        member=MemberFactory(),
        period_key="p",
        value=Decimal("10"),
        fired_at=local(2, 10),
    )
    client.force_login(OwnerFactory())

    rows = _csv(client, RuleEffectReport, Q1)

    assert rows[1:] == [["回头礼", "1", "10.00", "1", "1", "100.0%", "80.00", "10.00"]]


@pytest.mark.parametrize("report", [CouponReport, RuleEffectReport])
def test_members_and_staff_cannot_open_them(client, report):
    url = reverse(report.url_name())
    for user in (MemberFactory().user, StaffFactory()):
        client.force_login(user)
        assert client.get(url).status_code in (302, 403)
        assert client.get(url, {"export": "csv"}).status_code in (302, 403)


def _coupon_members(count: int, start: int, template, rule) -> None:
    for n in range(start, start + count):
        member = MemberFactory()
        coupon_issue(
            member=member,
            template=template,
            idempotency_key=f"q{n}",
            source_type="reward_rule",
            source_id=str(rule.pk),
            now=local(1 + n % 3, 1 + n % 28),
        )
        RuleFiring.objects.create(
            rule=rule, member=member, period_key="p", fired_at=local(1 + n % 3, 1 + n % 28)
        )


def _queries(client, report) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(report.url_name()), Q1).status_code == 200
    return len(queries)


@pytest.mark.parametrize("report", [CouponReport, RuleEffectReport])
def test_queries_do_not_grow_with_members(client, report, rule, django_assert_max_num_queries):
    template = CouponTemplate.objects.create(name_zh="减5", amount_off=Decimal("5"), valid_days=5)
    client.force_login(OwnerFactory())
    _coupon_members(3, 0, template, rule)
    few = _queries(client, report)
    _coupon_members(27, 3, template, rule)
    with django_assert_max_num_queries(few):
        assert _queries(client, report) == few
