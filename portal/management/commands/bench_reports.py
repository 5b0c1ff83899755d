"""Benchmark the owner's reports against a bare aggregate over the same rows.

Creates (or reuses) bench members -- numbers starting with "B" -- with their orders
(set-based, see portal.management.bench_data), a second store taking every third order, and
one tier change for every third member spread over the last year; fills the reports' monthly
summary for the last 12 closed months (the last one timed: the monthly job's cost); then, in the same run,
for each report and scope (all stores, one store):

- the report page as the owner sees it (Django's test client, the whole admin page with its
  chart data), best of ``--runs``, and its query count;
- a bare aggregate: one SQL GROUP BY over the rows the report is about (members by tier,
  tier changes in the months, completed orders per member in the months, spend by tier),
  every row fetched;

and prints both and their ratio. It also times one month computed live (what a report does
for a month the summary lacks). Use a scratch database:

    createdb bench_reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports \\
        python manage.py bench_reports --members 100000

It refuses a database holding members that are not bench members unless --force is given.
"""

import gc
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from loyalty.models import TierChange
from loyalty.selectors.reports.month_counts import ACTIVE_MONTHS, month_counts_live
from loyalty.selectors.reports.months import current_month, month_add, month_end, month_start
from loyalty.services.report_summary import report_summary_fill, report_summary_fill_missing
from membership.models import Member, Order, Store, User
from membership.roles import OWNER_GROUP
from portal.content.reports import OfferReportView
from portal.management.bench_data import (
    PREFIX,
    bench_members_count,
    bench_members_create_sql,
    bench_reference_data,
)
from portal.management.bench_report_rows import bench_report_rows_bare, bench_report_rows_seed
from portal.owner.reports.registry import OWNER_REPORTS

BATCH = 5000
OWNER_USERNAME = "bench-report-owner"


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _fetch_all(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = 0
        while batch := cursor.fetchmany(BATCH):
            rows += len(batch)
    return rows


def _bare_aggregates(store_id: int | None) -> dict[str, tuple[str, list]]:
    """Per report slug: the SQL of the least work over its rows."""
    last = current_month()
    start, end = month_start(month_add(last, -11)), month_end(last)
    closed_start = month_start(month_add(last, -12 - ACTIVE_MONTHS))
    orders, members = Order._meta.db_table, Member._meta.db_table
    where_store = " AND o.store_id = %s" if store_id else ""
    store = [store_id] if store_id else []
    per_member = (
        f"SELECT o.member_id, COUNT(*) FROM {orders} o WHERE o.status = %s "
        f"AND o.created_at >= %s AND o.created_at < %s{where_store} GROUP BY o.member_id",
        [Order.Status.COMPLETED, closed_start, month_start(last), *store],
    )
    return {
        **bench_report_rows_bare(start, end, store_id),
        "tier-distribution": (
            f"SELECT tier_id, COUNT(*) FROM {members} GROUP BY tier_id",
            [],
        ),
        "tier-flow": (
            f"SELECT from_tier_id, to_tier_id, COUNT(*) FROM {TierChange._meta.db_table} "
            "WHERE occurred_at >= %s AND occurred_at < %s GROUP BY from_tier_id, to_tier_id",
            [start, end],
        ),
        "repurchase": per_member,
        "retention": per_member,
        "lifetime-value": (
            f"SELECT m.tier_id, SUM(o.total), COUNT(*) "
            f"FROM {orders} o JOIN {members} m ON m.id = o.member_id WHERE o.status = %s "
            f"AND o.created_at >= %s AND o.created_at < %s{where_store} GROUP BY m.tier_id",
            [Order.Status.COMPLETED, start, end, *store],
        ),
    }


def _second_store(store: Store) -> Store:
    """A second store takes every third bench order (set once)."""
    other, created = Store.objects.get_or_create(code="bench-store-2", defaults={"name": "Bench 2"})
    if created:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Order._meta.db_table} SET store_id = %s "
                "WHERE id %% 3 = 0 AND number LIKE %s",
                [other.pk, f"{PREFIX}%"],
            )
    return other


