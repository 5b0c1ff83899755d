"""Benchmark the owner's satisfaction, marketing and money reports against a bare aggregate
over the same rows.

Creates (or reuses) bench members -- numbers starting with "B" -- with their orders (see
bench_segments), then, once and set-based (INSERT ... SELECT), the rows these reports read,
from the bench orders: points earned on every order (expiring a year later) and spent on one
in ten, a stored-value payment on one in three and a top-up with bonus on one in six, a rating
on one in five (a complaint in fifty), a follow-up on one in fifty, a reward rule's coupon on
one in ten (half of them used on their order), and three offers seen by every member (used by
one in seven). Then times, in the same run and as the owner opens them (the last twelve
months, every store, through the test client with the full middleware stack):

- bare aggregate: one GROUP BY over the rows the report reads (its main table, the same
  months), every row fetched: the least any report of them has to read;
- the report page: its wall-clock time and its query count.

Use a scratch database:

    createdb bench_money_reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_money_reports python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_money_reports \\
        python manage.py bench_money_reports

It refuses a database holding members that are not bench members unless --force is given.
"""

import gc
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from loyalty.models import (
    CouponEvent,
    CouponTemplate,
    EntryKind,
    MemberCoupon,
    PointsEntry,
    RewardRule,
    RuleFiring,
    RuleTrigger,
    WalletEntry,
)
from loyalty.selectors.reports.month_sums import shop_zone
from loyalty.selectors.reports.months import current_month, month_add, month_start
from membership.models import FollowUpTask, Member, Order, OrderFeedback, User
from membership.roles import OWNER_GROUP
from portal.content.models import OfferPage, OfferStat
from portal.content.reports import OfferReportView
from portal.management.bench_data import (
    PREFIX,
    _insert_select,
    _Sql,
    bench_members_count,
    bench_members_create_sql,
    bench_reference_data,
    bench_shop_content,
)
from portal.owner.reports.marketing import CouponReport, RuleEffectReport
from portal.owner.reports.money import PointsExpiryReport, PointsReport, StoredValueReport
from portal.owner.reports.satisfaction import SatisfactionReport

SEEDED_KEY = "bench-earn-"


@dataclass
class Row:
    name: str
    bare_s: float = float("inf")
    page_s: float = float("inf")
    queries: int = 0
    rows: int = 0


def _later(sql: _Sql, column: str, days: int) -> str:
    """A timestamp column moved ``days`` days later, in SQL."""
    if sql.postgresql:
        return f"({column} + interval '{days} days')"
    return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {column}, '+{days} days')"


def _bench_orders(condition: str) -> str:
    return f"membership_order o WHERE o.number LIKE '{PREFIX}%%' AND {condition}"


