"""Benchmark the owner's exports against a bare aggregate over the same rows.

Creates (or reuses) bench members -- numbers starting with "B" -- with their orders
(set-based, see portal.management.bench_data), then times in the same run:

- bare aggregate: one GROUP BY member over last month's completed orders plus every
  member's number, name and phone, all rows fetched: the least a monthly export must read;
- monthly export: ``export_generate`` of last month's consumption (CSV and Excel written);
- segment export: ``export_generate`` of every member's segment (computed first if none is);

and prints each time, its ratio to the bare aggregate, its rows and its query count. Use a
scratch database:

    createdb bench_exports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exports python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exports python manage.py bench_exports

It refuses a database holding members that are not bench members unless --force is given.
The files go to the ``exports`` storage (settings.STORAGES) or var/exports; the command
deletes the files it wrote.
"""

import gc
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Sum

from loyalty.models import ExportJob, MemberSegment
from loyalty.selectors.exports import month_bounds
from loyalty.services.exports import export_generate, previous_month
from loyalty.services.segments import segments_recompute_all
from membership.models import Member, Order
from portal.management.bench_data import (
    PREFIX,
    bench_members_count,
    bench_members_create_sql,
    bench_reference_data,
)


def _bare_aggregate(month) -> int:
    start, end = month_bounds(month)
    sums = (
        Order.objects.filter(
            status=Order.Status.COMPLETED, created_at__gte=start, created_at__lt=end
        )
        .values("member_id")
        .annotate(n=Count("id"), spend=Sum("total"), wallet=Sum("wallet_amount"))
        .order_by()
    )
    rows = sum(1 for _row in sums.iterator(chunk_size=5000))
    members = Member.objects.values_list("pk", "number", "name", "user__phone")
    return rows + sum(1 for _row in members.iterator(chunk_size=5000))


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _timed_export(kind: str, parameters: dict) -> tuple[float, int, int]:
    job = ExportJob.objects.create(kind=kind, parameters=parameters)
    counter = _QueryCounter()
    gc.collect()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        job = export_generate(job_id=job.pk)
    seconds = time.perf_counter() - started
    for field in (job.csv_file, job.xlsx_file):
        field.delete(save=False)
    ExportJob.objects.filter(pk=job.pk).delete()
    return seconds, job.rows, counter.count


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000)
        parser.add_argument("--orders-per-member", type=int, default=20)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, members, orders_per_member, force, **options):
        if Member.objects.exclude(number__startswith=PREFIX).exists() and not force:
            raise CommandError("This database has real members: use a scratch one (or --force).")
        store, tiers, _categories = bench_reference_data()
        if bench_members_count() < members:
            self.stdout.write(f"Creating {members:,} bench members with their orders ...")
            started = time.perf_counter()
            bench_members_create_sql(
                wanted=members, store=store, tiers=tiers, orders_per_member=orders_per_member
            )
            self.stdout.write(f"  ({time.perf_counter() - started:.0f} s)")
        if not MemberSegment.objects.exists():
            segments_recompute_all()
        month = previous_month()
        self.stdout.write(
            f"{connection.vendor}, {Member.objects.count():,} members, "
            f"{Order.objects.count():,} orders; month {month:%Y-%m}"
        )
        gc.collect()
        started = time.perf_counter()
        bare_rows = _bare_aggregate(month)
        bare = time.perf_counter() - started
        self.stdout.write(f"bare aggregate   {bare:7.2f} s  ({bare_rows:,} rows)")
        for label, kind, parameters in (
            ("monthly export ", ExportJob.Kind.MONTHLY, {"month": f"{month:%Y-%m}"}),
            ("segment export ", ExportJob.Kind.SEGMENT, {}),
        ):
            seconds, rows, queries = _timed_export(kind, parameters)
            self.stdout.write(
                f"{label}  {seconds:7.2f} s  ×{seconds / bare:5.1f}  "
                f"({rows:,} rows, {queries} queries)"
            )
