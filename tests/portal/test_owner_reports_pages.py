"""The owner's reports in /cms/: who gets in, which store they see, the chart and explanation,
the CSV and Excel export, hostile filters, and query counts that do not grow with members."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import RewardRule, RuleTrigger, TierChange
from loyalty.services.report_summary import report_summary_fill_missing
from portal.owner.reports.registry import OWNER_REPORTS
from tests.factories import MemberFactory, OrderFactory, UserFactory
from tests.loyalty.reports_fixture import M1, M2, M3, build_shop, local

pytestmark = pytest.mark.django_db

REPORT_URLS = [report.url_name() for report in OWNER_REPORTS]
RANGE = {"from_month": f"{M1:%Y-%m}", "to_month": f"{M3:%Y-%m}"}


def refused(response) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "login" in response["Location"]


def csv_rows(client, url_name, **params) -> list[list[str]]:
    response = client.get(reverse(url_name), {**params, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def store_manager(store):
    """Someone given the reports (and the admin) who works at one store, not an owner."""
    user = UserFactory(store=store)
    user.user_permissions.add(
        Permission.objects.get(codename="view_owner_reports"),
        Permission.objects.get(codename="access_admin"),
    )
    return user


@pytest.fixture
def shop():
    built = build_shop()
    # The reward-rule report has a row (and a chart) per rule.
    RewardRule.objects.create(name_zh="回头礼", trigger=RuleTrigger.ORDER_COMPLETED)
    return built


@pytest.mark.parametrize("url_name", REPORT_URLS)
def test_the_owner_sees_each_report_with_its_chart_and_explanation(
    client, owner_user, shop, url_name
):
    client.force_login(owner_user)
    response = client.get(reverse(url_name), RANGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-owner-report-explanation" in html
    assert 'data-owner-chart="owner-report-chart-data"' in html
    assert '<script id="owner-report-chart-data" type="application/json">' in html
    assert "vendor/echarts/echarts.min.js" in html and "js/owner_charts.js" in html
    # The filtered fragment Wagtail swaps in carries the chart too.
    fragment = client.get(reverse(url_name + "_results"), RANGE)
    assert fragment.status_code == 200
    assert "owner-report-chart-data" in fragment.content.decode()


def test_the_reports_are_in_the_reports_menu(client, owner_user, shop):
    client.force_login(owner_user)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    for report in OWNER_REPORTS:
        assert reverse(report.url_name()) in html


@pytest.mark.parametrize("url_name", REPORT_URLS)
def test_members_and_staff_cannot_reach_the_reports(client, member, staff_user, url_name):
    assert refused(client.get(reverse(url_name)))
    client.force_login(member.user)
    assert refused(client.get(reverse(url_name)))
    client.force_login(staff_user)
    assert refused(client.get(reverse(url_name)))
    assert refused(client.get(reverse(url_name), {"export": "csv"}))


def test_someone_with_the_admin_but_not_the_reports_is_refused(client, shop):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(reverse("owner_report_lifetime_value"))
    assert response.status_code in (302, 403)
    assert "owner-report-chart-data" not in response.content.decode()
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("owner_report_lifetime_value") not in html


def test_a_store_manager_sees_only_their_store(client, owner_user, shop):
    client.force_login(owner_user)
    everywhere = {
        row[0]: row[4] for row in csv_rows(client, "owner_report_lifetime_value", **RANGE)
    }
    at_alpha = {
        row[0]: row[4]
        for row in csv_rows(client, "owner_report_lifetime_value", store=shop.s1.pk, **RANGE)
    }
    assert everywhere["Core"] == "120.00" and at_alpha["Core"] == "70.00"

    client.force_login(store_manager(shop.s1))
    # Asking for the other store, or for all stores, still gives the manager's store.
    for params in ({"store": shop.s2.pk}, {"store": ""}, {}):
        rows = csv_rows(client, "owner_report_lifetime_value", **params, **RANGE)
        assert {row[0]: row[4] for row in rows} == at_alpha
    html = client.get(reverse("owner_report_lifetime_value"), RANGE).content.decode()
    assert shop.s1.name in html and shop.s2.name not in html


def test_csv_export_returns_the_rows(client, owner_user, shop):
    client.force_login(owner_user)
    rows = csv_rows(client, "owner_report_repurchase", **RANGE)
    assert rows[0] == [
        "Month",
        "Tier",
        "Bought the month before",
        "Bought again",
        "Repurchase rate (%)",
        "Target (%)",
        "Status",
    ]
    assert [f"{M2:%Y-%m}", "Potential", "1", "0", "0.0", "50.00", "Below target"] in rows
    assert [f"{M2:%Y-%m}", "Basic", "2", "1", "50.0", "", ""] in rows
    # M1 to M3 for four tiers, after the heading
    assert len(rows) == 1 + 3 * 4

    flow = csv_rows(client, "owner_report_tier_flow", **RANGE)
    assert flow[1:] == [
        [f"{M2:%Y-%m}", "Core", "Potential", "Down", "1"],
        [f"{M3:%Y-%m}", "Potential", "Core", "Up", "1"],
    ]


def test_excel_export(client, owner_user, shop):
    client.force_login(owner_user)
    response = client.get(reverse("owner_report_tier_distribution"), {**RANGE, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert b"".join(response.streaming_content)[:2] == b"PK"


@pytest.mark.parametrize(
    "params",
    [
        {"from_month": "garbage", "to_month": "2026-13", "store": "abc"},
        {"from_month": "1900-01", "to_month": "9999-12"},
        {"from_month": "9999-12"},  # a start after the latest month
        {"from_month": "2026-05-01'--", "store": "999999"},
        {"from_month": "\x00", "to_month": "x" * 5000},
    ],
)
@pytest.mark.parametrize("url_name", REPORT_URLS)
def test_hostile_filters_fall_back_to_the_defaults(client, owner_user, url_name, params):
    client.force_login(owner_user)
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    response = client.get(reverse(url_name), {**params, "export": "csv"})
    assert response.status_code == 200


def test_a_long_range_is_cut_to_its_last_36_months(client, owner_user, shop):
    client.force_login(owner_user)
    rows = csv_rows(client, "owner_report_retention", from_month="2001-01", to_month=f"{M3:%Y-%m}")
    assert len(rows) == 1 + 36
    assert rows[-1][0] == f"{M3:%Y-%m}"


def _more_members(shop, count: int) -> None:
    for n in range(count):
        member = MemberFactory(tier=shop.tiers["basic"], joined_at=local(M1, 1))
        OrderFactory(member=member, store=shop.s1, created_at=local(M2, 3 + n % 20))
        TierChange.objects.create(
            member=member,
            from_tier=shop.tiers["basic"],
            to_tier=shop.tiers["potential"] if n % 2 else shop.tiers["basic"],
            reason=TierChange.Reason.MANUAL,
            occurred_at=local(M2, 5),
        )


def _queries(client, url_name, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url_name), params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("summarised", [False, True], ids=["live", "summary"])
@pytest.mark.parametrize("url_name", REPORT_URLS)
def test_query_counts_do_not_grow_with_members(
    client, owner_user, url_name, summarised, django_assert_max_num_queries
):
    shop = build_shop()  # 7 members
    params = {**RANGE, "store": shop.s1.pk}
    client.force_login(owner_user)
    if summarised:
        report_summary_fill_missing(months=3, refill=True)
    client.get(reverse(url_name), params)  # warm the session and permission caches
    few = _queries(client, url_name, params)
    _more_members(shop, 30)
    if summarised:
        report_summary_fill_missing(months=3, refill=True)
    assert _queries(client, url_name, params) == few
    with django_assert_max_num_queries(25):
        client.get(reverse(url_name), params)


def test_the_tier_form_shows_the_repurchase_target(client, owner_user, shop):
    client.force_login(owner_user)
    seed = shop.tiers["seed"]
    html = client.get(
        reverse("wagtailsnippets_membership_tier:edit", args=[seed.pk])
    ).content.decode()
    assert 'name="repurchase_target_percent"' in html
    assert 'value="90.00"' in html


def test_repurchase_target_must_be_a_percentage(shop):
    from django.core.exceptions import ValidationError

    seed = shop.tiers["seed"]
    seed.repurchase_target_percent = Decimal("120")
    with pytest.raises(ValidationError):
        seed.full_clean()
