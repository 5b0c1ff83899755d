"""The demo shop: one brand with two stores, the seed's four tiers and static tags, ~2,000
members with a year of orders (a few of them tagged), a couple of offers, and three demo
logins (member, staff, owner).

Deterministic (everything is drawn from random.Random(--seed), dates from today's date) and
idempotent (a second run finds the demo rows by their fixed codes and numbers and adds
nothing). Bulk inserts keep it well under a minute on SQLite; balances and points are
written through the loyalty services (their idempotency keys make them safe to re-run).
"""

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from loyalty.engine.tiers import month_boundaries
from loyalty.models import TopUpMethod
from loyalty.services.points import points_earn
from loyalty.services.tiers import tiers_assign_all
from loyalty.services.wallet import wallet_top_up
from membership.models import (
    Booking,
    Member,
    MemberTag,
    Order,
    OrderLine,
    ServiceCategory,
    Store,
    Tag,
    Tier,
    TierBenefit,
    User,
)
from membership.roles import MEMBER_GROUP, OWNER_GROUP, STAFF_GROUP
from membership.services.roles import roles_sync
from portal.content.models import HomePage, OfferPage, ShopSettings

CENT = Decimal("0.01")
DEMO_PASSWORD = "portal-demo"
DEMO_MEMBER_PHONE = "+8613800000000"
DEMO_MEMBER_EMAIL = "member@example.com"
STAFF_EMAIL = "staff@example.com"
OWNER_EMAIL = "owner@example.com"
# member_create numbers use the digits 2-9 only, so demo numbers ("M1" + 8 digits) never clash.
DEMO_NUMBER = "M100000000"
BRAND_ZH = "净衣坊"
BRAND_EN = "Pure Laundry"

STORES = [
    {
        "code": "nanjing-road",
        "name": "净衣坊 · 南京西路店",
        "address": "上海市静安区南京西路 1266 号",
        "phone": "021-5237 0001",
        "latitude": Decimal("31.229600"),
        "longitude": Decimal("121.455900"),
    },
    {
        "code": "xujiahui",
        "name": "净衣坊 · 徐家汇店",
        "address": "上海市徐汇区漕溪北路 88 号",
        "phone": "021-6468 0002",
        "latitude": Decimal("31.193800"),
        "longitude": Decimal("121.437200"),
    },
]

# code, Chinese, English, default price
CATEGORIES = [
    ("suit", "西装", "Suits", "68"),
    ("shirt", "衬衫", "Shirts", "18"),
    ("down-jacket", "羽绒服", "Down jackets", "88"),
    ("wool-coat", "羊毛大衣", "Wool coats", "78"),
    ("cashmere", "羊绒衫", "Cashmere", "58"),
    ("curtain", "窗帘", "Curtains", "120"),
    ("bedding", "床品", "Bedding", "80"),
    ("luxury-bag", "奢侈品包袋护理", "Luxury bag care", "399"),
    ("leather", "皮衣护理", "Leather care", "260"),
    ("childrens-shoes", "童鞋清洗", "Children's shoes", "35"),
    ("sneakers", "运动鞋清洗", "Sneakers", "45"),
    ("school-uniform", "校服", "School uniforms", "25"),
]

