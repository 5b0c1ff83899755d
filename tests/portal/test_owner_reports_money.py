"""The stored-value, points and points-expiring reports in /cms/: the owner sees the figures
worked out in tests/loyalty/test_report_money.py, exports them, and nobody else gets in; the
pages' queries do not grow with the number of members."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.services.points import points_grant
from loyalty.services.wallet import wallet_top_up
from portal.owner.reports.money import PointsExpiryReport, PointsReport, StoredValueReport
from tests.factories import MemberFactory, OwnerFactory, StaffFactory
from tests.loyalty.report_history import local, money_history

pytestmark = pytest.mark.django_db

Q1 = {"from_month": "2026-01", "to_month": "2026-03"}
REPORTS = [StoredValueReport, PointsReport, PointsExpiryReport]


def _csv(client, report, params=None) -> list[list[str]]:
    response = client.get(reverse(report.url_name()), {**(params or {}), "export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(",") for line in text.strip().splitlines()]


def test_the_owner_sees_and_exports_stored_value_by_month(client):
    history = money_history()
    client.force_login(OwnerFactory())

    response = client.get(reverse(StoredValueReport.url_name()), Q1)
    rows = _csv(client, StoredValueReport, Q1)

    html = response.content.decode()
    assert response.status_code == 200
    assert "business-wide" in html and 'data-owner-chart="owner-report-chart-data"' in html
    assert "272.00" in html and "310.00" in html
    # month, top-ups, bonus, spent from principal and bonus, refunded, paid back, other,
    # principal, bonus, outstanding
    assert rows[1:] == [
        ["2026-01", "200.00", "40.00", "0.00", "0.00", "0.00", "0.00", "0.00"]
        + ["300.00", "40.00", "340.00"],
        ["2026-02", "0.00", "0.00", "60.00", "8.00", "0.00", "0.00", "0.00"]
        + ["240.00", "32.00", "272.00"],
        ["2026-03", "0.00", "0.00", "0.00", "0.00", "68.00", "30.00", "0.00"]
        + ["270.00", "40.00", "310.00"],
    ]
    # A store changes nothing: members' money is the business's.
    assert _csv(client, StoredValueReport, {**Q1, "store": history.staff.store_id}) == rows


def test_the_owner_exports_points_by_month(client):
    money_history()
    client.force_login(OwnerFactory())

    rows = _csv(client, PointsReport, Q1)

    # earned, redeemed, expired, reversed by the refund, other, outstanding
    assert rows[1:] == [
        ["2026-01", "50", "0", "0", "0", "0", "80"],
        ["2026-02", "68", "20", "10", "0", "0", "118"],
        ["2026-03", "15", "0", "0", "-68", "0", "65"],
    ]


def test_points_expiring_looks_ahead_from_today(client):
    member = MemberFactory()
    points_grant(member=member, points=40, idempotency_key="g", reason="welcome")
    client.force_login(OwnerFactory())

    response = client.get(reverse(PointsExpiryReport.url_name()))
    rows = _csv(client, PointsExpiryReport)

    assert response.status_code == 200
    assert len(rows) == 13  # the heading and twelve months
    # Points never expire by default: nothing is due.
    assert {row[1] for row in rows[1:]} == {"0"}


@pytest.mark.parametrize("report", REPORTS)
def test_members_and_staff_cannot_open_them(client, report):
    url = reverse(report.url_name())
    for user in (MemberFactory().user, StaffFactory()):
        client.force_login(user)
        assert client.get(url).status_code in (302, 403)
        assert client.get(url, {"export": "csv"}).status_code in (302, 403)
    client.logout()
    assert reverse("wagtailadmin_login") in client.get(url)["Location"]


def _members_with_money(count: int, start: int) -> None:
    for n in range(start, start + count):
        member = MemberFactory()
        wallet_top_up(
            member=member,
            amount=Decimal("50"),
            method="cash",
            idempotency_key=f"q-t{n}",
            now=local(1 + n % 3, 1 + n % 28),
        )
        points_grant(
            member=member,
            points=10,
            idempotency_key=f"q-g{n}",
            reason="welcome",
            now=local(1 + n % 3, 1 + n % 28),
        )


def _queries(client, report) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(report.url_name()), Q1).status_code == 200
    return len(queries)


@pytest.mark.parametrize("report", REPORTS)
def test_queries_do_not_grow_with_members(client, report, django_assert_max_num_queries):
    client.force_login(OwnerFactory())
    _members_with_money(3, start=0)
    few = _queries(client, report)
    _members_with_money(27, start=3)
    with django_assert_max_num_queries(few):
        many = _queries(client, report)
    assert many == few
