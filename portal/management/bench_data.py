"""Bench members with a realistic history, created set-based: bulk_create in batches, or
INSERT ... SELECT over a series of integers for the big runs (PostgreSQL and SQLite).

Shared by the benchmark commands (bench_member_panel, bench_load, bench_pages,
bench_tier_review) and by the tests that check a page's queries do not grow with the number of
members. Bench members have numbers starting with ``PREFIX`` and, like members who signed up,
belong to the Members group. ``bench_shop_content`` adds what a shop shows besides members
(tier rules and benefits, offers).
"""

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Page, Site

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
    TierBenefit,
    User,
)
from membership.roles import MEMBER_GROUP
from membership.services.roles import roles_sync
from portal.content.models import HomePage, OfferPage, ShopSettings
from portal.content.services import OfferText, home_page_translate, offer_page_create

PREFIX = "B"
BATCH = 5000


def bench_reference_data() -> tuple[Store, list[Tier], list[ServiceCategory]]:
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


def bench_members_count() -> int:
    return Member.objects.filter(number__startswith=PREFIX).count()


def bench_members_create(
    *,
    wanted: int,
    store: Store,
    tiers: list[Tier],
    rng: random.Random,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add bench members (with history) until there are ``wanted``; returns how many were made."""
    have = bench_members_count()
    member_group = Group.objects.get(name=MEMBER_GROUP)
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
            User.groups.through.objects.bulk_create(
                User.groups.through(user_id=user.pk, group_id=member_group.pk) for user in users
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
            _history(members, store, rng, now)
        have += size
        created += size
        if progress:
            progress(have)
    return created


def _history(members: list[Member], store: Store, rng: random.Random, now) -> None:
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
        MemberNote(member=m, text="Prefers light starch.") for m in members if rng.random() < 0.1
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


def bench_heavy_members(
    *, count: int, store: Store, categories: list[ServiceCategory], rng: random.Random
) -> list[Member]:
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
        package_grant(member=member, package=package, idempotency_key=f"bench-pkg-{member.number}")
    return heavy


# --- Set-based: 100,000 members in seconds (PostgreSQL and SQLite) ----------------------------


class _Sql:
    """The few spellings that differ between PostgreSQL and SQLite in the INSERT ... SELECTs
    below (parameters are written %s, and a literal % as %%)."""

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"

    def series(self, alias: str) -> str:
        """The integers from one parameter to the next, as the relation ``alias(i)``."""
        if self.postgresql:
            return f"generate_series(%s, %s) AS {alias}(i)"
        return (
            "(WITH RECURSIVE s(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
            f"SELECT i FROM s) AS {alias}"
        )

    def padded(self, expression: str, width: int) -> str:
        """An integer as text with leading zeros."""
        if self.postgresql:
            return f"lpad(CAST({expression} AS text), {width}, '0')"
        return f"printf('%%0{width}d', {expression})"

    def shifted(self, days: str, hours: str = "0") -> str:
        """A timestamp parameter moved by ``days`` days and ``hours`` hours (SQL integers)."""
        if self.postgresql:
            return (
                f"%s + make_interval(days => CAST({days} AS integer), "
                f"hours => CAST({hours} AS integer))"
            )
        return (
            f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, ({days}) || ' days', ({hours}) || ' hours')"
        )

    def timestamp(self, moment):
        """``moment`` as the database stores it (SQLite: UTC text), for ``shifted``."""
        return connection.ops.adapt_datetimefield_value(moment)

    def analyze(self, cursor, *tables: str) -> None:
        """Fresh planner statistics: a planner that still thinks a table is empty picks
        nested loops over every pair of rows when joining what was just written."""
        if not tables or self.postgresql:
            cursor.execute("ANALYZE " + ", ".join(tables))
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def _constant_columns(instance, skip: set[str]) -> tuple[list[str], list]:
    """Every concrete column of ``instance`` not in ``skip``, with its database value: the
    model's own defaults, so a column added to the model later needs no change here."""
    columns, values = [], []
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.attname in skip:
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(getattr(instance, field.attname), connection))
    return columns, values


def _insert_select(cursor, instance, varying: dict[str, str], source: str, params=()) -> int:
    """INSERT INTO <instance's table> SELECT ... FROM <source>: constants from ``instance``,
    per-row SQL expressions from ``varying`` (column -> expression over ``source``)."""
    columns, values = _constant_columns(instance, skip=set(varying))
    names = [*columns, *varying]
    expressions = ["%s"] * len(columns) + list(varying.values())
    cursor.execute(
        f"INSERT INTO {instance._meta.db_table} ({', '.join(names)}) "
        f"SELECT {', '.join(expressions)} FROM {source}",
        [*values, *params],
    )
    return cursor.rowcount


def _bench_members(sql: _Sql) -> str:
    """Bench members numbered from one parameter to the next (``m``), for a FROM clause."""
    return (
        f"membership_member m WHERE m.number >= '{PREFIX}' || {sql.padded('%s', 9)} "
        f"AND m.number <= '{PREFIX}' || {sql.padded('%s', 9)} AND m.number LIKE '{PREFIX}%%'"
    )


