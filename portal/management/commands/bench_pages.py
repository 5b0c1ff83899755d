"""CPU cost per request of the member dashboard, the member card and the counter member panel,
measured in this process against a bare Django view -- a quick, repeatable companion to
bench_load for working on those pages.

Requests go through Django's test client with the full middleware stack, DEBUG off and the
cached template loader (the settings module's own otherwise: run it with the production
settings, as bench_load's gunicorn does), logged in as bench members and a bench staff user,
on the database named by DATABASE_URL. The bench data (members with a realistic history, a
few heavy ones, offers, tier rules and benefits) is made on the first run -- use a scratch
database such as ``portal_perf``, never the shop's:

    createdb portal_perf
    DATABASE_URL=postgres://.../portal_perf DJANGO_SETTINGS_MODULE=portal.settings.bench \\
        SECRET_KEY=... REDIS_URL=redis://127.0.0.1:6379/9 python manage.py collectstatic
    (same environment) python manage.py bench_pages --members 20000

After a warm-up it times ``--rounds`` rounds of ``--requests`` requests per page, the pages
taking turns request by request (all see the same machine load), and prints each page's CPU
milliseconds per request in this process (time.process_time: the database server's work is
not in it; the best round, a shared machine only ever adds time), wall-clock p50/p95, queries
per request and the CPU ratio of the bare view to the page (what bench_load's "x bare" becomes
when the page is all the server does); with a PostgreSQL server on this machine and kept
connections (the production settings), also the server process's CPU per request (from
/proc) and the ratio counting both. ``--profile PAGE`` prints a cProfile of that page
instead. Figures to read, not a pass/fail test.
"""

import cProfile
import io
import pstats
import random
import statistics
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from membership.models import Member, User
from membership.roles import STAFF_GROUP
from portal.management.bench_data import (
    PREFIX,
    bench_heavy_members,
    bench_members_count,
    bench_members_create_sql,
    bench_reference_data,
    bench_shop_content,
)

PAGES = ("bare", "dashboard", "card", "panel")


@dataclass
class Page:
    name: str
    requests: list[tuple[Client, str]]  # (logged-in client, path), taken in turn
    cpu: list[float] = field(default_factory=list)  # ms per request, one figure per round
    db: list[float] = field(default_factory=list)  # the database server's CPU, the same way
    wall: list[float] = field(default_factory=list)  # ms, every timed request
    queries: int = 0
    turn: int = 0

    def next(self) -> tuple[Client, str]:
        self.turn += 1
        return self.requests[self.turn % len(self.requests)]


