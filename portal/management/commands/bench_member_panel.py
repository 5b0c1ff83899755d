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
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import (
    CouponTemplate,
    EntryKind,
    Package,
    PackageItem,
    PointsAccount,
    PointsEntry,
    WalletAccount,
    WalletEntry,
)
from loyalty.services.coupons import coupon_issue
from loyalty.services.packages import package_grant
from membership.models import (
    Booking,
    Member,
    MemberNote,
    Order,
    ServiceCategory,
    Store,
    Tier,
    User,
)
from membership.roles import STAFF_GROUP
from membership.services.roles import roles_sync

PREFIX = "B"
BATCH = 5000


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
        store, tiers, categories = self._reference_data()
        created = self._members(options["members"], store, tiers, rng)
        heavy = self._heavy_members(options["heavy"], store, categories, rng)
        setup_seconds = time.perf_counter() - started
        self.stdout.write(
            f"Members in database: {Member.objects.count():,} ({created:,} created; "
            f"orders {Order.objects.count():,}; setup {setup_seconds:.1f} s)"
        )
        self._run(heavy, options, rng)

    # --- data ---------------------------------------------------------------------------

    def _reference_data(self):
        roles_sync()
        store, _ = Store.objects.get_or_create(code="bench-store", defaults={"name": "Bench"})
        tiers = []
        for rank, (code, discount, multiplier) in enumerate(
            [("basic", 0, 1), ("potential", 5, 1), ("core", 10, 2), ("seed", 15, 3)], start=901
        ):
            tier, _ = Tier.objects.get_or_create(
                code=f"bench-{code}",
                defaults={
                    "rank": rank,
                    "name_zh": code,
                    "name_en": code.title(),
                    "stored_value_discount_percent": Decimal(discount),
                    "points_multiplier": Decimal(multiplier),
                },
            )
            tiers.append(tier)
        categories = [
            ServiceCategory.objects.get_or_create(
                code=f"bench-{code}", defaults={"name_zh": code, "name_en": code}
            )[0]
            for code in ("suit", "shirt", "down-jacket")
        ]
        return store, tiers, categories

    def _members(self, wanted: int, store, tiers, rng) -> int:
        have = Member.objects.filter(number__startswith=PREFIX).count()
        now = timezone.now()
        created = 0
        while have < wanted:
            size = min(BATCH, wanted - have)
            with transaction.atomic():
                users = User.objects.bulk_create(
                    User(
                        username=f"bench{have + i:07d}",
                        phone=f"+86170{have + i:08d}",
                        password="!",  # unusable
                    )
                    for i in range(size)
                )
                members = Member.objects.bulk_create(
                    Member(
                        user=user,
                        number=f"{PREFIX}{have + i:09d}",
                        name=f"Bench member {have + i}",
                        tier=rng.choices(tiers, weights=[40, 35, 20, 5])[0],
                        tier_since=now,
                        joined_at=now - timedelta(days=rng.randint(30, 900)),
                    )
                    for i, user in enumerate(users)
                )
                self._history(members, store, rng, now)
            have += size
            created += size
            self.stdout.write(f"  {have:,} members", ending="\r")
            self.stdout.flush()
        return created

    def _history(self, members, store, rng, now):
        orders, points, wallets = [], [], []
        for member in members:
            for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 10])):
                total = Decimal(rng.randint(20, 400))
                orders.append(
                    Order(
                        member=member,
                        store=store,
                        number=f"{member.number}-{len(orders)}",
                        subtotal=total,
                        total=total,
                        cash_amount=total,
                        created_at=now - timedelta(days=rng.randint(0, 730)),
                    )
                )
            points.append(PointsAccount(member=member, balance=rng.randint(1, 5000)))
            wallets.append(WalletAccount(member=member, principal=Decimal(rng.randint(1, 900))))
        Order.objects.bulk_create(orders, batch_size=BATCH)
        PointsAccount.objects.bulk_create(points, batch_size=BATCH)
        WalletAccount.objects.bulk_create(wallets, batch_size=BATCH)
        # Balances are the sum of their entries here too: one opening entry per account.
        PointsEntry.objects.bulk_create(
            (
                PointsEntry(
                    account=a,
                    kind=EntryKind.EARN,
                    amount=a.balance,
                    balance_after=a.balance,
                    reason="bench",
                    idempotency_key=f"bench-points-{a.member.number}",
                )
                for a in points
            ),
            batch_size=BATCH,
        )
        WalletEntry.objects.bulk_create(
            (
                WalletEntry(
                    account=a,
                    kind=EntryKind.TOP_UP,
                    currency=a.currency,
                    amount=a.principal,
                    principal_amount=a.principal,
                    bonus_amount=Decimal("0"),
                    balance_after=a.principal,
                    reason="bench",
                    idempotency_key=f"bench-wallet-{a.member.number}",
                )
                for a in wallets
            ),
            batch_size=BATCH,
        )
        notes = [
            MemberNote(member=m, text="Prefers light starch.")
            for m in members
            if rng.random() < 0.1
        ]
        MemberNote.objects.bulk_create(notes, batch_size=BATCH)
        bookings = []
        for member in members:
            if rng.random() < 0.05:
                start = now + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 10))
                bookings.append(
                    Booking(
                        member=member,
                        store=store,
                        kind=Booking.Kind.PICKUP,
                        slot_start=start,
                        slot_end=start + timedelta(hours=2),
                        address="Bench Road 1",
                    )
                )
        Booking.objects.bulk_create(bookings, batch_size=BATCH)

    def _heavy_members(self, count: int, store, categories, rng) -> list[Member]:
        """A sample of members with a big history (hundreds of orders, notes, coupons...)."""
        heavy = list(
            Member.objects.filter(number__startswith=PREFIX).order_by("number")[: count * 37 : 37]
        )
        template, _ = CouponTemplate.objects.get_or_create(
            name_zh="bench 满200减50",
            defaults={"amount_off": Decimal("50"), "min_spend": Decimal("200")},
        )
        package, created = Package.objects.get_or_create(
            code="bench-suit-month", defaults={"name_zh": "bench 西装月卡", "price": Decimal("399")}
        )
        if created:
            for category in categories:
                PackageItem.objects.create(package=package, category=category, quantity=4)
        now = timezone.now()
        for member in heavy:
            if Order.objects.filter(member=member, number__startswith="H").exists():
                continue
            Order.objects.bulk_create(
                Order(
                    member=member,
                    store=store,
                    number=f"H{member.number}-{n}",
                    subtotal=Decimal("88"),
                    total=Decimal("88"),
                    cash_amount=Decimal("88"),
                    created_at=now - timedelta(days=n * 2, hours=rng.randint(0, 23)),
                )
                for n in range(300)
            )
            MemberNote.objects.bulk_create(
                MemberNote(member=member, text=f"Note {n}", created_at=now - timedelta(days=n))
                for n in range(40)
            )
            for n in range(10):
                coupon_issue(
                    member=member, template=template, idempotency_key=f"bench-{member.number}-{n}"
                )
            package_grant(
                member=member, package=package, idempotency_key=f"bench-pkg-{member.number}"
            )
        return heavy

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