def _bench_orders(
    cursor, sql: _Sql, *, store: Store, orders_per_member: int, round_: int, now, first, last
) -> int:
    """Each bench member numbered ``first`` to ``last`` gets 0 to
    2 × ``orders_per_member`` completed orders (``orders_per_member`` on average) over the two
    years before ``now``, of 20 to 400 each. Each round draws different orders."""
    total = f"(20 + (m.id * 31 + n.i * 17 + {round_ * 7}) %% 381)"
    members = _bench_members(sql).replace(
        " WHERE ",
        f" JOIN {sql.series('n')} ON n.i <= (m.id * 7919 + {round_ - 1}) %% %s WHERE ",
        1,
    )
    return _insert_select(
        cursor,
        Order(store=store, subtotal=0, total=0, cash_amount=0, created_at=now),
        {
            "member_id": "m.id",
            "number": f"m.number || '-{round_}-' || n.i",
            "subtotal": total,
            "total": total,
            "cash_amount": total,
            "created_at": sql.shifted(
                f"-((m.id * 7 + n.i * 97 + {round_ * 5 - 5}) %% 730)", "-((m.id + n.i) %% 11)"
            ),
        },
        members,
        [sql.timestamp(now), 1, 2 * orders_per_member, 2 * orders_per_member + 1, first, last],
    )


def bench_orders_add(*, store: Store, orders_per_member: int, round_: int) -> int:
    """Another round of orders for every bench member, set-based (see ``_bench_orders``).
    Returns how many orders were made."""
    sql, last = _Sql(), bench_members_count() - 1
    if last < 0:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        created = _bench_orders(
            cursor,
            sql,
            store=store,
            orders_per_member=orders_per_member,
            round_=round_,
            now=timezone.now(),
            first=0,
            last=last,
        )
        sql.analyze(cursor, Order._meta.db_table)
    return created


def bench_members_create_sql(
    *, wanted: int, store: Store, tiers: list[Tier], orders_per_member: int = 20
) -> int:
    """The same kind of bench members, made by INSERT ... SELECT over a series of integers
    (100,000 members and two million orders in a few minutes, where bulk_create takes hours
    on a busy machine), on PostgreSQL and on SQLite. Returns how many members were made."""
    have = bench_members_count()
    if have >= wanted:
        return 0
    sql = _Sql()
    now = timezone.now()
    first, last = have, wanted - 1
    member_group = Group.objects.get(name=MEMBER_GROUP)
    # 40 / 35 / 20 / 5 % across the four tiers, as in bench_members_create.
    tier_id = (
        f"CASE WHEN g.i %% 20 < 8 THEN {tiers[0].pk} WHEN g.i %% 20 < 15 THEN {tiers[1].pk} "
        f"WHEN g.i %% 20 < 19 THEN {tiers[2].pk} ELSE {tiers[3].pk} END"
    )
    series = sql.series("g")
    username = f"'bench' || {sql.padded('g.i', 7)}"
    bench_user = f"JOIN membership_user u ON u.username = {username}"
    new_members = _bench_members(sql)
    with transaction.atomic(), connection.cursor() as cursor:
        _insert_select(
            cursor,
            User(password="!", date_joined=now),
            {"username": username, "phone": f"'+86170' || {sql.padded('g.i', 8)}"},
            series,
            [first, last],
        )
        sql.analyze(cursor, "membership_user")
        cursor.execute(
            "INSERT INTO membership_user_groups (user_id, group_id) "
            f"SELECT u.id, %s FROM {series} {bench_user}",
            [member_group.pk, first, last],
        )
        _insert_select(
            cursor,
            Member(tier_since=now, joined_at=now),
            {
                "user_id": "u.id",
                "number": f"'{PREFIX}' || {sql.padded('g.i', 9)}",
                "name": "'Bench member ' || g.i",
                "tier_id": tier_id,
                "joined_at": sql.shifted("-(30 + g.i %% 870)"),
                "tier_since": sql.shifted("-(30 + g.i %% 870)"),
            },
            f"{series} {bench_user}",
            [sql.timestamp(now), sql.timestamp(now), first, last],
        )
        sql.analyze(cursor, "membership_member")
        _bench_orders(
            cursor,
            sql,
            store=store,
            orders_per_member=orders_per_member,
            round_=1,
            now=now,
            first=first,
            last=last,
        )
        _insert_select(
            cursor,
            PointsAccount(updated_at=now, balance=0),
            {"member_id": "m.id", "balance": "1 + m.id %% 5000"},
            new_members,
            [first, last],
        )
        _insert_select(
            cursor,
            WalletAccount(updated_at=now, principal=Decimal("0")),
            {"member_id": "m.id", "principal": "1 + m.id %% 900"},
            new_members,
            [first, last],
        )
        # A staff note for one member in ten, an open pickup for one in twenty.
        _insert_select(
            cursor,
            MemberNote(text="Prefers light starch.", created_at=now),
            {"member_id": "m.id"},
            new_members + " AND m.id %% 10 = 0",
            [first, last],
        )
        start = now + timedelta(days=1)
        _insert_select(
            cursor,
            Booking(
                store=store,
                kind=Booking.Kind.PICKUP,
                slot_start=start,
                slot_end=start + timedelta(hours=2),
                address="Bench Road 1",
            ),
            {
                "member_id": "m.id",
                "slot_start": sql.shifted("m.id %% 14"),
                "slot_end": sql.shifted("m.id %% 14", "2"),
            },
            new_members + " AND m.id %% 20 = 0",
            [sql.timestamp(start), sql.timestamp(start), first, last],
        )
        sql.analyze(cursor, "loyalty_pointsaccount", "loyalty_walletaccount")
        # Balances are the sum of their entries here too: one opening entry per account.
        _insert_select(
            cursor,
            PointsEntry(
                kind=EntryKind.EARN, reason="bench", created_at=now, amount=1, balance_after=1
            ),
            {
                "account_id": "a.id",
                "amount": "a.balance",
                "balance_after": "a.balance",
                "idempotency_key": "'bench-points-' || m.number",
            },
            new_members.replace(
                " WHERE ", " JOIN loyalty_pointsaccount a ON a.member_id = m.id WHERE ", 1
            ),
            [first, last],
        )
        zero = Decimal("0")
        _insert_select(
            cursor,
            WalletEntry(
                kind=EntryKind.TOP_UP,
                reason="bench",
                created_at=now,
                amount=zero,
                principal_amount=zero,
                bonus_amount=zero,
                balance_after=zero,
            ),
            {
                "account_id": "a.id",
                "currency": "a.currency",
                "amount": "a.principal",
                "principal_amount": "a.principal",
                "balance_after": "a.principal",
                "idempotency_key": "'bench-wallet-' || m.number",
            },
            new_members.replace(
                " WHERE ", " JOIN loyalty_walletaccount a ON a.member_id = m.id WHERE ", 1
            ),
            [first, last],
        )
        sql.analyze(cursor)
    return wanted - have