# The seed articles' four tiers (PRODUCT.md), rolling 12 months.
TIERS = [
    {
        "code": "seed",
        "rank": 4,
        "name_zh": "种子",
        "name_en": "Seed",
        "badge_color": "#8a5a00",
        "target_share_percent": Decimal("5"),
        "min_spend": Decimal("10000"),
        "min_orders": 30,
        "min_orders_per_recent_month": 2,
        "recent_months": 3,
        "stored_value_discount_percent": Decimal("10"),
        "points_multiplier": Decimal("3"),
        "pickup_response_hours": 1,
        "benefits": [
            ("专属客服顾问", "A personal service contact"),
            ("非营业时间预约服务", "After-hours service by appointment"),
            ("高端包装", "Premium packaging"),
            ("生日礼物", "A birthday gift"),
            ("免费衣物护理课程", "Free garment-care courses"),
        ],
    },
    {
        "code": "core",
        "rank": 3,
        "name_zh": "核心",
        "name_en": "Core",
        "badge_color": "#0f5c4d",
        "target_share_percent": Decimal("20"),
        "min_spend": Decimal("3000"),
        "stored_value_discount_percent": Decimal("10"),
        "points_multiplier": Decimal("2"),
        "pickup_response_hours": 2,
        "benefits": [
            ("优先排队", "Priority queue"),
            ("2 小时内上门取件", "Pickup within 2 hours"),
            ("储值支付 9 折、双倍积分", "10% off and double points when paying from stored value"),
            ("连续消费奖励", "Streak rewards"),
        ],
    },
    {
        "code": "potential",
        "rank": 2,
        "name_zh": "潜力",
        "name_en": "Potential",
        "badge_color": "#2f6fb0",
        "target_share_percent": Decimal("35"),
        "min_spend": Decimal("1000"),
        "benefits": [
            ("满额阶梯券", "Step coupons"),
            ("储值套餐", "Stored-value packages"),
            ("拼团优惠", "Group deals"),
        ],
    },
    {
        "code": "basic",
        "rank": 1,
        "name_zh": "基础",
        "name_en": "Basic",
        "badge_color": "#6b7280",
        "target_share_percent": Decimal("40"),
        "benefits": [
            ("老客回归券", "Win-back coupons"),
            ("低门槛充值赠送", "Low-threshold top-up bonus"),
            ("每次消费后送无门槛小额券", "A small no-threshold coupon after each visit"),
        ],
    },
]


# The seed's static tags (set by staff), and the favourite categories that earn a demo member
# one: code, Chinese, English, colour, categories.
TAGS = [
    ("business", "商务", "Business", "#1f3a5f", {"suit", "shirt"}),
    ("parent", "宝妈宝爸/家长", "Parent", "#9a3412", {"school-uniform", "childrens-shoes"}),
    ("premium", "高端", "Premium", "#6b4c00", {"luxury-bag", "cashmere"}),
]
TAGGED_PER_TAG = 5  # a handful: the first members (in plan order) with a matching favourite


@dataclass(frozen=True)
class Profile:
    """How a member of this tier orders over the year: counts and spend drawn in these ranges."""

    orders: tuple[int, int]
    spend: tuple[int, int]
    orders_in_each_recent_month: int = 0


PROFILES = {
    "seed": Profile(orders=(32, 48), spend=(10_600, 21_000), orders_in_each_recent_month=2),
    "core": Profile(orders=(8, 24), spend=(3_150, 9_400)),
    "potential": Profile(orders=(3, 12), spend=(1_060, 2_900)),
    "basic": Profile(orders=(0, 5), spend=(40, 940)),
}
SHARES = [("seed", 5), ("core", 20), ("potential", 35), ("basic", 40)]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉宇浩然欣怡子涵梓轩雨晨思佳一诺"
STREETS = [
    "南京西路",
    "淮海中路",
    "漕溪北路",
    "衡山路",
    "延安西路",
    "肇嘉浜路",
    "天钥桥路",
    "虹桥路",
]


@dataclass
class OrderPlan:
    number: str
    created_at: datetime
    store_code: str
    total: Decimal
    lines: list[tuple[str, int, Decimal]]  # category code, quantity, amount
    is_express: bool
    needs_pickup_delivery: bool
    paid_by_card: bool


@dataclass
class MemberPlan:
    index: int
    number: str
    username: str
    phone: str
    name: str
    gender: str
    birthday: datetime
    address: str
    latitude: Decimal
    longitude: Decimal
    needs_pickup_delivery: bool
    express_preference: str
    discount_sensitivity: str
    payment_preference: str
    consent_marketing_sms: bool
    favourites: list[str]
    joined_at: datetime
    tier_code: str
    orders: list[OrderPlan] = field(default_factory=list)
    top_up: Decimal | None = None