def _cpu_ns(pid: int) -> int | None:
    """CPU time a process of this machine has used, in nanoseconds (Linux)."""
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=20_000, help="bench members wanted")
        parser.add_argument("--orders-per-member", type=int, default=20)
        parser.add_argument("--heavy", type=int, default=20, help="members with a big history")
        parser.add_argument("--sessions", type=int, default=30, help="logged-in members")
        parser.add_argument("--requests", type=int, default=200, help="timed requests per round")
        parser.add_argument("--rounds", type=int, default=3, help="the best round counts")
        parser.add_argument("--warmup", type=int, default=30, help="untimed requests per page")
        parser.add_argument("--profile", choices=PAGES, help="cProfile this page instead")
        parser.add_argument("--profile-lines", type=int, default=45)
        parser.add_argument("--profile-out", help="also save the profile here (pstats file)")
        parser.add_argument("--seed", type=int, default=4)
        parser.add_argument(
            "--force", action="store_true", help="run even if real members are in the database"
        )

    def handle(self, *args, **options):
        real = Member.objects.exclude(number__startswith=PREFIX).count()
        if real and not options["force"]:
            raise CommandError(
                f"This database holds {real} members that are not bench members. Point "
                "DATABASE_URL at a scratch database (e.g. portal_perf), or pass --force."
            )
        rng = random.Random(options["seed"])
        heavy = self._setup_data(options, rng)
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost")
        host = host.lstrip(".")
        # Production-like whatever the settings module: DEBUG off (so the cached template
        # loader), lookups unlimited for the one staff login, and the bare view beside the site.
        with override_settings(
            DEBUG=False,
            ROOT_URLCONF="portal.bench_urls",
            ALLOWED_HOSTS=[host],
            COUNTER_LOOKUP_RATE_LIMITS="1000000/10m,1000000/h,1000000/d",
        ):
            self._check_template_loader()
            pages = self._pages(options, rng, heavy, host)
            self._warm_up(pages, options["warmup"])
            if options["profile"]:
                page = next(p for p in pages if p.name == options["profile"])
                self._profile(page, options)
                return
            for _ in range(max(1, options["rounds"])):
                self._round(pages, options["requests"])
            for page in pages:
                page.queries = self._queries(page)
        self._report(pages, options)

    # --- setup --------------------------------------------------------------------------

    def _setup_data(self, options, rng) -> list[Member]:
        started = time.perf_counter()
        store, tiers, categories = bench_reference_data()
        created = bench_members_create_sql(
            wanted=options["members"],
            store=store,
            tiers=tiers,
            orders_per_member=options["orders_per_member"],
        )
        heavy = bench_heavy_members(
            count=options["heavy"], store=store, categories=categories, rng=rng
        )
        bench_shop_content(tiers=tiers)
        self.stdout.write(
            f"Bench members: {bench_members_count():,} ({created:,} created; setup "
            f"{time.perf_counter() - started:.0f} s)"
        )
        staff, created = User.objects.get_or_create(username="bench-staff")
        if created or staff.store_id is None:
            staff.store = store
            staff.save(update_fields=["store"])
        staff.groups.add(Group.objects.get(name=STAFF_GROUP))
        self.staff = staff
        return heavy

    def _check_template_loader(self) -> None:
        loaders = engines["django"].engine.template_loaders
        if not any(
            type(loader).__name__ == "Loader" and "cached" in type(loader).__module__
            for loader in loaders
        ):
            raise CommandError("The cached template loader is not in use.")

    def _client(self, user: User, host: str) -> Client:
        client = Client(
            HTTP_HOST=host,
            # As the TLS proxy and a browser say in production (SECURE_SSL_REDIRECT, gzip).
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_ACCEPT_ENCODING="gzip",
        )
        client.force_login(user)
        return client

    def _pages(self, options, rng, heavy: list[Member], host: str) -> list[Page]:
        count = bench_members_count()
        if not count:
            raise CommandError("No bench members: ask for some with --members.")
        numbers = {f"{PREFIX}{rng.randrange(count):09d}" for _ in range(options["sessions"])}
        members = list(Member.objects.select_related("user").filter(number__in=numbers))
        # One member in four with a big history (coupons, packages, hundreds of orders).
        members += list(Member.objects.select_related("user").filter(pk__in=[m.pk for m in heavy]))[
            : max(1, len(members) // 3)
        ]
        rng.shuffle(members)
        member_clients = [self._client(m.user, host) for m in members]
        staff = self._client(self.staff, host)
        # The counter opens members it has not opened lately (each opening is logged), as
        # bench_load's random members mostly are: a member not drawn in an earlier run for
        # each request, and one in four a member with a big history, opened again.
        wanted = options["warmup"] + options["rounds"] * options["requests"] + 1
        fresh = random.Random().sample(range(count), min(count, wanted))
        panel_numbers = [
            heavy[n // 4 % len(heavy)].number if heavy and n % 4 == 3 else f"{PREFIX}{i:09d}"
            for n, i in enumerate(fresh)
        ]
        bare_client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
        dashboard, card = reverse("customer:dashboard"), reverse("customer:card")
        return [
            Page("bare", [(bare_client, "/bench/bare/")]),
            Page("dashboard", [(c, dashboard) for c in member_clients]),
            Page("card", [(c, card) for c in member_clients]),
            Page(
                "panel",
                [(staff, reverse("counter:member", kwargs={"number": n})) for n in panel_numbers],
            ),
        ]

    # --- measuring ----------------------------------------------------------------------

    def _get(self, page: Page) -> None:
        client, path = page.next()
        response = client.get(path)
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}")

    def _warm_up(self, pages: list[Page], requests: int) -> None:
        """``requests`` of each page, and each login's first visit (its card made, its
        session read from the database once) untimed."""
        for page in pages:
            for _ in range(max(requests, len({id(client) for client, _ in page.requests}))):
                self._get(page)

    def _db_backend(self) -> int | None:
        """The PostgreSQL server process of this connection, when its CPU time can be read
        (a server on this machine, a connection kept between requests)."""
        if connection.vendor != "postgresql" or not connection.settings_dict["CONN_MAX_AGE"]:
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        return pid if _cpu_ns(pid) is not None else None

    def _round(self, pages: list[Page], requests: int) -> None:
        cpu = {page.name: 0.0 for page in pages}
        db = {page.name: 0 for page in pages}
        backend = self._db_backend()
        for _ in range(requests):
            for page in pages:
                db_started = _cpu_ns(backend) if backend else 0
                started, started_cpu = time.perf_counter(), time.process_time()
                self._get(page)
                cpu[page.name] += time.process_time() - started_cpu
                page.wall.append((time.perf_counter() - started) * 1000)
                db[page.name] += (_cpu_ns(backend) or 0) - db_started if backend else 0
        same_backend = backend is not None and backend == self._db_backend()
        for page in pages:
            page.cpu.append(cpu[page.name] * 1000 / requests)
            if same_backend:
                page.db.append(db[page.name] / 1e6 / requests)

    def _queries(self, page: Page) -> int:
        with CaptureQueriesContext(connection) as queries:
            self._get(page)
        return len(queries.captured_queries)

    def _profile(self, page: Page, options) -> None:
        # CPU time, as the figures: waiting for the database is not this process's work.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(options["requests"]):
            self._get(page)
        profiler.disable()
        if options["profile_out"]:
            profiler.dump_stats(options["profile_out"])
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(order).print_stats(options["profile_lines"])
            self.stdout.write(f"--- {page.name}, {options['requests']} requests, by {order}")
            self.stdout.write(out.getvalue())

    # --- report -------------------------------------------------------------------------

    def _report(self, pages: list[Page], options) -> None:
        bare = min(pages[0].cpu)
        with_db = all(page.db for page in pages)
        bare_total = (
            min(c + d for c, d in zip(pages[0].cpu, pages[0].db, strict=True)) if with_db else 0
        )
        self.stdout.write("")
        self.stdout.write(
            f"{connection.vendor}, {bench_members_count():,} members; settings "
            f"{settings.SETTINGS_MODULE}; cache {settings.CACHES['default']['BACKEND']}; "
            f"sessions {settings.SESSION_ENGINE}"
        )
        self.stdout.write(
            f"{options['rounds']} rounds x {options['requests']} requests per page; CPU ms: "
            "this process, the best round's mean; DB ms: the database server's CPU in that "
            "round" + ("" if with_db else " (not measurable here)") + "; rounds: every round's CPU"
        )
        self.stdout.write(
            f"{'page':<11}{'CPU ms':>8}{'x bare':>8}{'DB ms':>8}{'+DB x bare':>11}"
            f"{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}   rounds"
        )
        for page in pages:
            best = min(page.cpu)
            if with_db:
                total, index = min(
                    (c + d, i) for i, (c, d) in enumerate(zip(page.cpu, page.db, strict=True))
                )
                db = f"{page.db[index]:>8.2f}{bare_total / total:>11.2f}"
            else:
                db = f"{'-':>8}{'-':>11}"
            self.stdout.write(
                f"{page.name:<11}{best:>8.2f}{bare / best:>8.2f}{db}"
                f"{statistics.median(page.wall):>8.1f}{percentile(page.wall, 95):>8.1f}"
                f"{page.queries:>9}   {' '.join(f'{c:.2f}' for c in page.cpu)}"
            )
