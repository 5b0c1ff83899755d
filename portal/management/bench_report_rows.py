"""The rows the satisfaction, marketing and money reports read, for the bench members: made
once and set-based (INSERT ... SELECT) from the bench orders, and the bare aggregate over each
report's rows that bench_reports times the report against.

From the bench orders: points earned on every order (expiring a year later) and spent on one in
ten, a stored-value payment on one in three and a top-up with bonus on one in six, a rating on
one in five (a complaint in fifty), a follow-up on one in fifty, a reward rule's coupon on one
in ten (half of them used on their order); and the shop's offers seen by every member (used
by one in seven).
"""

from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
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
from membership.models import FollowUpTask, OrderFeedback, Tier
from portal.content.models import OfferPage, OfferStat

from .bench_data import PREFIX, _insert_select, _Sql, bench_shop_content

SEEDED_KEY = "bench-earn-"


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


def bench_report_rows_seed(*, tiers: list[Tier]) -> bool:
    """Make the rows once (False when they are there already), with the shop's offers."""
    if PointsEntry.objects.filter(idempotency_key__startswith=SEEDED_KEY).exists():
        return False
    bench_shop_content(tiers=tiers)
    with transaction.atomic(), connection.cursor() as cursor:
        _seed(_Sql(), cursor, timezone.now())
    return True


def bench_report_rows_bare(start, end, store_id: int | None) -> dict[str, tuple[str, list]]:
    """Per report slug: the SQL of the least work over its rows (one GROUP BY in the months,
    or over the whole ledger for the liabilities, every row fetched)."""
    zone = settings.TIME_ZONE
    month = "date_trunc('month', {} AT TIME ZONE %s)"
    if connection.vendor != "postgresql":
        month = "strftime('%%Y-%%m', {})"  # SQLite (the tests): UTC months are near enough
        zone = None

    def trunc(column):
        return month.format(column), ([zone] if zone else [])

    created, tz = trunc("created_at")
    expires, _tz = trunc("expires_at")
    fired, _tz = trunc("fired_at")
    orders = "SELECT number FROM membership_order WHERE store_id = %s"
    by_store = " AND o.store_id = %s" if store_id else ""
    store = [store_id] if store_id else []
    return {
        "satisfaction": (
            f"SELECT {created.replace('created_at', 'f.created_at')}, COUNT(*), SUM(f.rating) "
            "FROM membership_orderfeedback f JOIN membership_order o ON o.id = f.order_id "
            f"WHERE f.created_at >= %s AND f.created_at < %s{by_store} GROUP BY 1",
            [*tz, start, end, *store],
        ),
        "coupons": (
            f"SELECT {created}, COUNT(*), SUM(discount) FROM loyalty_couponevent "
            "WHERE kind = 'redeem' AND created_at >= %s AND created_at < %s"
            + (f" AND source_id IN ({orders})" if store_id else "")
            + " GROUP BY 1",
            [*tz, start, end, *store],
        ),
        "reward-rules": (
            "SELECT rule_id, COUNT(*), SUM(value) FROM loyalty_rulefiring "
            "WHERE fired_at >= %s AND fired_at < %s GROUP BY rule_id",
            [start, end],
        ),
        "stored-value": (
            f"SELECT {created}, kind, SUM(principal_amount), SUM(bonus_amount) "
            "FROM loyalty_walletentry GROUP BY 1, 2",
            tz,
        ),
        "points": (
            f"SELECT {created}, kind, SUM(amount) FROM loyalty_pointsentry GROUP BY 1, 2",
            tz,
        ),
        "offers": (
            "SELECT offer_id, COUNT(*), COUNT(used_at) FROM content_offerstat "
            "WHERE first_viewed_at >= %s AND first_viewed_at < %s GROUP BY offer_id",
            [start, end],
        ),
        "points-expiring": (
            f"SELECT {expires}, SUM(amount) FROM loyalty_pointsentry "
            "WHERE amount > 0 AND expires_at > %s GROUP BY 1",
            [*tz, timezone.now()],
        ),
    }