def _split(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """`total` split into `parts` positive amounts (cents) that add up exactly."""
    weights = [rng.uniform(0.4, 1.6) for _ in range(parts)]
    scale = sum(weights)
    amounts = [
        max(CENT, (total * Decimal(w / scale)).quantize(CENT, ROUND_HALF_UP)) for w in weights
    ]
    amounts[-1] += total - sum(amounts)
    if amounts[-1] <= 0:  # rounding pushed the last one negative: fold it into the largest
        biggest = max(range(parts - 1), key=lambda i: amounts[i])
        amounts[biggest] += amounts[-1] - CENT
        amounts[-1] = CENT
    return amounts


def _quotas(members: int) -> list[str]:
    """Exactly the target shares (largest remainder), one tier code per member."""
    raw = [(code, members * share / 100) for code, share in SHARES]
    counts = {code: int(value) for code, value in raw}
    rest = members - sum(counts.values())
    for code, _value in sorted(raw, key=lambda item: item[1] - int(item[1]), reverse=True)[:rest]:
        counts[code] += 1
    return [code for code, _ in SHARES for _ in range(counts[code])]


def _order_times(rng: random.Random, bounds: list[datetime], months: list[int]) -> list[datetime]:
    """One time per rolling month index, at shop hours, at least a day inside the month.

    The margin keeps every order in its month when the tiers are evaluated later the same day.
    """
    times = []
    for month in months:
        start, end = bounds[month + 1], bounds[month]
        days = (end - start).days
        day = rng.randint(1, max(1, days - 2))
        minutes = rng.randint(9 * 60, 20 * 60)
        times.append(start + timedelta(days=day, minutes=minutes))
    return sorted(times)


def plan_member(
    rng: random.Random,
    *,
    index: int,
    tier_code: str,
    bounds: list[datetime],
    anchor: datetime,
    categories: list[tuple[str, Decimal]],
) -> MemberPlan:
    profile = PROFILES[tier_code]
    gender = rng.choice(["female", "male", "female", "male", ""])
    favourites = rng.sample([code for code, _ in categories], k=rng.randint(1, 3))
    store_lat, store_lng = rng.choice([(s["latitude"], s["longitude"], s["code"]) for s in STORES])[
        :2
    ]
    plan = MemberPlan(
        index=index,
        number=f"M1{index:08d}",
        username=f"demo{index:06d}",
        phone=f"+86139{index:08d}",
        name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, k=rng.choice([1, 2]))),
        gender=gender,
        birthday=datetime(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)),
        address=f"上海市{rng.choice(STREETS)}{rng.randint(1, 1999)}号{rng.randint(1, 30)}0{rng.randint(1, 8)}室",
        latitude=(store_lat + Decimal(rng.uniform(-0.02, 0.02))).quantize(Decimal("0.000001")),
        longitude=(store_lng + Decimal(rng.uniform(-0.02, 0.02))).quantize(Decimal("0.000001")),
        needs_pickup_delivery=rng.random() < 0.3,
        express_preference=rng.choice(["never", "sometimes", "sometimes", "often"]),
        discount_sensitivity=rng.choice(["low", "medium", "medium", "high"]),
        payment_preference=rng.choice(["", "stored_value", "per_order"]),
        consent_marketing_sms=rng.random() < 0.6,
        favourites=favourites,
        joined_at=anchor,
        tier_code=tier_code,
    )
    count = rng.randint(*profile.orders)
    if count == 0:
        plan.joined_at = anchor - timedelta(days=rng.randint(2, 80), minutes=rng.randint(0, 600))
        return plan
    months = [m for m in range(3) for _ in range(profile.orders_in_each_recent_month)]
    # Seed members come at least twice in each of the last three months; the other orders
    # (and everyone else's) fall in any month of the year.
    months += [rng.randint(0, 11) for _ in range(count - len(months))]
    times = _order_times(rng, bounds, months)
    spend = Decimal(rng.randint(profile.spend[0] * 100, profile.spend[1] * 100)) / 100
    amounts = _split(rng, spend, count)
    prices = dict(categories)
    for n, (when, amount) in enumerate(zip(times, amounts, strict=True)):
        codes = [rng.choice(favourites) if rng.random() < 0.7 else rng.choice(list(prices))]
        if amount > 60 and rng.random() < 0.3:
            codes.append(rng.choice(list(prices)))
        parts = _split(rng, amount, len(codes)) if len(codes) > 1 else [amount]
        lines = [
            (code, max(1, int((part / prices[code]).to_integral_value(ROUND_HALF_UP))), part)
            for code, part in zip(codes, parts, strict=True)
        ]
        plan.orders.append(
            OrderPlan(
                number=f"DEMO-{index:06d}-{n:03d}",
                created_at=when,
                store_code=rng.choice(STORES)["code"],
                total=amount,
                lines=lines,
                is_express=rng.random() < 0.15,
                needs_pickup_delivery=plan.needs_pickup_delivery and rng.random() < 0.7,
                paid_by_card=rng.random() < 0.6,
            )
        )
    first = plan.orders[0].created_at
    plan.joined_at = first - timedelta(days=rng.randint(0, 60), minutes=rng.randint(1, 600))
    return plan


