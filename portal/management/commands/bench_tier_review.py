"""Benchmark the monthly tier review against a bare aggregate over the same orders.

Creates (or reuses) bench members -- numbers starting with "B" -- with their orders, set-based
(INSERT ... SELECT over a series of integers, on PostgreSQL and on SQLite), gives the bench
tiers the seed's criteria and movement rules, then times in the same run:

- bare aggregate: one GROUP BY member, month over the review window's completed orders,
  every row fetched (the least any review has to read);
- tier review: every member's decision (a dry run: the same reads and decisions as the real
  run, which then writes only the moves);

- what-if: the owner's preview on the tier edit screen (a dry run with an unsaved, lower
  Core threshold, and the distribution and moves it shows),

and prints them, their ratio and the review's peak Python memory (tracemalloc). The orders
are made in two rounds of half each, and everything is measured after each round: the same
members with twice the orders, so the two peaks show whether the review's memory grows with
the number of orders. With --real, one real run is timed too (its writes are rolled back).

Use a scratch database:

    createdb portal_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python manage.py bench_tier_review

It refuses a database holding members that are not bench members unless --force is given.
A second run on the same database reuses its members and orders (one measurement).
"""

import gc
import time
import tracemalloc
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from loyalty.engine.tiers import month_boundaries
from loyalty.services.tier_review import current_period_start, tier_policy, tier_review_run
from loyalty.services.tiers import tier_criteria
from membership.models import Member, Order, Tier
from portal.management.bench_data import (
    PREFIX,
    bench_members_count,
    bench_members_create_sql,
    bench_orders_add,
    bench_reference_data,
)
from portal.owner.what_if_effect import tier_what_if

# The seed's criteria over 12 months (Basic is the default tier) and the demo's movement
# rules, plus a visit-drop rule on Core so that every rule of the review is exercised.
BENCH_TIERS = {
    "bench-potential": {"min_spend": Decimal("1000")},
    "bench-core": {
        "min_spend": Decimal("3000"),
        "hold_months": 3,
        "frequency_drop_months": 3,
        "frequency_drop_percent": 50,
    },
    "bench-seed": {
        "min_spend": Decimal("10000"),
        "min_orders": 30,
        "min_orders_per_recent_month": 2,
        "recent_months": 3,
        "grace_review": True,
    },
}


@dataclass
class Measure:
    orders: int
    aggregate_s: float
    aggregate_rows: int
    review_s: float
    what_if_s: float
    reviewed: int
    moves: int
    peak_mib: float


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
        gc.collect()
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _review_months() -> int:
    tiers = list(Tier.objects.all())
    policies = [tier_policy(t) for t in tiers]
    return max(
        *(tier_criteria(t).months_needed for t in tiers),
        *(2 * p.frequency_drop_months for p in policies),
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
        parser.add_argument("--runs", type=int, default=3, help="best of N (default 3)")
        parser.add_argument(
            "--real", action="store_true", help="also time one real run (rolled back)"
        )
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, members, orders_per_member, runs, real, force, **options):
        others = Member.objects.exclude(number__startswith=PREFIX).exists()
        if others and not force:
            raise CommandError("This database has real members: use a scratch one (or --force).")
        store, tiers, _categories = bench_reference_data()
        for tier in tiers:
            Tier.objects.filter(pk=tier.pk).update(**BENCH_TIERS.get(tier.code, {}))
        half = max(1, orders_per_member // 2)
        if bench_members_count() < members:
            self.stdout.write(f"Creating {members:,} bench members with their orders ...")
            started = time.perf_counter()
            bench_members_create_sql(
                wanted=members, store=store, tiers=tiers, orders_per_member=half
            )
            self.stdout.write(f"  ({time.perf_counter() - started:.0f} s)")
        as_of = current_period_start()
        months = _review_months()
        self.stdout.write(
            f"{connection.vendor}, {Member.objects.count():,} members, review window "
            f"{months} months before {as_of:%Y-%m-%d}"
        )
        measures = [self._measure(as_of, months, runs)]
        second_round = Order.objects.filter(number__startswith=PREFIX, number__contains="-2-")
        if not second_round.exists():
            self.stdout.write("Adding a second round of orders ...")
            started = time.perf_counter()
            bench_orders_add(store=store, orders_per_member=orders_per_member - half, round_=2)
            self.stdout.write(f"  ({time.perf_counter() - started:.0f} s)")
            measures.append(self._measure(as_of, months, runs))
        self._report(measures)
        if real:
            self._real_run(as_of)

    def _measure(self, as_of, months: int, runs: int) -> Measure:
        orders = Order.objects.count()
        self.stdout.write(f"Measuring at {orders:,} orders (best of {runs}) ...")
        aggregate, rows = _best_of(runs, lambda: _bare_aggregate(as_of, months))
        review, result = _best_of(runs, lambda: tier_review_run(as_of=as_of, dry_run=True))
        reviewed, moves = result.counts.get("reviewed", 0), len(result.moves)
        trial = Tier.objects.get(code="bench-core")
        trial.min_spend = trial.min_spend * Decimal("0.9")  # unsaved, as the edit form leaves it
        what_if, _result = _best_of(runs, lambda: tier_what_if(changed=trial, as_of=as_of))
        del result
        gc.collect()
        tracemalloc.start()
        tier_review_run(as_of=as_of, dry_run=True)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return Measure(
            orders=orders,
            aggregate_s=aggregate,
            aggregate_rows=rows,
            review_s=review,
            what_if_s=what_if,
            reviewed=reviewed,
            moves=moves,
            peak_mib=peak / 2**20,
        )

    def _report(self, measures: list[Measure]) -> None:
        out = self.stdout
        out.write("")
        out.write(
            f"{'orders':>11}  {'member-months':>13}  {'bare aggregate':>14}  "
            f"{'tier review':>11}  {'ratio':>6}  {'review peak (Python)':>20}  "
            f"{'would move':>10}"
        )
        for m in measures:
            out.write(
                f"{m.orders:>11,}  {m.aggregate_rows:>13,}  {m.aggregate_s:>12.2f} s  "
                f"{m.review_s:>9.2f} s  {m.review_s / m.aggregate_s:>5.2f}x  "
                f"{m.peak_mib:>16.1f} MiB  {m.moves:>10,}"
            )
            out.write(
                f"{'':>11}  what-if (Core threshold -10 %): {m.what_if_s:.2f} s, "
                f"{m.what_if_s / m.aggregate_s:.2f}x the bare aggregate"
            )
        out.write(f"({measures[-1].reviewed:,} members reviewed)")
        if len(measures) > 1:
            growth = measures[-1].peak_mib / measures[0].peak_mib
            out.write(
                f"Peak memory with {measures[-1].orders / measures[0].orders:.1f}x the orders: "
                f"{growth:.2f}x"
            )

    def _real_run(self, as_of) -> None:
        with transaction.atomic():
            started = time.perf_counter()
            result = tier_review_run(as_of=as_of)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        self.stdout.write(
            f"real run (rolled back): {elapsed:.2f} s, {len(result.moves):,} moves written"
            + (" (this period was already reviewed)" if result.already_done else "")
        )
