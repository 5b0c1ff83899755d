"""Benchmark the monthly tier review against a bare aggregate over the same orders.

Creates (or reuses) bench members -- numbers starting with "B" -- with their orders
(set-based: INSERT ... SELECT on PostgreSQL), gives the bench tiers the seed's criteria,
then times in the same run:

- baseline: one bare GROUP BY member, month over the review window's completed orders,
  every row fetched;
- review: the tier review's decision for every member (a dry run: the same reads and
  decisions as the real run, which then writes only the moves).

and prints both, their ratio and the review's peak Python memory. Use a scratch database:

    createdb portal_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python manage.py bench_tier_review

It refuses a database holding members that are not bench members unless --force is given.
"""

import random
import time
import tracemalloc
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from loyalty.engine.tiers import month_boundaries, months_needed
from loyalty.services.tier_review import current_period_start, tier_review_run
from loyalty.services.tiers import tier_criteria
from membership.models import Member, Order, Tier
from portal.management.bench_data import (
    PREFIX,
    bench_members_create,
    bench_members_create_sql,
    bench_reference_data,
)

# The seed's criteria over 12 months (Basic is the default tier).
SEED_CRITERIA = {
    "bench-potential": {"min_spend": Decimal("1000")},
    "bench-core": {"min_spend": Decimal("3000")},
    "bench-seed": {
        "min_spend": Decimal("10000"),
        "min_orders": 30,
        "min_orders_per_recent_month": 2,
        "recent_months": 3,
    },
}


def _bare_aggregate(as_of, months: int) -> int:
    """Completed orders per member and month over the window: the least any review reads."""
    start = month_boundaries(as_of, months)[-1]
    month = (
        "date_trunc('month', created_at)"
        if connection.vendor == "postgresql"
        else "strftime('%%Y-%%m', created_at)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, {month}, COUNT(*), SUM(total) FROM {Order._meta.db_table} "
            "WHERE status = %s AND created_at >= %s AND created_at < %s GROUP BY 1, 2",
            [Order.Status.COMPLETED, start, as_of],
        )
        rows = 0
        while batch := cursor.fetchmany(5000):
            rows += len(batch)
    return rows


def _best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000)
        parser.add_argument("--orders-per-member", type=int, default=20)
        parser.add_argument("--runs", type=int, default=3, help="best of N (default 3)")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, members, orders_per_member, runs, force, **options):
        others = Member.objects.exclude(number__startswith=PREFIX).exists()
        if others and not force:
            raise CommandError("This database has real members: use a scratch one (or --force).")
        store, tiers, _categories = bench_reference_data()
        for tier in tiers:
            Tier.objects.filter(pk=tier.pk).update(**SEED_CRITERIA.get(tier.code, {}))
        self.stdout.write(f"Preparing {members:,} bench members ...")
        if connection.vendor == "postgresql":
            bench_members_create_sql(
                wanted=members, store=store, tiers=tiers, orders_per_member=orders_per_member
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            bench_members_create(wanted=members, store=store, tiers=tiers, rng=random.Random(1))
        as_of = current_period_start()
        months = months_needed([tier_criteria(t) for t in Tier.objects.all()])
        orders = Order.objects.count()
        self.stdout.write(f"{Member.objects.count():,} members, {orders:,} orders, {months} months")

        baseline, rows = _best_of(runs, lambda: _bare_aggregate(as_of, months))
        review, result = _best_of(runs, lambda: tier_review_run(as_of=as_of, dry_run=True))
        tracemalloc.start()
        tier_review_run(as_of=as_of, dry_run=True)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        self.stdout.write(f"bare aggregate   {baseline:8.2f} s  ({rows:,} member-month rows)")
        self.stdout.write(
            f"tier review      {review:8.2f} s  ({result.counts.get('reviewed', 0):,} reviewed, "
            f"{len(result.moves):,} would move)"
        )
        self.stdout.write(f"ratio            {review / baseline:8.2f} x")
        self.stdout.write(f"review peak Python memory {peak / 2**20:.1f} MiB")