def _seed(sql: _Sql, cursor, now) -> None:
    """The rows the reports read, from the bench orders (see the module's docstring)."""
    with_account = _bench_orders("TRUE").replace(
        " WHERE ", " JOIN loyalty_pointsaccount a ON a.member_id = o.member_id WHERE ", 1
    )
    _insert_select(
        cursor,
        PointsEntry(kind=EntryKind.EARN, reason="bench", created_at=now, amount=1, balance_after=1),
        {
            "account_id": "a.id",
            "amount": "CAST(o.total AS integer)",
            "balance_after": "CAST(o.total AS integer)",
            "created_at": "o.created_at",
            "expires_at": _later(sql, "o.created_at", 365),
            "source_type": "'order'",
            "source_id": "o.number",
            "idempotency_key": f"'{SEEDED_KEY}' || o.id",
        },
        with_account,
    )
    _insert_select(
        cursor,
        PointsEntry(
            kind=EntryKind.REDEEM, reason="bench", created_at=now, amount=-1, balance_after=0
        ),
        {
            "account_id": "a.id",
            "amount": "-CAST(o.total AS integer) / 4 - 1",
            "created_at": _later(sql, "o.created_at", 1),
            "idempotency_key": "'bench-redeem-' || o.id",
        },
        with_account + " AND o.id %% 10 = 0",
    )
    wallet = _bench_orders("TRUE").replace(
        " WHERE ", " JOIN loyalty_walletaccount a ON a.member_id = o.member_id WHERE ", 1
    )
    zero = Decimal("0")
    entry = {"reason": "bench", "created_at": now, "currency": settings.PORTAL_CURRENCY}
    _insert_select(
        cursor,
        WalletEntry(kind=EntryKind.PAY, amount=-1, principal_amount=-1, bonus_amount=zero, **entry),
        {
            "account_id": "a.id",
            "amount": "-o.total",
            "principal_amount": "-o.total",
            "balance_after": "0",
            "created_at": "o.created_at",
            "source_type": "'order'",
            "source_id": "o.number",
            "idempotency_key": "'bench-pay-' || o.id",
        },
        wallet + " AND o.id %% 3 = 0",
    )
    _insert_select(
        cursor,
        WalletEntry(
            kind=EntryKind.TOP_UP, amount=1, principal_amount=1, bonus_amount=zero, **entry
        ),
        {
            "account_id": "a.id",
            "amount": "o.total + 20",
            "principal_amount": "o.total",
            "bonus_amount": "20",
            "balance_after": "o.total + 20",
            "created_at": "o.created_at",
            "idempotency_key": "'bench-top-up-' || o.id",
        },
        wallet + " AND o.id %% 6 = 1",
    )
    _insert_select(
        cursor,
        OrderFeedback(rating=1, created_at=now),
        {
            "order_id": "o.id",
            "member_id": "o.member_id",
            "rating": "1 + o.id %% 5",
            "is_complaint": "o.id %% 50 = 0",
            "created_at": _later(sql, "o.created_at", 1),
        },
        _bench_orders("o.id %% 5 = 0"),
    )
    _insert_select(
        cursor,
        FollowUpTask(
            source=FollowUpTask.Source.FEEDBACK, reason="bench", created_at=now, due_at=now
        ),
        {
            "member_id": "o.member_id",
            "order_id": "o.id",
            "created_at": "o.created_at",
            "due_at": _later(sql, "o.created_at", 2),
            "done_at": "CASE WHEN o.id %% 100 = 0 THEN NULL ELSE o.created_at END",
        },
        _bench_orders("o.id %% 50 = 0"),
    )
    _seed_coupons(sql, cursor, now)
    _seed_offers(cursor, now)
    sql.analyze(cursor)


def _seed_coupons(sql: _Sql, cursor, now) -> None:
    rule, _ = RewardRule.objects.get_or_create(
        name_zh="bench 回头礼", defaults={"trigger": RuleTrigger.ORDER_COMPLETED}
    )
    template, _ = CouponTemplate.objects.get_or_create(
        name_zh="bench 减10", defaults={"amount_off": Decimal("10"), "valid_days": 30}
    )
    _insert_select(
        cursor,
        MemberCoupon(
            template=template,
            amount_off=Decimal("10"),
            valid_from=now,
            valid_until=now,
            face_value=Decimal("10"),
            issued_at=now,
            source_type="reward_rule",
            source_id=str(rule.pk),
        ),
        {
            "member_id": "o.member_id",
            "valid_from": "o.created_at",
            "valid_until": _later(sql, "o.created_at", 30),
            "issued_at": "o.created_at",
            "uses_left": "CASE WHEN o.id %% 20 = 0 THEN 0 ELSE 1 END",
            "status": "CASE WHEN o.id %% 20 = 0 THEN 'redeemed' ELSE 'available' END",
            "idempotency_key": "'bench-coupon-' || o.id",
        },
        _bench_orders("o.id %% 10 = 0"),
    )
    sql.analyze(cursor, MemberCoupon._meta.db_table)
    _insert_select(
        cursor,
        CouponEvent(kind=CouponEvent.Kind.REDEEM, discount=Decimal("10"), created_at=now),
        {
            "coupon_id": "c.id",
            "order_total": "o.total",
            "source_type": "'order'",
            "source_id": "o.number",
            "created_at": "o.created_at",
            "idempotency_key": "'bench-use-' || o.id",
        },
        _bench_orders("o.id %% 20 = 0").replace(
            " WHERE ",
            " JOIN loyalty_membercoupon c ON c.idempotency_key = 'bench-coupon-' || o.id WHERE ",
            1,
        ),
    )
    _insert_select(
        cursor,
        RuleFiring(rule=rule, period_key="", value=Decimal("10"), fired_at=now),
        {
            "member_id": "o.member_id",
            "period_key": "'bench-' || o.id",
            "fired_at": "o.created_at",
        },
        _bench_orders("o.id %% 10 = 0"),
    )


def _seed_offers(cursor, now) -> None:
    for offer_id in OfferPage.objects.values_list("pk", flat=True):
        _insert_select(
            cursor,
            OfferStat(offer_id=offer_id, first_viewed_at=now),
            {
                "member_id": "m.id",
                "used_at": "CASE WHEN m.id %% 7 = 0 THEN %s ELSE NULL END",
            },
            f"membership_member m WHERE m.number LIKE '{PREFIX}%%'",
            [connection.ops.adapt_datetimefield_value(now)],
        )


