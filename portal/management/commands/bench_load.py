"""Load benchmark run before every release: real gunicorn, production settings, many members.

Fills the database named by DATABASE_URL (PostgreSQL, a scratch database such as
``portal_bench``; never the shop's) with bench members -- 100,000 by default, set-based --
then starts gunicorn with the production settings (portal.settings.bench: production plus
one bare view) and drives, with logged-in sessions at a fixed concurrency for a bounded
time, the member dashboard, the member card, the counter search and the member panel, and
a bare Django view served by the same processes in the same run. Pages and the bare view
take turns (``--rounds``), so all see the same machine load. It prints each page's
requests per second, p50/p95 and errors, and its ratio to the bare view.

    createdb portal_bench
    DATABASE_URL=postgres://.../portal_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        python manage.py bench_load --duration 20 --concurrency 8

Goals: dashboard, card and panel at least 0.25x the bare view's requests per second, p95
under 50 ms on a quiet machine, no errors. These are figures to read, not a pass/fail test.

The bench's members come back again and again, so with Redis their dashboard and card are
mostly served kept (portal/member_page_cache.py); ``--no-page-cache`` measures what a first
visit costs, every time.
"""

import http.client
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from membership.models import Member, User
from membership.roles import STAFF_GROUP
from portal.management.bench_data import (
    PREFIX,
    bench_heavy_members,
    bench_members_count,
    bench_members_create_sql,
    bench_reference_data,
)

ROOT = Path(settings.BASE_DIR)
BACKEND = "portal.accounts.backends.PortalModelBackend"
P95_GOAL_MS = 50
RATIO_GOAL = 0.25


