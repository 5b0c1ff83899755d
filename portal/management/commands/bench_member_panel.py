"""Benchmark the counter's member panel with a large member base.

Creates (or reuses) bench members -- numbers starting with "B" -- with a realistic history
(orders over two years, points and stored-value accounts with their ledger entries, notes,
bookings; a sample of heavy members with hundreds of orders, coupons and a package), then
requests the panel through django.test.Client as a staff user and prints p50/p95 server time,
the queries per request, and the ratio against a baseline measured in the same run: the
counter's scan page (session, login, role check, base template; no member data).

Its data belongs in a scratch database, e.g.:

    DATABASE_URL=sqlite:///var/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:///var/bench.sqlite3 python manage.py bench_member_panel

It refuses to run against a database holding members that are not bench members unless
--force is given. A second run reuses the members already there.
"""

import random
import statistics
import time

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.models import Member, Order, User
from membership.roles import STAFF_GROUP
from portal.management.bench_data import (
    PREFIX,
    bench_heavy_members,
    bench_members_create,
    bench_reference_data,
)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000, help="bench members wanted")
        parser.add_argument("--requests", type=int, default=300, help="timed panel requests")
        parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
        parser.add_argument("--heavy", type=int, default=50, help="members with a big history")
        parser.add_argument("--seed", type=int, default=4)
        parser.add_argument(
            "--force", action="store_true", help="run even if real members are in the database"
        )

    def handle(self, *args, **options):
        real = Member.objects.exclude(number__startswith=PREFIX).count()
        if real and not options["force"]:
            raise CommandError(
                f"This database holds {real} members that are not bench members. Point "
                "DATABASE_URL at a scratch database, or pass --force."
            )
        rng = random.Random(options["seed"])
        started = time.perf_counter()
        store, tiers, categories = bench_reference_data()
        created = bench_members_create(
            wanted=options["members"], store=store, tiers=tiers, rng=rng, progress=self._progress
        )
        heavy = bench_heavy_members(
            count=options["heavy"], store=store, categories=categories, rng=rng
        )
        setup_seconds = time.perf_counter() - started
        self.stdout.write(
            f"Members in database: {Member.objects.count():,} ({created:,} created; "
            f"orders {Order.objects.count():,}; setup {setup_seconds:.1f} s)"
        )
        self._run(heavy, options, rng)

    def _progress(self, have: int) -> None:
        self.stdout.write(f"  {have:,} members", ending="\r")
        self.stdout.flush()

    # --- timing -------------------------------------------------------------------------

    def _staff_client(self) -> Client:
        staff, created = User.objects.get_or_create(username="bench-staff")
        if created:
            staff.groups.add(Group.objects.get(name=STAFF_GROUP))
        host = (settings.ALLOWED_HOSTS or ["localhost"])[0]
        client = Client(HTTP_HOST="localhost" if host in ("*", "") else host)
        client.force_login(staff)
        return client

    def _time(self, client: Client, urls: list[str]) -> list[float]:
        timings = []
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
        return timings

    def _run(self, heavy: list[Member], options, rng) -> None:
        client = self._staff_client()
        count = Member.objects.filter(number__startswith=PREFIX).count()
        # Half the requests for heavy members, half for members drawn from the whole base.
        numbers = [m.number for m in heavy] or [f"{PREFIX}{0:09d}"]
        panel_urls = []
        for i in range(options["requests"] + options["warmup"]):
            number = numbers[i % len(numbers)] if i % 2 else f"{PREFIX}{rng.randrange(count):09d}"
            panel_urls.append(reverse("counter:member", kwargs={"number": number}))
        baseline_urls = [reverse("counter:home")] * len(panel_urls)

        warm = options["warmup"]
        self._time(client, panel_urls[:warm] + baseline_urls[:warm])
        # Interleave the two so both see the same machine load.
        panel, baseline = [], []
        for panel_url, baseline_url in zip(panel_urls[warm:], baseline_urls[warm:], strict=True):
            panel += self._time(client, [panel_url])
            baseline += self._time(client, [baseline_url])

        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("counter:member", kwargs={"number": numbers[0]}))

        p50, p95 = statistics.median(panel), percentile(panel, 95)
        b50, b95 = statistics.median(baseline), percentile(baseline, 95)
        engine = connection.vendor
        self.stdout.write("")
        self.stdout.write(f"Database: {engine}; members: {count:,}; DEBUG={settings.DEBUG}")
        self.stdout.write(
            f"Member panel   ({len(panel)} requests): p50 {p50:.1f} ms   p95 {p95:.1f} ms   "
            f"queries/request {len(queries.captured_queries)}"
        )
        self.stdout.write(
            f"Baseline: scan page ({len(baseline)} requests): p50 {b50:.1f} ms   p95 {b95:.1f} ms"
        )
        self.stdout.write(f"Ratio panel/baseline: p50 {p50 / b50:.2f}x   p95 {p95 / b95:.2f}x")
        verdict = "within" if p95 <= 50 else "OVER"
        self.stdout.write(f"Target p95 <= 50 ms: {verdict} ({p95:.1f} ms)")