def plan_demo(*, members: int, seed: int, anchor: datetime) -> list[MemberPlan]:
    """The demo members and their orders; index 0 is the demo login (a Core member)."""
    rng = random.Random(seed)
    bounds = month_boundaries(anchor, 12)
    categories = [(code, Decimal(price)) for code, _, _, price in CATEGORIES]
    tier_codes = _quotas(members)
    rng.shuffle(tier_codes)
    plans = [
        plan_member(
            rng, index=i + 1, tier_code=code, bounds=bounds, anchor=anchor, categories=categories
        )
        for i, code in enumerate(tier_codes)
    ]
    demo = plan_member(
        random.Random(seed + 1),
        index=0,
        tier_code="core",
        bounds=bounds,
        anchor=anchor,
        categories=categories,
    )
    demo.number, demo.username, demo.phone, demo.name = (
        DEMO_NUMBER,
        "member",
        DEMO_MEMBER_PHONE,
        "林晓雨",
    )
    demo.top_up = Decimal("500")
    for plan in plans[::10]:
        plan.top_up = Decimal(rng.choice(["100", "200", "300", "500", "1000"]))
    return [demo, *plans]


class Command(BaseCommand):
    help = (
        "Create the demo shop (stores, service categories, the four tiers, members with a year "
        "of orders, offers) and the demo logins. Safe to run again: adds nothing the second time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=2000, help="members to create")
        parser.add_argument("--seed", type=int, default=2024, help="random seed")

    def handle(self, *args, members: int, seed: int, **options):
        if members < 0:
            raise CommandError("--members must not be negative")
        started = time.monotonic()
        now = timezone.now()
        anchor = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        plans = plan_demo(members=members, seed=seed, anchor=anchor)
        with transaction.atomic():
            roles_sync()
            stores = self._stores()
            categories = self._categories()
            tiers = self._tiers()
            created = self._members(plans, stores=stores, categories=categories)
            self._tags(plans)
            logins = self._logins(stores=stores)
            assignment = tiers_assign_all(as_of=now)
            balances = self._balances([p for p in plans if p.number in created])
            self._demo_booking(stores=stores, now=now)
            self._site(tiers=tiers)
        elapsed = time.monotonic() - started
        self._report(
            created=created,
            logins=logins,
            assignment=assignment,
            balances=balances,
            elapsed=elapsed,
        )

    # --- reference data ----------------------------------------------------------------------

    def _stores(self) -> dict[str, Store]:
        stores = {}
        for data in STORES:
            defaults = {k: v for k, v in data.items() if k != "code"}
            stores[data["code"]], _ = Store.objects.get_or_create(
                code=data["code"], defaults=defaults
            )
        return stores

    def _categories(self) -> dict[str, ServiceCategory]:
        categories = {}
        for order, (code, name_zh, name_en, price) in enumerate(CATEGORIES):
            categories[code], _ = ServiceCategory.objects.get_or_create(
                code=code,
                defaults={
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "default_price": Decimal(price),
                    "sort_order": order,
                },
            )
        return categories

    def _tiers(self) -> dict[str, Tier]:
        tiers = {}
        for data in TIERS:
            data = dict(data)
            benefits = data.pop("benefits")
            tier, created = Tier.objects.get_or_create(code=data.pop("code"), defaults=data)
            if created:
                TierBenefit.objects.bulk_create(
                    TierBenefit(tier=tier, title_zh=zh, title_en=en, sort_order=n)
                    for n, (zh, en) in enumerate(benefits)
                )
            tiers[tier.code] = tier
        return tiers

    def _tags(self, plans: list[MemberPlan]) -> None:
        """The static tags, and a few members tagged by their favourites (the demo login is
        "business"). Rows that exist are left alone, so a second run adds nothing."""
        wanted: list[tuple[str, str]] = [(DEMO_NUMBER, "business")]
        tags = {}
        for code, name_zh, name_en, colour, favourites in TAGS:
            tags[code], _ = Tag.objects.get_or_create(
                code=code,
                defaults={
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "colour": colour,
                    "kind": Tag.Kind.STATIC,
                },
            )
            matching = [p.number for p in plans[1:] if favourites & set(p.favourites)]
            wanted += [(number, code) for number in matching[:TAGGED_PER_TAG]]
        member_ids = dict(
            Member.objects.filter(number__in={n for n, _ in wanted}).values_list("number", "pk")
        )
        MemberTag.objects.bulk_create(
            [
                MemberTag(member_id=member_ids[number], tag=tags[code])
                for number, code in wanted
                if number in member_ids
            ],
            ignore_conflicts=True,
        )

    # --- members and orders ------------------------------------------------------------------

    def _members(self, plans, *, stores, categories) -> set[str]:
        existing = set(
            Member.objects.filter(number__in=[p.number for p in plans]).values_list(
                "number", flat=True
            )
        )
        new = [p for p in plans if p.number not in existing]
        if not new:
            return set()
        default_tier = Tier.objects.order_by("rank").first()
        users = User.objects.bulk_create(
            [
                User(
                    username=p.username,
                    phone=p.phone,
                    phone_verified=True,
                    email=DEMO_MEMBER_EMAIL if p.number == DEMO_NUMBER else "",
                    password="!",  # unusable: demo members log in by SMS code
                    date_joined=p.joined_at,
                )
                for p in new
            ],
            batch_size=500,
        )
        member_group = Group.objects.get(name=MEMBER_GROUP)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=member_group.pk) for u in users],
            batch_size=500,
        )
        members = Member.objects.bulk_create(
            [
                Member(
                    user=user,
                    number=p.number,
                    name=p.name,
                    gender=p.gender,
                    birthday=p.birthday.date(),
                    address=p.address,
                    latitude=p.latitude,
                    longitude=p.longitude,
                    needs_pickup_delivery=p.needs_pickup_delivery,
                    express_preference=p.express_preference,
                    discount_sensitivity=p.discount_sensitivity,
                    payment_preference=p.payment_preference,
                    consent_marketing_sms=p.consent_marketing_sms,
                    consent_terms_at=p.joined_at,
                    tier=default_tier,
                    tier_since=p.joined_at,
                    joined_at=p.joined_at,
                    first_visit_at=p.orders[0].created_at if p.orders else None,
                )
                for p, user in zip(new, users, strict=True)
            ],
            batch_size=500,
        )
        Favourite = Member.favourite_categories.through
        Favourite.objects.bulk_create(
            [
                Favourite(member_id=m.pk, servicecategory_id=categories[code].pk)
                for p, m in zip(new, members, strict=True)
                for code in p.favourites
            ],
            batch_size=500,
        )
        orders = []
        for p, m in zip(new, members, strict=True):
            for o in p.orders:
                orders.append(
                    Order(
                        member_id=m.pk,
                        store=stores[o.store_code],
                        number=o.number,
                        subtotal=o.total,
                        total=o.total,
                        is_express=o.is_express,
                        needs_pickup_delivery=o.needs_pickup_delivery,
                        # The demo's history was paid at the counter; stored value is only
                        # ever moved by the ledger services.
                        card_amount=o.total if o.paid_by_card else Decimal("0"),
                        cash_amount=Decimal("0") if o.paid_by_card else o.total,
                        created_at=o.created_at,
                    )
                )
        Order.objects.bulk_create(orders, batch_size=500)
        by_number = {o.number: o for o in orders}
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order_id=by_number[o.number].pk,
                    category=categories[code],
                    quantity=quantity,
                    amount=amount,
                )
                for p in new
                for o in p.orders
                for code, quantity, amount in o.lines
            ],
            batch_size=500,
        )
        self._orders_created = len(orders)
        return {p.number for p in new}

    def _balances(self, plans: list[MemberPlan]) -> int:
        """Top-ups and points for some new members, through the ledger services."""
        plans = [p for p in plans if p.top_up]
        members = Member.objects.select_related("tier").in_bulk(
            [p.number for p in plans], field_name="number"
        )
        for p in plans:
            member = members[p.number]
            wallet_top_up(
                member=member,
                amount=p.top_up,
                method=TopUpMethod.CASH,
                idempotency_key=f"demo-seed:top-up:{p.number}",
            )
            spend = sum((o.total for o in p.orders), Decimal("0"))
            if spend:
                points_earn(
                    member=member,
                    base_amount=spend,
                    idempotency_key=f"demo-seed:points:{p.number}",
                )
        return len(plans)

    def _logins(self, *, stores) -> list[tuple[str, str, str, str]]:
        staff = self._login_user("staff", STAFF_EMAIL, "陈店员", store=stores["nanjing-road"])
        staff.groups.add(Group.objects.get(name=STAFF_GROUP))
        owner = self._login_user("owner", OWNER_EMAIL, "周老板")
        owner.groups.add(Group.objects.get(name=OWNER_GROUP))
        member_user = User.objects.get(username="member")
        if not member_user.has_usable_password():
            member_user.set_password(DEMO_PASSWORD)
            member_user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=member_user,
            email=DEMO_MEMBER_EMAIL,
            defaults={"verified": True, "primary": True},
        )
        return [
            ("member", f"{DEMO_MEMBER_PHONE} / {DEMO_MEMBER_EMAIL}", DEMO_PASSWORD, "/me/"),
            ("staff", STAFF_EMAIL, DEMO_PASSWORD, "/counter/"),
            ("owner", OWNER_EMAIL, DEMO_PASSWORD, "/cms/"),
        ]

    def _login_user(self, username: str, email: str, name: str, store=None) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": email, "first_name": name, "store": store},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _demo_booking(self, *, stores, now: datetime) -> None:
        member = Member.objects.get(number=DEMO_NUMBER)
        if Booking.objects.filter(member=member, status__in=Booking.OPEN_STATUSES).exists():
            return
        start = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)
        start += timedelta(days=1)
        Booking.objects.create(
            member=member,
            store=stores["nanjing-road"],
            kind=Booking.Kind.PICKUP,
            status=Booking.Status.CONFIRMED,
            slot_start=start,
            slot_end=start + timedelta(hours=2),
            address=member.address,
        )

    # --- Wagtail site -------------------------------------------------------------------------

    def _site(self, *, tiers: dict[str, Tier]) -> None:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node() or self._wagtail_root()
            home = HomePage(
                title=f"{BRAND_ZH} {BRAND_EN}",
                slug="shop",
                intro=(
                    "<p>专业洗衣、皮具护理与上门取送。会员享积分、储值优惠与专属服务。</p>"
                    "<p>Professional garment care with pickup and delivery. Members earn "
                    "points and enjoy stored-value discounts.</p>"
                ),
            )
            root.add_child(instance=home)
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site.objects.create(
                hostname="localhost", port=80, root_page=home, is_default_site=True
            )
        elif site.root_page_id != home.pk:
            old = site.root_page
            site.root_page = home
            site.site_name = BRAND_EN
            site.save()
            # Wagtail's placeholder "Welcome" page is not needed once the shop's home is set.
            if old.specific_class is Page and old.get_children_count() == 0:
                old.delete()
        shop = ShopSettings.for_site(site)
        if shop.brand_name != f"{BRAND_ZH} {BRAND_EN}":
            shop.brand_name = f"{BRAND_ZH} {BRAND_EN}"
            shop.support_phone = STORES[0]["phone"]
            shop.save()
        offers = [
            (
                "autumn-coats",
                "换季大衣护理 8 折 · Coat season: 20% off",
                "羊毛大衣、羽绒服清洗 8 折。Wool coats and down jackets cleaned at 20% off.",
                [],
            ),
            (
                "core-stored-value",
                "储值支付 9 折 · 10% off with stored value",
                "核心会员用储值支付享 9 折并双倍积分。Core members: 10% off and double points.",
                ["core", "seed"],
            ),
            (
                "we-miss-you",
                "想念您：衬衫 19.9 元 · We miss you: a shirt for 19.9",
                "三个月未到店？单件衬衫清洗 19.9 元。Not seen you for a while? One shirt for 19.9.",
                ["basic"],
            ),
        ]
        existing = set(home.get_children().values_list("slug", flat=True))
        for slug, title, summary, tier_codes in offers:
            if slug in existing:
                continue
            offer = OfferPage(
                title=title,
                slug=slug,
                summary=summary,
                body=f"<p>{summary}</p>",
                valid_from=timezone.now() - timedelta(days=1),
            )
            home.add_child(instance=offer)
            if tier_codes:
                offer.tiers.set([tiers[code] for code in tier_codes])
                offer.save()

    def _wagtail_root(self) -> Page:
        """Wagtail's tree root, for a database whose initial data was flushed (e.g. by tests)."""
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        return Page.add_root(instance=Page(title="Root", slug="root"))

    # --- output -------------------------------------------------------------------------------

    def _report(self, *, created, logins, assignment, balances, elapsed) -> None:
        out = self.stdout
        if created:
            out.write(
                f"Created {len(created)} members with {getattr(self, '_orders_created', 0)} "
                f"orders; {balances} got a top-up and points through the ledger services."
            )
        else:
            out.write("The demo shop already exists: nothing added.")
        total = sum(assignment.members_per_tier.values()) or 1
        shares = ", ".join(
            f"{code} {count} ({100 * count / total:.1f}%)"
            for code, count in assignment.members_per_tier.items()
        )
        out.write(f"Tiers: {shares}")
        out.write(f"Demo seed took {elapsed:.1f} s.")
        out.write("")
        out.write(self.style.SUCCESS("Demo logins (password login, or 'send me a code'):"))
        for role, login, password, where in logins:
            out.write(f"  {role:<7} {login:<40} password: {password:<12} then {where}")
        out.write("  (codes sent by SMS are printed by the server and the task worker)")
