"""The owner reports' numbers on a shop worked out by hand (tests/loyalty/reports_fixture.py),
read live and from the monthly summary alike."""

from decimal import Decimal

import pytest

from loyalty.models import ReportMonthSummary
from loyalty.selectors.reports.lifetime_value import lifetime_value_by_tier
from loyalty.selectors.reports.months import ReportScope, current_month
from loyalty.selectors.reports.repurchase import repurchase_rates
from loyalty.selectors.reports.retention import retention_by_month
from loyalty.selectors.reports.tier_distribution import tier_distribution
from loyalty.selectors.reports.tier_flow import tier_flow
from loyalty.services.report_summary import report_summary_fill, report_summary_fill_missing
from tests.loyalty.reports_fixture import M1, M2, M3, build_shop

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(params=["live", "summary"])
def shop(request):
    shop = build_shop()
    if request.param == "summary":
        assert report_summary_fill_missing(months=3) == [M1, M2, M3]
    return shop


def by_month_tier(rows, *fields):
    return {
        (row.month, row.tier.code): tuple(getattr(row, field) for field in fields) for row in rows
    }


def test_distribution_at_each_month_end_against_targets(shop):
    rows = by_month_tier(
        tier_distribution(ReportScope(M1, M3)), "members", "share", "gap", "off_target"
    )
    # M1: A seed, D core, B potential, C E F G basic: 7 members.
    assert rows[(M1, "seed")] == (1, D("14.3"), D("9.3"), True)
    assert rows[(M1, "core")] == (1, D("14.3"), D("-5.7"), True)
    assert rows[(M1, "potential")] == (1, D("14.3"), D("-15.7"), True)
    assert rows[(M1, "basic")] == (4, D("57.1"), D("12.1"), True)
    # M2: D demoted on the 15th; B still potential (promoted at the first instant of M3).
    assert rows[(M2, "core")] == (0, D("0.0"), D("-20.0"), True)
    assert rows[(M2, "potential")] == (2, D("28.6"), D("-1.4"), False)
    # M3: B core, D potential.
    assert rows[(M3, "core")][0] == 1
    assert rows[(M3, "potential")][0] == 1


def test_distribution_of_a_store_counts_its_customers(shop):
    rows = by_month_tier(tier_distribution(ReportScope(M2, M2, shop.s1.pk)), "members", "share")
    # Customers of S1 in the 12 months to the end of M2: A, C, D, E, G (B only bought at S2).
    assert rows == {
        (M2, "seed"): (1, D("20.0")),
        (M2, "core"): (0, D("0.0")),
        (M2, "potential"): (1, D("20.0")),
        (M2, "basic"): (3, D("60.0")),
    }


def test_distribution_of_this_month_is_now(shop):
    rows = tier_distribution(ReportScope(current_month(), current_month()))
    assert {row.tier.code: row.members for row in rows} == {
        "seed": 1,
        "core": 1,
        "potential": 1,
        "basic": 4,
    }


def test_repurchase_per_tier_against_targets(shop):
    rows = by_month_tier(
        repurchase_rates(ReportScope(M2, M3)),
        "buyers_before",
        "bought_again",
        "rate",
        "shortfall",
    )
    assert rows == {
        # Tiers at the end of M1: A seed, D core, B potential, C E basic bought in M1.
        (M2, "seed"): (1, 1, D("100.0"), False),
        (M2, "core"): (1, 1, D("100.0"), False),
        (M2, "potential"): (1, 0, D("0.0"), True),
        (M2, "basic"): (2, 1, D("50.0"), False),  # E's M2 order was refunded; no target
        # Bought in M2: A (seed), D (potential by then), C (at 00:30 on the 1st): none again.
        (M3, "seed"): (1, 0, D("0.0"), True),
        (M3, "core"): (0, 0, None, False),
        (M3, "potential"): (1, 0, D("0.0"), True),
        (M3, "basic"): (1, 0, D("0.0"), False),
    }


def test_repurchase_at_one_store(shop):
    rows = by_month_tier(repurchase_rates(ReportScope(M2, M2, shop.s1.pk)), "buyers_before")
    assert rows[(M2, "potential")] == (0,)  # B's M1 order was at S2
    assert rows[(M2, "seed")] == (1,)


def test_retention_and_churn(shop):
    rows = {
        row.month: (row.active_before, row.retained, row.active, row.retention, row.churn)
        for row in retention_by_month(ReportScope(M1, M3))
    }
    assert rows == {
        M1: (1, 1, 6, D("100.0"), D("0.0")),  # G, active by its order two months before M1
        M2: (6, 5, 5, D("83.3"), D("16.7")),  # G's order has left the three months
        M3: (5, 5, 5, D("100.0"), D("0.0")),
    }
    at_store = {
        row.month: row.retained for row in retention_by_month(ReportScope(M2, M2, shop.s1.pk))
    }
    assert at_store == {M2: 4}  # B was active only through S2


def test_flow_counts_changes_in_local_months(shop):
    rows = [
        (row.month, row.from_tier.code, row.to_tier.code, row.direction, row.members)
        for row in tier_flow(ReportScope(M1, M3))
    ]
    # B's promotion at local midnight on the 1st of M3 is still M2 in UTC.
    assert rows == [(M2, "core", "potential", "down", 1), (M3, "potential", "core", "up", 1)]


def test_lifetime_value_by_current_tier(shop):
    rows = {
        row.tier.code: (
            row.members,
            row.buyers,
            row.orders,
            row.spend,
            row.per_member,
            row.per_buyer,
        )
        for row in lifetime_value_by_tier(ReportScope(M1, M3))
    }
    assert rows == {
        "seed": (1, 1, 2, D("300"), D("300.00"), D("300.00")),
        "core": (1, 1, 2, D("120"), D("120.00"), D("120.00")),
        "potential": (1, 1, 2, D("120"), D("120.00"), D("120.00")),
        # C 30 + 30 and E 25 (E's refunded 500 and G's older 1000 do not count)
        "basic": (4, 2, 3, D("85"), D("21.25"), D("42.50")),
    }
    at_store = {
        row.tier.code: row.spend for row in lifetime_value_by_tier(ReportScope(M1, M3, shop.s1.pk))
    }
    assert at_store["core"] == D("70")


def test_summary_refill_replaces_a_month(shop):
    report_summary_fill(month=M2)
    report_summary_fill(month=M2)
    # One row per tier, for all stores and for each of the two stores.
    assert ReportMonthSummary.objects.filter(month=M2).count() == 4 * 3


def test_the_current_month_cannot_be_summarised(db):
    with pytest.raises(ValueError):
        report_summary_fill(month=current_month())
