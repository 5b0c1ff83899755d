"""The satisfaction report in /cms/: the figures of tests/loyalty/test_report_satisfaction.py
on the page and in the CSV, a store's own, nobody but the owner, and queries that do not grow
with the number of members."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.models import OrderFeedback
from portal.owner.reports.satisfaction import SatisfactionReport
from tests.factories import MemberFactory, OrderFactory, OwnerFactory, StaffFactory
from tests.loyalty.report_history import local
from tests.loyalty.test_report_satisfaction import _history

pytestmark = pytest.mark.django_db

Q1 = {"from_month": "2026-01", "to_month": "2026-03"}
URL = reverse(SatisfactionReport.url_name())


def _csv(client, params) -> list[list[str]]:
    response = client.get(URL, {**params, "export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(",") for line in text.strip().splitlines()]


def test_the_owner_sees_and_exports_satisfaction(client):
    x, _y = _history()
    client.force_login(OwnerFactory())

    response = client.get(URL, Q1)
    rows = _csv(client, Q1)
    store_rows = _csv(client, {**Q1, "store": x.pk})

    assert response.status_code == 200
    assert "3.50" in response.content.decode()
    # month, ratings, average, 1★..5★, complaints, follow-ups opened, done, open, overdue
    # (the open and overdue counts are as of today, long after their due dates)
    assert rows[1:] == [
        ["2026-01", "2", "3.50", "0", "1", "0", "0", "1", "1", "1", "1", "0", "0"],
        ["2026-02", "2", "2.50", "1", "0", "0", "1", "0", "1", "2", "0", "2", "2"],
        ["2026-03", "0", "", "0", "0", "0", "0", "0", "0", "1", "1", "0", "0"],
    ]
    assert store_rows[1:] == [
        ["2026-01", "1", "5.00", "0", "0", "0", "0", "1", "0", "0", "0", "0", "0"],
        ["2026-02", "2", "2.50", "1", "0", "0", "1", "0", "1", "1", "0", "1", "1"],
        ["2026-03", "0", "", "0", "0", "0", "0", "0", "0", "1", "1", "0", "0"],
    ]


def test_members_and_staff_cannot_open_it(client):
    for user in (MemberFactory().user, StaffFactory()):
        client.force_login(user)
        assert client.get(URL).status_code in (302, 403)
        assert client.get(URL, {"export": "csv"}).status_code in (302, 403)


def _rated_members(count: int) -> None:
    for n in range(count):
        order = OrderFactory(created_at=local(1 + n % 3, 1 + n % 28))
        OrderFeedback.objects.create(
            order=order, member=order.member, rating=1 + n % 5, created_at=order.created_at
        )


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, Q1).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_members(client, django_assert_max_num_queries):
    client.force_login(OwnerFactory())
    _rated_members(3)
    few = _queries(client)
    _rated_members(27)
    with django_assert_max_num_queries(few):
        assert _queries(client) == few