def _tier_changes(tiers) -> int:
    """Every third bench member changed tier once in the last year (made once)."""
    if TierChange.objects.filter(member__number__startswith=PREFIX).exists():
        return 0
    now, made = timezone.now(), 0
    rows = Member.objects.filter(number__startswith=PREFIX).values_list("pk", "tier_id")
    by_id = {tier.pk: i for i, tier in enumerate(tiers)}
    batch = []
    for pk, tier_id in rows.iterator(chunk_size=BATCH):
        if pk % 3:
            continue
        rank = by_id.get(tier_id, 0)
        before = tiers[rank - 1] if rank else tiers[1]
        batch.append(
            TierChange(
                member_id=pk,
                from_tier=before,
                to_tier_id=tier_id,
                reason=TierChange.Reason.PROMOTION if rank else TierChange.Reason.DEMOTION,
                occurred_at=now - timedelta(days=pk % 365, hours=pk % 24),
            )
        )
        if len(batch) == BATCH:
            made += len(TierChange.objects.bulk_create(batch))
            batch = []
    made += len(TierChange.objects.bulk_create(batch))
    return made


def _owner() -> User:
    user, _ = User.objects.get_or_create(username=OWNER_USERNAME, defaults={"password": "!"})
    user.groups.add(Group.objects.get(name=OWNER_GROUP))
    return user


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000)
        parser.add_argument(
            "--orders-per-member",
            type=int,
            default=20,
            help="on average, over two years (default 20: two million orders for 100,000)",
        )
        parser.add_argument("--runs", type=int, default=3, help="best of N (default 3)")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, members, orders_per_member, runs, force, **options):
        others = (
            Member.objects.exclude(number__startswith=PREFIX).exists()
            or User.objects.filter(store__isnull=False).exclude(username=OWNER_USERNAME).exists()
        )
        if others and not force:
            raise CommandError("This database has real members: use a scratch one (or --force).")
        store, tiers, _categories = bench_reference_data()
        if bench_members_count() < members:
            self.stdout.write(f"Creating {members:,} bench members with their orders ...")
            started = time.perf_counter()
            bench_members_create_sql(
                wanted=members, store=store, tiers=tiers, orders_per_member=orders_per_member
            )
            self.stdout.write(f"  ({time.perf_counter() - started:.0f} s)")
        other = _second_store(store)
        made = _tier_changes(tiers)
        if bench_report_rows_seed(tiers=tiers):
            self.stdout.write("  points, stored value, feedback, coupons and offer views made")
        if made:
            self.stdout.write(f"  {made:,} tier changes made")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"{connection.vendor}, {Member.objects.count():,} members, "
            f"{Order.objects.count():,} orders, {TierChange.objects.count():,} tier changes "
            f"(best of {runs})"
        )
        latest = month_add(current_month(), -1)
        started = time.perf_counter()
        month_counts_live(latest, None)
        live_s = time.perf_counter() - started
        started = time.perf_counter()
        report_summary_fill(month=latest)
        fill_s = time.perf_counter() - started
        report_summary_fill_missing(months=12)
        self.stdout.write(
            f"one month computed live (all stores): {live_s:.2f} s; the monthly job's summary "
            f"of one month for all stores and each of {Store.objects.count()}: {fill_s:.1f} s"
        )
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost")
        host = host.lstrip(".")
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[host]):
            client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
            client.force_login(_owner())
            self._bench(client, runs, [(None, "all stores"), (other.pk, "one store")])

    def _bench(self, client: Client, runs: int, scopes) -> None:
        out = self.stdout
        out.write("")
        out.write(
            f"{'report':<18} {'scope':<10} {'page':>8} {'bare':>8} {'ratio':>7} {'queries':>7}"
        )
        for report in [*OWNER_REPORTS, OfferReportView]:
            for store_id, label in scopes:
                sql, params = _bare_aggregates(store_id).get(report.slug, (None, None))
                url = reverse(report.url_name())
                data = {"store": store_id} if store_id else {}
                assert client.get(url, data).status_code == 200  # warm caches
                page_s, bare_s, queries = float("inf"), float("inf"), 0
                for _ in range(runs):
                    gc.collect()
                    counter = _QueryCounter()
                    started = time.perf_counter()
                    with connection.execute_wrapper(counter):
                        response = client.get(url, data)
                    page_s = min(page_s, time.perf_counter() - started)
                    assert response.status_code == 200
                    queries = counter.count
                    if sql:
                        gc.collect()
                        started = time.perf_counter()
                        _fetch_all(sql, params)
                        bare_s = min(bare_s, time.perf_counter() - started)
                ratio = f"{page_s / bare_s:>6.2f}x" if sql else "      -"
                out.write(
                    f"{report.slug:<18} {label:<10} {page_s:>6.2f} s {bare_s:>6.2f} s "
                    f"{ratio} {queries:>7}"
                )
