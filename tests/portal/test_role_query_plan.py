"""The session user and the counter's member panel cost the same with 1 or many members.

Many is 20,000 on PostgreSQL (its planner picks plans by table size: the old role-flags
query still used an index at 5,000 members and read the whole user-group table from about
20,000 on) and 5,000 on SQLite. Same number of queries, and at that size no query reads a
whole table that grows with
the member base: checked on the database's own plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN
on PostgreSQL after ANALYZE, as autovacuum would have run in production). On PostgreSQL the
queries also run under EXPLAIN ANALYZE: the rows they read from those tables for the same
member may not grow with the number of members, whatever access path the planner picks.
"""

import json
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.models import Member
from portal.accounts.backends import PortalAuthenticationBackend
from portal.management.bench_data import (
    bench_members_create,
    bench_members_create_sql,
    bench_reference_data,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

# Tables that grow with the member base and that _grow_to() fills (a table the test leaves
# with a few rows is rightly read whole by PostgreSQL, so only these can be judged here).
GROWING_TABLES = {
    "membership_user",
    "membership_user_groups",
    "membership_member",
    "membership_membernote",
    "membership_order",
    "membership_booking",
    "loyalty_pointsaccount",
    "loyalty_pointsentry",
    "loyalty_walletaccount",
    "loyalty_walletentry",
}


def _many() -> int:
    return 20_000 if connection.vendor == "postgresql" else 5_000


def _grow_to(members: int) -> None:
    store, tiers, _categories = bench_reference_data()
    if connection.vendor == "postgresql":
        bench_members_create_sql(wanted=members, store=store, tiers=tiers, orders_per_member=3)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        bench_members_create(wanted=members, store=store, tiers=tiers, rng=random.Random(7))


def _selects(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def full_scans(sql: str) -> set[str]:
    """Tables the database reads whole to answer ``sql``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return {
                node["Relation Name"]
                for node in _walk(plan[0]["Plan"])
                if node["Node Type"] == "Seq Scan"
            }
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        # "SCAN t", "SCAN t USING INDEX i" (a whole index) versus "SEARCH t USING INDEX i (k=?)".
        return {
            match.group(1)
            for row in cursor.fetchall()
            if (match := re.match(r"SCAN (\w+)", row[-1]))
        }


def rows_read(sql: str) -> int:
    """PostgreSQL: rows the query actually read from the growing tables (kept or filtered)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return sum(
        (
            node["Actual Rows"]
            + node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
        )
        * node["Actual Loops"]
        for node in _walk(plan[0]["Plan"])
        if node.get("Relation Name") in GROWING_TABLES
    )


def assert_reads_do_not_grow(small: list[str], large: list[str]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite has no EXPLAIN ANALYZE; its plans are checked by _growing_scans
    before, after = sum(map(rows_read, small)), sum(map(rows_read, large))
    assert after <= before + 20, (before, after)


def _growing_scans(sqls: list[str]) -> dict[str, set[str]]:
    scans = {sql: full_scans(sql) & GROWING_TABLES for sql in sqls}
    return {sql[:200]: tables for sql, tables in scans.items() if tables}


def _session_user_queries(user) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        loaded = PortalAuthenticationBackend().get_user(user.pk)
    assert loaded is not None and loaded.holds_counter is not None
    return _selects(queries)


def _panel_queries(client, number: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("counter:member", kwargs={"number": number}))
    assert response.status_code == 200
    return _selects(queries)


def test_loading_the_session_user_does_not_depend_on_the_number_of_members():
    staff = StaffFactory()
    _grow_to(1)
    member_user = Member.objects.get().user
    small = {u: _session_user_queries(u) for u in (staff, member_user)}

    _grow_to(_many())
    assert member_user.groups.exists()  # members are in the Members group, as in production
    large = {u: _session_user_queries(u) for u in (staff, member_user)}

    assert {u: len(q) for u, q in large.items()} == {u: len(q) for u, q in small.items()}
    assert all(len(q) == 1 for q in large.values())
    assert _growing_scans(large[staff] + large[member_user]) == {}
    assert_reads_do_not_grow(small[staff] + small[member_user], large[staff] + large[member_user])


def test_the_member_panel_does_not_depend_on_the_number_of_members(client, settings):
    settings.MEMBER_PAGE_CACHE_SECONDS = 0  # the panel as built (kept: test_member_page_cache)
    staff = StaffFactory()
    client.force_login(staff)
    _grow_to(1)
    first = Member.objects.get().number
    client.get(reverse("counter:member", kwargs={"number": first}))  # first-use rows
    small = _panel_queries(client, first)

    _grow_to(_many())
    large = _panel_queries(client, first)
    other = _panel_queries(client, Member.objects.order_by("-number").first().number)

    assert len(large) == len(small) == len(other)
    assert _growing_scans(large + other) == {}
    assert_reads_do_not_grow(small, large)