def _bare(queryset) -> int:
    """Every row of a grouped aggregate fetched."""
    return len(list(queryset))


def _bares(start, end):
    """Per report, the one GROUP BY over the rows it reads."""
    month = TruncMonth("created_at", tzinfo=shop_zone())
    return {
        SatisfactionReport: lambda: _bare(
            OrderFeedback.objects.filter(created_at__gte=start, created_at__lt=end)
            .annotate(m=month)
            .values("m")
            .annotate(n=Count("pk"), s=Sum("rating"))
            .order_by()
        ),
        CouponReport: lambda: _bare(
            CouponEvent.objects.filter(created_at__gte=start, created_at__lt=end)
            .annotate(m=month)
            .values("m")
            .annotate(n=Count("pk"), s=Sum("discount"))
            .order_by()
        ),
        RuleEffectReport: lambda: _bare(
            RuleFiring.objects.filter(fired_at__gte=start, fired_at__lt=end)
            .values("rule_id")
            .annotate(n=Count("pk"), s=Sum("value"))
            .order_by()
        ),
        StoredValueReport: lambda: _bare(
            WalletEntry.objects.annotate(m=month)
            .values("m", "kind")
            .annotate(p=Sum("principal_amount"), b=Sum("bonus_amount"))
            .order_by()
        ),
        PointsReport: lambda: _bare(
            PointsEntry.objects.annotate(m=month)
            .values("m", "kind")
            .annotate(s=Sum("amount"))
            .order_by()
        ),
        PointsExpiryReport: lambda: _bare(
            PointsEntry.objects.filter(amount__gt=0, expires_at__gt=timezone.now())
            .annotate(m=TruncMonth("expires_at", tzinfo=shop_zone()))
            .values("m")
            .annotate(s=Sum("amount"))
            .order_by()
        ),
        OfferReportView: lambda: _bare(
            OfferStat.objects.filter(first_viewed_at__gte=start, first_viewed_at__lt=end)
            .values("offer_id")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    }


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
        if not PointsEntry.objects.filter(idempotency_key__startswith=SEEDED_KEY).exists():
            self.stdout.write("Adding points, stored value, feedback, coupons and offer views ...")
            started = time.perf_counter()
            bench_shop_content(tiers=tiers)
            with transaction.atomic(), connection.cursor() as cursor:
                _seed(_Sql(), cursor, timezone.now())
            self.stdout.write(f"  ({time.perf_counter() - started:.0f} s)")
        owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"password": "!"})
        owner.groups.add(Group.objects.get(name=OWNER_GROUP))
        self.stdout.write(
            f"{connection.vendor}, {Member.objects.count():,} members, "
            f"{Order.objects.count():,} orders, {PointsEntry.objects.count():,} points entries, "
            f"{WalletEntry.objects.count():,} stored-value entries (best of {runs})"
        )
        self._report(self._measure(owner, runs))

    def _measure(self, owner, runs) -> list[Row]:
        last = current_month()
        start, end = month_start(month_add(last, -11)), month_start(month_add(last, 1))
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost")
        rows = []
        with override_settings(ALLOWED_HOSTS=[host], DEBUG=False):
            client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
            client.force_login(owner)
            for report, bare in _bares(start, end).items():
                row = Row(name=report.slug)
                url = reverse(report.url_name())
                for _ in range(runs):
                    gc.collect()
                    started = time.perf_counter()
                    row.rows = bare()
                    row.bare_s = min(row.bare_s, time.perf_counter() - started)
                    gc.collect()
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        response = client.get(url)
                        row.page_s = min(row.page_s, time.perf_counter() - started)
                    if response.status_code != 200:
                        raise CommandError(f"{url}: {response.status_code}")
                    row.queries = len(queries)
                rows.append(row)
        return rows

    def _report(self, rows: list[Row]) -> None:
        out = self.stdout
        out.write("")
        out.write(
            f"{'report':<16}  {'bare aggregate':>14}  {'page':>7}  {'ratio':>6}  {'queries':>7}"
        )
        for row in rows:
            out.write(
                f"{row.name:<16}  {row.bare_s:>12.2f} s  {row.page_s:>5.2f} s  "
                f"{row.page_s / max(row.bare_s, 1e-9):>5.2f}x  {row.queries:>7}"
            )