@dataclass
class Page:
    name: str
    targets: list[tuple[str, str]]  # (path, session key)
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, pct: float) -> float:
        return percentile(self.latencies, pct) if self.latencies else float("nan")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def drive(page: Page, *, port: int, concurrency: int, seconds: float) -> None:
    """``concurrency`` clients, each sending the page's requests one after another (a new
    connection each: gunicorn's sync workers close it) until ``seconds`` have passed, and
    at least one each (on a busy machine a thread may start after the deadline)."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    turn = iter(range(10**12))

    def client() -> None:
        first = True
        while first or time.perf_counter() < deadline:
            first = False
            with lock:
                path, session = page.targets[next(turn) % len(page.targets)]
            started = time.perf_counter()
            ok = False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(
                    "GET",
                    path,
                    headers={
                        "Host": "127.0.0.1",
                        "X-Forwarded-Proto": "https",  # as the TLS proxy says in production
                        "Accept-Encoding": "gzip",
                        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}" if session else "",
                    },
                )
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    page.latencies.append(elapsed)
                else:
                    page.errors += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    page.seconds += time.perf_counter() - started


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000, help="bench members wanted")
        parser.add_argument("--orders-per-member", type=int, default=20)
        parser.add_argument("--heavy", type=int, default=50, help="members with a big history")
        parser.add_argument("--sessions", type=int, default=200, help="logged-in members")
        parser.add_argument("--concurrency", type=int, default=8, help="clients at once")
        parser.add_argument("--duration", type=float, default=20, help="seconds per page")
        parser.add_argument("--rounds", type=int, default=2, help="turns each page takes")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--port", type=int, default=0, help="0: a free port")
        parser.add_argument("--seed", type=int, default=4)
        parser.add_argument(
            "--no-page-cache",
            action="store_true",
            help="build every member page (MEMBER_PAGE_CACHE_SECONDS=0): the cost of a first visit",
        )
        parser.add_argument(
            "--force", action="store_true", help="run even if real members are in the database"
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_load needs DATABASE_URL pointing at a PostgreSQL database.")
        call_command("migrate", interactive=False, verbosity=0)  # a scratch database
        real = Member.objects.exclude(number__startswith=PREFIX).count()
        if real and not options["force"]:
            raise CommandError(
                f"This database holds {real} members that are not bench members. Point "
                "DATABASE_URL at a scratch database (e.g. portal_bench), or pass --force."
            )
        rng = random.Random(options["seed"])
        self._setup_data(options, rng)
        secret = secrets.token_urlsafe(50)
        env = self._server_env(secret)
        if options["no_page_cache"]:
            env["MEMBER_PAGE_CACHE_SECONDS"] = "0"
        self.page_cache = env.get("MEMBER_PAGE_CACHE_SECONDS", "600") != "0"
        self._collectstatic(env)
        pages = self._pages(options, rng, secret)
        port = options["port"] or _free_port()
        server = self._start_gunicorn(env, port, options["workers"])
        try:
            self._wait_until_up(port, pages[0])
            self.stdout.write(
                f"Driving each page {options['rounds']} x {options['duration'] / options['rounds']:.0f} s "
                f"at concurrency {options['concurrency']} ({options['workers']} gunicorn workers)..."
            )
            for _ in range(max(1, options["rounds"])):
                for page in pages:
                    drive(
                        page,
                        port=port,
                        concurrency=options["concurrency"],
                        seconds=options["duration"] / max(1, options["rounds"]),
                    )
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            self._forget_sessions()
        self._report(pages, options)

    # --- setup --------------------------------------------------------------------------

    def _setup_data(self, options, rng) -> None:
        started = time.perf_counter()
        store, tiers, categories = bench_reference_data()
        created = bench_members_create_sql(
            wanted=options["members"],
            store=store,
            tiers=tiers,
            orders_per_member=options["orders_per_member"],
        )
        bench_heavy_members(count=options["heavy"], store=store, categories=categories, rng=rng)
        self.stdout.write(
            f"Bench members: {bench_members_count():,} ({created:,} created in "
            f"{time.perf_counter() - started:.0f} s)"
        )
        staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"store": store})
        staff.groups.add(Group.objects.get(name=STAFF_GROUP))
        self.staff = staff

    def _server_env(self, secret: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings.bench",
            SECRET_KEY=secret,
            ALLOWED_HOSTS="127.0.0.1",
            # The bench's one staff login looks members up far faster than a counter does.
            COUNTER_LOOKUP_RATE_LIMITS="1000000/10m,1000000/h,1000000/d",
        )
        env.pop("DEBUG", None)
        return env

    def _collectstatic(self, env) -> None:
        started = time.perf_counter()
        for command in (["collectstatic", "--noinput", "-v0"], ["createcachetable"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
        self.stdout.write(f"Static files collected ({time.perf_counter() - started:.0f} s)")

    def _session(self, user: User, secret: str) -> str:
        """A logged-in session as the production processes will read it (their secret key)."""
        engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
        with override_settings(SECRET_KEY=secret):
            store = engine()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = BACKEND
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store["bench"] = True
            store.save(must_create=True)
        self.session_keys.append(store.session_key)
        return store.session_key

    def _pages(self, options, rng, secret: str) -> list[Page]:
        self.session_keys: list[str] = []
        count = bench_members_count()
        numbers = {f"{PREFIX}{rng.randrange(count):09d}" for _ in range(options["sessions"])}
        members = list(Member.objects.select_related("user").filter(number__in=numbers))
        member_sessions = [self._session(m.user, secret) for m in members]
        staff_session = self._session(self.staff, secret)
        panel_numbers = [f"{PREFIX}{rng.randrange(count):09d}" for _ in range(500)]
        search_terms = [f"{rng.randrange(10_000):04d}" for _ in range(200)]  # last 4 digits
        return [
            Page("bare view", [("/bench/bare/", "")]),
            Page("member dashboard", [(reverse("customer:dashboard"), s) for s in member_sessions]),
            Page("member card", [(reverse("customer:card"), s) for s in member_sessions]),
            Page(
                "counter search",
                [(f"{reverse('counter:search')}?q={q}", staff_session) for q in search_terms],
            ),
            Page(
                "member panel",
                [
                    (reverse("counter:member", kwargs={"number": n}), staff_session)
                    for n in panel_numbers
                ],
            ),
        ]

    def _forget_sessions(self) -> None:
        engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
        for key in getattr(self, "session_keys", []):
            engine(session_key=key).delete()

    # --- the server ---------------------------------------------------------------------

    def _start_gunicorn(self, env, port: int, workers: int) -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )

    def _wait_until_up(self, port: int, bare: Page) -> None:
        for _ in range(120):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", bare.targets[0][0], headers={"X-Forwarded-Proto": "https"})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
                raise CommandError(f"The bare view answered {status}.")
            except OSError:
                time.sleep(0.5)
        raise CommandError("gunicorn did not start within a minute.")

    # --- report -------------------------------------------------------------------------

    def _report(self, pages: list[Page], options) -> None:
        bare = pages[0]
        self.stdout.write("")
        self.stdout.write(
            f"PostgreSQL, {bench_members_count():,} members; gunicorn x{options['workers']}, "
            f"concurrency {options['concurrency']}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f} at the end; member pages "
            + ("kept between visits (page cache on)" if self.page_cache else "built every time")
        )
        self.stdout.write(
            f"{'page':<18}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
            f"{'errors':>8}{'x bare':>8}"
        )
        for page in pages:
            ratio = page.rps / bare.rps if bare.rps else float("nan")
            self.stdout.write(
                f"{page.name:<18}{len(page.latencies):>9}{page.rps:>9.1f}"
                f"{_median(page.latencies):>9.1f}{page.percentile(95):>9.1f}"
                f"{page.errors:>8}{ratio:>8.2f}"
            )
        self.stdout.write("")
        for page in pages[1:]:
            ratio = page.rps / bare.rps if bare.rps else 0
            misses = []
            if page.name != "counter search" and ratio < RATIO_GOAL:
                misses.append(f"{ratio:.2f}x bare < {RATIO_GOAL}x")
            if page.percentile(95) >= P95_GOAL_MS:
                misses.append(f"p95 {page.percentile(95):.0f} ms >= {P95_GOAL_MS} ms")
            if page.errors:
                misses.append(f"{page.errors} errors")
            verdict = "meets the goals" if not misses else "misses: " + "; ".join(misses)
            self.stdout.write(f"{page.name}: {verdict}")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
