"""Benchmark the recompute of every member's segments against a bare aggregate over the same
orders.

Creates (or reuses) bench members -- numbers starting with "B" -- with their orders,
set-based (INSERT ... SELECT over a series of integers, on PostgreSQL and on SQLite), marks
one order in five as pickup/delivery, adds one dynamic tag rule of each kind, then times in
the same run:

- bare aggregate: one GROUP BY member over the completed orders (count, sum, last order),
  every row fetched: the least any recompute has to read;
- recompute: ``segments_recompute_all`` (every member's stage, scores, value group and
  dynamic tags, written); its queries are counted.

and prints both, their ratio and the query count. Use a scratch database:

    createdb bench_segments
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_segments python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_segments python manage.py bench_segments

It refuses a database holding members that are not bench members unless --force is given.
"""

import gc
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count

from loyalty.models import DynamicTagRule, MemberSegment
from loyalty.services.segments import segments_recompute_all
from membership.models import Member, MemberTag, Order, Tag
from portal.management.bench_data import (
    PREFIX,
    bench_members_count,
    bench_members_create_sql,
    bench_reference_data,
)

BENCH_RULES = [
    ("bench-spent-500", {"kind": "spent_this_month", "amount": Decimal("500")}),
    ("bench-no-visit-90", {"kind": "no_visit", "days": 90}),
    ("bench-pickup-3", {"kind": "pickup_times", "count": 3}),
    ("bench-frequent", {"kind": "high_frequency", "count": 4, "days": 60}),
]


def _bare_aggregate() -> int:
    """Completed orders per member: count, sum and last order, every row fetched."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, COUNT(*), SUM(total), MAX(created_at) FROM {Order._meta.db_table} "
            "WHERE status = %s GROUP BY member_id",
            [Order.Status.COMPLETED],
        )
        rows = 0
        while batch := cursor.fetchmany(5000):
            rows += len(batch)
    return rows


def _counts(queryset, field: str) -> dict:
    return dict(queryset.values_list(field).annotate(n=Count("id")).order_by())


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _bench_rules() -> None:
    for code, fields in BENCH_RULES:
        tag, _created = Tag.objects.get_or_create(
            code=code, defaults={"kind": Tag.Kind.DYNAMIC, "name_zh": code, "name_en": code}
        )
        DynamicTagRule.objects.get_or_create(tag=tag, defaults=fields)


def _mark_pickups() -> None:
    """One bench order in five was a pickup/delivery (set once, set-based)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Order._meta.db_table} SET needs_pickup_delivery = %s "
            "WHERE id %% 5 = 0 AND number LIKE %s AND needs_pickup_delivery = %s",
            [True, f"{PREFIX}%", False],
        )


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
        parser.add_argument("--runs", type=int, default=2, help="best of N (default 2)")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, members, orders_per_member, runs, force, **options):
        others = Member.objects.exclude(number__startswith=PREFIX).exists()
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
        _mark_pickups()
        _bench_rules()
        orders = Order.objects.count()
        member_count = Member.objects.count()
        self.stdout.write(
            f"{connection.vendor}, {member_count:,} members, {orders:,} orders (best of {runs})"
        )
        aggregate_s, rows = float("inf"), 0
        recompute_s, queries, result = float("inf"), 0, None
        for _ in range(runs):
            gc.collect()
            started = time.perf_counter()
            rows = _bare_aggregate()
            aggregate_s = min(aggregate_s, time.perf_counter() - started)
            gc.collect()
            counter = _QueryCounter()
            started = time.perf_counter()
            with connection.execute_wrapper(counter):
                result = segments_recompute_all()
            recompute_s = min(recompute_s, time.perf_counter() - started)
            queries = counter.count
        self._report(rows, aggregate_s, recompute_s, queries, result)

    def _report(self, rows, aggregate_s, recompute_s, queries, result) -> None:
        out = self.stdout
        out.write("")
        out.write(f"{'bare aggregate':>14}  {'recompute':>9}  {'ratio':>6}  {'queries':>7}")
        out.write(
            f"{aggregate_s:>12.2f} s  {recompute_s:>7.2f} s  "
            f"{recompute_s / max(aggregate_s, 1e-9):>5.2f}x  {queries:>7}"
        )
        out.write(f"({rows:,} members with orders aggregated, {result.members:,} recomputed)")
        stages = _counts(MemberSegment.objects, "lifecycle_stage")
        groups = _counts(MemberSegment.objects, "value_group")
        out.write("stages: " + ", ".join(f"{k} {v:,}" for k, v in sorted(stages.items())))
        out.write(
            "value groups: " + ", ".join(f"{k or 'none'} {v:,}" for k, v in sorted(groups.items()))
        )
        tags = _counts(MemberTag.objects.filter(tag__kind=Tag.Kind.DYNAMIC), "tag__code")
        out.write("dynamic tags: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tags.items())))
        out.write(f"last run: {result.tags_added:,} tags added, {result.tags_removed:,} removed")