# --- What a shop has besides members: tier rules and benefits, a home page, offers ------------

_BENCH_MIN_SPEND = {"bench-potential": 1000, "bench-core": 3000, "bench-seed": 10000}
_BENCH_OFFERS = [
    # slug, tier codes (none: everyone), value, Chinese and English title and summary
    (
        "bench-coats",
        [],
        30,
        ("换季大衣护理 8 折", "羊毛大衣清洗 8 折。"),
        ("Coats: 20% off", "Coats at 20% off."),
    ),
    (
        "bench-stored-value",
        ["bench-core", "bench-seed"],
        20,
        ("储值支付 9 折", "核心与种子会员储值支付 9 折。"),
        ("10% off with stored value", "Core and Seed: 10% off with stored value."),
    ),
    (
        "bench-shirt",
        ["bench-basic", "bench-potential"],
        10,
        ("衬衫体验价 19.9 元", "单件衬衫清洗 19.9 元。"),
        ("A shirt for 19.9", "One shirt cleaned for 19.9."),
    ),
]


def bench_shop_content(*, tiers: list[Tier]) -> None:
    """Tier criteria and benefits for the bench tiers, the brand name, and three live offers
    under the default language's home page (with an English translation): what a real shop's
    member pages show and pay for (tier bars, benefit lists, offer links). Made once."""
    for tier in tiers:
        spend = _BENCH_MIN_SPEND.get(tier.code)
        if spend and not tier.min_spend:
            tier.min_spend = Decimal(spend)
            tier.save(update_fields=["min_spend"])
        if not tier.benefits.exists():
            TierBenefit.objects.bulk_create(
                TierBenefit(tier=tier, title_zh=f"权益 {n}", title_en=f"Benefit {n}", sort_order=n)
                for n in range(3)
            )
    default = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    other = "en" if default != "en" else "zh-hans"
    home = HomePage.objects.filter(locale__language_code=default).first()
    if home is None:
        root = Page.get_first_root_node()
        home = HomePage(title="Bench shop", slug="bench-shop")
        root.add_child(instance=home)
        home.save_revision().publish()
    if not HomePage.objects.filter(locale__language_code=other).exists():
        home_page_translate(home=home, language=other, title="Bench shop")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    shop = ShopSettings.for_site(site)
    if shop.brand_name != "Bench shop":
        shop.brand_name = "Bench shop"
        shop.save()
    by_code = {tier.code: tier for tier in tiers}
    existing = set(OfferPage.objects.values_list("slug", flat=True))
    for slug, codes, value, chinese, english in _BENCH_OFFERS:
        if slug in existing:
            continue
        offer_page_create(
            home=home,
            slug=slug,
            texts={"zh-hans": OfferText(*chinese), "en": OfferText(*english)},
            valid_from=timezone.now() - timedelta(days=1),
            tiers=[by_code[code] for code in codes],
            value=Decimal(value),
        )
