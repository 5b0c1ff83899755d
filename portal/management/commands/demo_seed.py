"""The demo shop: one brand with two stores, the seed's four tiers, packages and static
tags, ~2,000 members with a year of orders and more (a few of them tagged), their tier
history, a few offers, and three demo logins (member, staff, owner).

The orders go back 15 calendar months, and the monthly tier review ran at the start of each
month from the oldest order's month to this one, as the schedule would have run it: every
member's tier comes from those reviews, with their history (promotions, demotions, a Core
member kept by Core's hold, a Seed member warned first) and the review runs for the owner.
Members' histories are drawn to tell something (STORIES): most earn their tier steadily, some
fell a tier when a big month left the window, a few are just short of the next tier or of
keeping their own. The demo login is held in Core, ¥100-400 short of keeping it.

The demo login and every member with stored value (about one in ten) have their history
written through the real services, event by event at its own date (top-up, then each order
through the checkout: payment, points) between the reviews, so every screen agrees. The other
members' orders are bulk-inserted, paid in cash or by card without points: tiers and reports
need their volume, and the services take ~25 queries an order, minutes for all of them.

Deterministic (everything is drawn from random.Random(--seed), dates from today's date; only
the order numbers the checkout draws differ) and idempotent (a second run finds the demo rows
by their fixed codes and numbers and adds nothing; the reviews of months that have passed
since are run, as the schedule would).
"""

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.coreutils import get_content_languages, get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from loyalty.engine.tiers import month_boundaries
from loyalty.flows.garment_orders import garment_order_take_in, order_stage_advance
from loyalty.models import Package, PackageItem, TierReviewRun, TopUpMethod
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.tier_review import tier_review_run
from loyalty.services.wallet import wallet_top_up
from membership.booking_rules import haversine_km
from membership.models import (
    AppointmentStaff,
    Booking,
    Member,
    MemberTag,
    Order,
    OrderLine,
    ServiceCategory,
    SlotTemplate,
    Store,
    Tag,
    Tier,
    TierBenefit,
    User,
)
from membership.roles import MEMBER_GROUP, OWNER_GROUP, STAFF_GROUP
from membership.services.bookings import booking_create, shop_tz
from membership.services.orders import GarmentIntake, OrderLineInput
from membership.services.referrals import referral_codes_fill
from membership.services.roles import roles_sync
from portal.content.models import HomePage, ShopSettings
from portal.content.services import OfferText, home_page_translate, offer_page_create
from portal.management.playbook_demo import playbook_demo

# Shops price in whole yuan; so does the demo (and a 10% tier discount of a whole-yuan
# amount then adds up exactly, also in SQLite's floating-point CHECK constraints).
YUAN = Decimal("1")
DEMO_PASSWORD = "portal-demo"
DEMO_MEMBER_PHONE = "+8613800000000"
DEMO_MEMBER_EMAIL = "member@example.com"
STAFF_EMAIL = "staff@example.com"
OWNER_EMAIL = "owner@example.com"
# member_create numbers use the digits 2-9 only, so demo numbers ("M1" + 8 digits) never clash.
DEMO_NUMBER = "M100000000"
BRAND_ZH = "净衣坊"
BRAND_EN = "Pure Laundry"
CLERKS = ["陈店员", "李店员"]  # one per store, in STORES order

STORES = [
    {
        "code": "nanjing-road",
        "name": "净衣坊 · 南京西路店",
        "address": "上海市静安区南京西路 1266 号",
        "phone": "021-5237 0001",
        "latitude": Decimal("31.229600"),
        "longitude": Decimal("121.455900"),
        "express_offered": True,
        "express_surcharge": Decimal("20"),
    },
    {
        "code": "xujiahui",
        "name": "净衣坊 · 徐家汇店",
        "address": "上海市徐汇区漕溪北路 88 号",
        "phone": "021-6468 0002",
        "latitude": Decimal("31.193800"),
        "longitude": Decimal("121.437200"),
        "express_offered": True,
        "express_surcharge": Decimal("20"),
    },
]

# Each store's weekly pickup and delivery slots: (weekdays, start times); 2 hours each,
# 4 pickups and 3 deliveries, a quarter held back for priority tiers until the day before.
SLOT_WEEK = [
    (range(0, 6), ["09:00", "11:00", "14:00", "16:00", "18:30"]),
    (range(6, 7), ["10:00", "14:00"]),
]

# In-store appointments at the second store: care specialists (username, name members see,
# title zh/en) and the services booked with them, 2 places each per weekly slot.
APPOINTMENT_STORE = "xujiahui"
APPOINTMENT_STAFF = [
    ("care-wang", "王师傅", "资深护理师", "Senior care specialist"),
    ("care-liu", "刘老师", "护理师", "Care specialist"),
]
APPOINTMENT_SERVICES = ["luxury-bag", "leather", "wool-coat"]
APPOINTMENT_PLACES = 2

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
        "repurchase_target_percent": Decimal("90"),
        "min_spend": Decimal("10000"),
        "min_orders": 30,
        "min_orders_per_recent_month": 2,
        "recent_months": 3,
        "grace_review": True,  # the first failed review warns, the next one demotes
        "stored_value_discount_percent": Decimal("10"),
        "points_multiplier": Decimal("3"),
        "pickup_response_hours": 1,
        "priority_booking": True,  # may take the places each slot holds back
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
        "repurchase_target_percent": Decimal("70"),
        "min_spend": Decimal("3000"),
        "hold_months": 3,  # kept at least 3 months from entry
        "stored_value_discount_percent": Decimal("10"),
        "points_multiplier": Decimal("2"),
        "pickup_response_hours": 2,
        "priority_booking": True,
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
        "repurchase_target_percent": Decimal("50"),
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


# Prepaid packages members can buy (the seed's "suit care month card"): code, Chinese,
# English, price, days valid, services included.
PACKAGES = [
    ("suit-month", "西装护理月卡", "Suit care month card", "399", 30, [("suit", 4), ("shirt", 2)]),
    (
        "kids-shoes-5",
        "童鞋清洗 5 次卡",
        "Children's shoes × 5",
        "150",
        180,
        [("childrens-shoes", 5)],
    ),
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
    """How a steady member of this tier orders over the year: counts and spend drawn in
    these ranges."""

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
MIN_SPEND = {tier["code"]: int(tier.get("min_spend", 0)) for tier in TIERS}
WINDOW = 12  # the tiers' rolling window, in months
# Orders go back this many calendar months before this month: a year, and the few months
# before it that the latest reviews no longer count (what members fall from).
HISTORY_MONTHS = 15

# What a member's history tells, by the tier they end in after the latest review, dealt in
# turn to each tier's members (in plan order):
# - steady: orders spread over the year earn the tier; members climb into it as the monthly
#   reviews see more of their year (promotions);
# - fell: a big month 13 to 15 months ago lifted them one tier higher; the review after it
#   left the window demoted them one step (a Seed member instead stopped coming twice a
#   month: warned by one review, demoted by the next);
# - warned: a Seed member ¥100-400 short of Seed's spend since last year's orders left the
#   window: the latest review warned them (the next one demotes them unless they spend it);
# - held: promoted to Core a month ago; without last year's big month they are ¥100-400 short
#   of Core now, and Core keeps its members 3 months from entry;
# - near: ¥100-400 short of the next tier's spend; near_orders: 1-2 orders short of Seed's 30.
STORIES = {
    "seed": ["warned", *["steady"] * 4],
    "core": ["fell", "held", "near", "steady", "steady", "near_orders", *["steady"] * 4],
    "potential": ["fell", "near", *["steady"] * 8],
    "basic": ["fell", "near", *["steady"] * 8],
}

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
    tier_code: str  # the tier the latest review leaves them in
    story: str = "steady"  # see STORIES
    orders: list[OrderPlan] = field(default_factory=list)
    top_up: Decimal | None = None

    @property
    def full_history(self) -> bool:
        """Members with stored value (and the demo login) get their whole history written
        through the services; see Command._history."""
        return self.top_up is not None


def _split(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """`total` (whole yuan, at least `parts`) split into `parts` positive whole-yuan amounts
    that add up exactly."""
    weights = [rng.uniform(0.4, 1.6) for _ in range(parts)]
    scale = sum(weights)
    amounts = [
        max(YUAN, (total * Decimal(w / scale)).quantize(YUAN, ROUND_HALF_UP)) for w in weights
    ]
    amounts[-1] += total - sum(amounts)
    if amounts[-1] <= 0:  # rounding pushed the last one negative: fold it into the largest
        biggest = max(range(parts - 1), key=lambda i: amounts[i])
        amounts[biggest] += amounts[-1] - YUAN
        amounts[-1] = YUAN
    return amounts


def _quotas(members: int) -> list[str]:
    """Exactly the target shares (largest remainder), one tier code per member."""
    raw = [(code, members * share / 100) for code, share in SHARES]
    counts = {code: int(value) for code, value in raw}
    rest = members - sum(counts.values())
    for code, _value in sorted(raw, key=lambda item: item[1] - int(item[1]), reverse=True)[:rest]:
        counts[code] += 1
    return [code for code, _ in SHARES for _ in range(counts[code])]


def _yuan(rng: random.Random, low: int, high: int) -> Decimal:
    """A whole-yuan amount between `low` and `high`."""
    return Decimal(rng.randint(low, high))


def _months(rng: random.Random, count: int, first: int, last: int) -> list[int]:
    return [rng.randint(first, last) for _ in range(count)]


Segment = tuple[list[int], Decimal]  # one order in each of these months, sharing this spend


def _segments(rng: random.Random, tier_code: str, story: str) -> list[Segment]:
    """A member's history as (months, spend) pieces. Month i is the i-th calendar month
    before this one (0: last month), as the review starting this month counts them; -1 is
    this month so far. The near, held and warned members have no order in months -1 and 11,
    so what they miss is the same at the latest review and at the next one."""
    if story == "steady":
        profile = PROFILES[tier_code]
        count = rng.randint(*profile.orders)
        if not count:
            return []
        # Seed members come at least twice in each of the last three months; the other
        # orders (and everyone else's) fall in any month of the year.
        months = [m for m in range(3) for _ in range(profile.orders_in_each_recent_month)]
        months += _months(rng, count - len(months), 0, WINDOW - 1)
        return [(months, _yuan(rng, *profile.spend))]
    if tier_code == "core" and story in ("near", "near_orders"):
        recent = [0, 0, 1, 1, 2, 2]  # Seed's two orders in each of the last three months
        if story == "near_orders":  # spend enough, one or two orders short of 30
            count, spend = rng.randint(28, 29), _yuan(rng, 10_100, 12_500)
        else:  # 30 orders or more, ¥100-400 short
            goal = MIN_SPEND["seed"]
            count, spend = rng.randint(30, 36), _yuan(rng, goal - 400, goal - 100)
        return [(recent + _months(rng, count - len(recent), 0, 10), spend)]
    if story == "near":
        goal = MIN_SPEND["potential" if tier_code == "basic" else "core"]
        count = rng.randint(2, 5) if tier_code == "basic" else rng.randint(4, 12)
        return [(_months(rng, count, 0, 10), _yuan(rng, goal - 400, goal - 100))]
    if story == "warned":
        # Three orders a month; orders 13 months ago kept them over Seed's spend at the
        # review a month ago, the latest one finds them ¥100-400 short.
        goal = MIN_SPEND["seed"]
        have = _yuan(rng, goal - 400, goal - 100)
        last_month = _yuan(rng, 200, 600)
        months = [m for m in range(1, 11) for _ in range(3)]
        return [
            (months + _months(rng, rng.randint(0, 3), 1, 10), have - last_month),
            ([0, 0], last_month),
            ([WINDOW] * rng.randint(1, 2), goal - have + last_month + _yuan(rng, 100, 300)),
        ]
    if story == "held":
        goal = MIN_SPEND["core"]
        have = _yuan(rng, goal - 400, goal - 100)  # in the year the latest review counted
        over = _yuan(rng, 100, 300)  # over the goal at the review before, with last year's
        last_month = over + _yuan(rng, 100, 400)  # the order that lifted them
        return [
            ([WINDOW] * rng.randint(1, 2), goal - have + over),  # in the window a month ago
            (_months(rng, rng.randint(6, 9), 2, 10), have - last_month),
            ([1], last_month),
        ]
    if story == "fell" and tier_code == "core":  # Seed until last month: visits dropped
        months = [m for m in range(2, 14) for _ in range(rng.choice([2, 3, 3]))]
        months += _months(rng, max(0, 30 - len(months)), 2, 13)
        return [(months, _yuan(rng, 10_600, 16_000)), ([1], _yuan(rng, 60, 400))]
    if story == "fell":
        # The big month leaves the window at the review 0, 1 or 2 months ago; the rest (in
        # months 2-10, counted by all three) keeps the tier below.
        big_month = WINDOW + rng.randint(0, 2)
        if tier_code == "potential":  # was Core
            big = ([big_month] * rng.randint(3, 6), _yuan(rng, 3_050, 4_500))
            rest = (_months(rng, rng.randint(3, 9), 2, 10), _yuan(rng, 1_100, 2_700))
        else:  # was Potential
            big = ([big_month] * rng.randint(1, 3), _yuan(rng, 1_050, 1_600))
            rest = (_months(rng, rng.randint(1, 4), 2, 10), _yuan(rng, 80, 900))
        return [big, rest]
    raise ValueError(f"no story {story!r} for {tier_code}")


def _order_times(
    rng: random.Random, bounds: list[datetime], today: datetime, months: list[int]
) -> list[datetime]:
    """One time per month index (see `_segments`), at shop hours, at least a day inside the
    month: every order is well inside the calendar month the reviews count it in."""
    times = []
    for month in months:
        start, end = (bounds[0], today) if month < 0 else (bounds[month + 1], bounds[month])
        days = (end - start).days
        day = rng.randint(1, max(1, days - 2))
        minutes = rng.randint(9 * 60, 20 * 60)
        times.append(start + timedelta(days=day, minutes=minutes))
    return times


def plan_member(
    rng: random.Random,
    *,
    index: int,
    tier_code: str,
    story: str,
    bounds: list[datetime],
    anchor: datetime,
    categories: list[tuple[str, Decimal]],
) -> MemberPlan:
    """`bounds`: the month starts back from this month's (`month_boundaries`); `anchor`: today
    at midnight."""
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
        story=story,
    )
    segments = _segments(rng, tier_code, story)
    if not segments:
        plan.joined_at = anchor - timedelta(days=rng.randint(2, 80), minutes=rng.randint(0, 600))
        return plan
    if story == "steady" and (anchor - bounds[0]).days >= 2:
        # Regulars have been in this month already: orders the next review will count.
        months, spend = segments[0]
        if rng.random() < min(0.9, len(months) / WINDOW):
            visits = 2 if tier_code == "seed" else 1
            average = spend / len(months) * Decimal(rng.uniform(0.6, 1.4))
            segments.append(([-1] * visits, max(visits * YUAN, (average * visits).quantize(YUAN))))
    drawn = []
    for months, spend in segments:
        times = _order_times(rng, bounds, anchor, months)
        drawn += zip(times, _split(rng, spend, len(months)), strict=True)
    drawn.sort()
    prices = dict(categories)
    for n, (when, amount) in enumerate(drawn):
        codes = [rng.choice(favourites) if rng.random() < 0.7 else rng.choice(list(prices))]
        if amount > 60 and rng.random() < 0.3:
            extra = rng.choice(list(prices))
            if extra != codes[0]:  # one line per service: never "sneakers × 2, sneakers × 2"
                codes.append(extra)
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
    """The demo members and their orders; index 0 is the demo login: a Core member kept by
    Core's hold, ¥100-400 short of keeping Core after it. `anchor`: today at midnight."""
    rng = random.Random(seed)
    bounds = month_boundaries(anchor.replace(day=1), HISTORY_MONTHS)
    categories = [(code, Decimal(price)) for code, _, _, price in CATEGORIES]
    tier_codes = _quotas(members)
    rng.shuffle(tier_codes)
    dealt: Counter = Counter()
    plans = []
    for i, code in enumerate(tier_codes):
        story = STORIES[code][dealt[code] % len(STORIES[code])]
        dealt[code] += 1
        plans.append(
            plan_member(
                rng,
                index=i + 1,
                tier_code=code,
                story=story,
                bounds=bounds,
                anchor=anchor,
                categories=categories,
            )
        )
    demo = plan_member(
        random.Random(seed + 1),
        index=0,
        tier_code="core",
        story="held",
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
    demo.top_up = Decimal("1000")
    # Stored value for about one member in ten, steady ones: paying from it in Core or Seed
    # takes the tier's discount off what they spend, which the others' stories (exact
    # amounts short of a tier) leave out.
    for plan in [p for p in plans if p.story == "steady"][::7]:
        plan.top_up = Decimal(rng.choice(["100", "200", "300", "500", "1000"]))
    return [demo, *plans]


def review_dates(plans: list[MemberPlan], anchor: datetime) -> list[datetime]:
    """The start of every month, oldest first, from the month of the oldest planned order to
    this month: when the monthly review ran over the demo's history."""
    bounds = month_boundaries(anchor.replace(day=1), HISTORY_MONTHS + 1)
    oldest = min((o.created_at for p in plans for o in p.orders), default=bounds[0])
    first = next(k for k, start in enumerate(bounds) if start <= oldest)
    return bounds[first::-1]


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
        reviews = review_dates(plans, anchor)
        with transaction.atomic():
            roles_sync()
            stores = self._stores()
            self._slot_templates(stores)
            categories = self._categories()
            tiers = self._tiers()
            self._packages(categories)
            clerks = self._clerks(stores)
            created = self._members(plans, stores=stores, categories=categories)
            history = self._history(
                [p for p in plans if p.number in created and p.full_history],
                # An existing demo only catches up with the months since its last review.
                reviews=reviews if created else self._reviews_missed(reviews),
                stores=stores,
                categories=categories,
                clerks=clerks,
            )
            self._tags(plans)
            self._appointments(stores=stores, categories=categories)
            logins = self._logins()
            self._demo_booking(stores=stores, now=now)
            self._demo_garment_orders(stores=stores, categories=categories, clerks=clerks, now=now)
            _rules, playbook_logins = playbook_demo(
                now=now,
                last_review=max(reviews) if reviews else None,
                password=DEMO_PASSWORD,
                store=stores[STORES[0]["code"]],
                clerk=clerks[STORES[0]["code"]],
            )
            referral_codes_fill()
            self._site(tiers=tiers)
        elapsed = time.monotonic() - started
        self._report(
            created=created, logins=logins, history=history, reviews=reviews, elapsed=elapsed
        )
        self.stdout.write("Playbook members (each has a reward from their rule; same password):")
        for login in playbook_logins:
            self.stdout.write(f"  {login.rule:<12} {str(login.phone):<16} {login.name}")

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

    def _packages(self, categories: dict[str, ServiceCategory]) -> None:
        for order, (code, name_zh, name_en, price, days, items) in enumerate(PACKAGES):
            package, created = Package.objects.get_or_create(
                code=code,
                defaults={
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "price": Decimal(price),
                    "validity_days": days,
                    "sort_order": order,
                },
            )
            if created:
                PackageItem.objects.bulk_create(
                    PackageItem(package=package, category=categories[c], quantity=n)
                    for c, n in items
                )

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
        # Members without stored value: their orders are inserted in bulk (tiers and reports
        # need the volume), paid in cash or by card, without points.
        orders = []
        for p, m in zip(new, members, strict=True):
            if p.full_history:
                continue
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
                if not p.full_history
                for o in p.orders
                for code, quantity, amount in o.lines
            ],
            batch_size=500,
        )
        self._orders_created = sum(len(p.orders) for p in new)
        return {p.number for p in new}

    def _history(self, plans: list[MemberPlan], *, reviews, stores, categories, clerks) -> int:
        """The history in time order: the whole history of these members through the real
        services, one event at a time and at its own date (the top-up when they joined, then
        each order through the counter's checkout: order, stored-value payment, points, rung
        up by that store's clerk), and the monthly tier review at the start of every month
        in `reviews` (as the schedule runs it), so each order is priced with the tier its
        member held that day. Points history, stored-value history, the order list, every
        receipt and the tier history agree.

        About 25 queries per order: for every member that would take minutes, so only the
        members with stored value (about one in ten, and the demo login) get it; the others'
        orders are in the database already, for the reviews to count.
        """
        members = Member.objects.in_bulk([p.number for p in plans], field_name="number")
        # (when, what, plan, order); a review runs before anything else at the same moment.
        events = [(when, 0, None, None) for when in reviews]
        for p in plans:
            if p.top_up:
                events.append((p.joined_at + timedelta(minutes=5), 1, p, None))
            events += [(o.created_at, 2, p, o) for o in p.orders]
        events.sort(key=lambda event: event[:2])
        balances: dict[str, Decimal] = {}
        written = 0
        for when, what, p, o in events:
            if what == 0:
                tier_review_run(as_of=when)
                continue
            member = members[p.number]
            if what == 1:
                wallet_top_up(
                    member=member,
                    amount=p.top_up,
                    method=TopUpMethod.CASH,
                    idempotency_key=f"demo-seed:top-up:{p.number}",
                    acting_user=clerks[STORES[0]["code"]],
                    now=when,
                )
                balances[p.number] = p.top_up
                continue
            balance = balances.get(p.number, Decimal("0"))
            if o.paid_by_card:
                payments = PaymentSplit(card=o.total)
            elif balance >= o.total:  # list price: the tier discount only lowers the charge
                payments = PaymentSplit(stored_value=o.total)
                balances[p.number] = balance - o.total
            else:
                payments = PaymentSplit(cash=o.total)
            checkout_order(
                member=member,
                store=stores[o.store_code],
                lines=[
                    OrderLineInput(category=categories[code], quantity=quantity, amount=amount)
                    for code, quantity, amount in o.lines
                ],
                payments=payments,
                is_express=o.is_express,
                needs_pickup_delivery=o.needs_pickup_delivery,
                acting_user=clerks[o.store_code],
                idempotency_key=f"demo-seed:order:{o.number}",
                now=o.created_at,
            )
            written += 1
        return written

    def _reviews_missed(self, reviews: list[datetime]) -> list[datetime]:
        """The review dates after the latest review run (none when the demo is up to date,
        nor for a database seeded before the demo had a tier history)."""
        last = TierReviewRun.objects.order_by("-period").values_list("period", flat=True).first()
        if last is None:
            return []
        return [when for when in reviews if timezone.localdate(when) > last]

    def _clerks(self, stores) -> dict[str, User]:
        """One clerk per store rings up that store's demo orders; the first is the staff login."""
        clerks = {}
        for n, data in enumerate(STORES):
            if n == 0:
                user = self._login_user("staff", STAFF_EMAIL, "陈店员", store=stores[data["code"]])
            else:
                user, created = User.objects.get_or_create(
                    username=f"staff-{data['code']}",
                    defaults={"first_name": CLERKS[n], "store": stores[data["code"]]},
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=STAFF_GROUP))
            clerks[data["code"]] = user
        return clerks

    def _logins(self) -> list[tuple[str, str, str, str]]:
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

    def _slot_templates(self, stores: dict[str, Store]) -> None:
        """Each store's weekly slots, once (an owner's later changes are kept)."""
        for store in stores.values():
            if store.slot_templates.exists():
                continue
            SlotTemplate.objects.bulk_create(
                SlotTemplate(
                    store=store,
                    weekday=weekday,
                    start_time=datetime.strptime(start, "%H:%M").time(),
                    length_minutes=120,
                    pickup_capacity=4,
                    delivery_capacity=3,
                    held_back_percent=25,
                    release_minutes=24 * 60,
                )
                for weekdays, starts in SLOT_WEEK
                for weekday in weekdays
                for start in starts
            )

    def _appointments(self, *, stores, categories) -> None:
        """One store takes in-store appointments with its two care specialists, once (an
        owner's later changes are kept); the demo login prefers the first of them."""
        store = stores[APPOINTMENT_STORE]
        if store.appointment_staff.exists():
            return
        store.offers_appointments = True
        store.save(update_fields=["offers_appointments"])
        store.appointment_services.add(*(categories[code] for code in APPOINTMENT_SERVICES))
        store.slot_templates.filter(appointment_capacity=0).update(
            appointment_capacity=APPOINTMENT_PLACES
        )
        for order, (username, name, title_zh, title_en) in enumerate(APPOINTMENT_STAFF):
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": name, "store": store}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=STAFF_GROUP))
            AppointmentStaff.objects.create(
                store=store,
                user=user,
                name=name,
                title_zh=title_zh,
                title_en=title_en,
                sort_order=order,
            )
        Member.objects.filter(number=DEMO_NUMBER, preferred_staff__isnull=True).update(
            preferred_staff=User.objects.get(username=APPOINTMENT_STAFF[0][0])
        )

    def _demo_booking(self, *, stores, now: datetime) -> None:
        """The demo login's next pickup, booked like a member books it: in the nearest
        store's first free slot tomorrow, with its return delivery two days later."""
        member = Member.objects.select_related("tier").get(number=DEMO_NUMBER)
        if Booking.objects.filter(member=member, status__in=Booking.OPEN_STATUSES).exists():
            return
        store = stores[STORES[0]["code"]]
        if member.latitude is not None and member.longitude is not None:
            store = min(
                stores.values(),
                key=lambda s: haversine_km(
                    s.latitude, s.longitude, member.latitude, member.longitude
                ),
            )
        tomorrow = timezone.localtime(now).date() + timedelta(days=1)
        for template in store.slot_templates.filter(weekday=tomorrow.weekday()):
            start = datetime.combine(tomorrow, template.start_time, tzinfo=shop_tz())
            try:
                booked = booking_create(
                    member=member,
                    store=store,
                    kind=Booking.Kind.PICKUP,
                    start=start,
                    return_start=self._return_start(store, start + timedelta(days=2)),
                    address=member.address,
                    latitude=member.latitude,
                    longitude=member.longitude,
                    now=now,
                )
            except ValidationError:
                continue  # full or held back: the next slot
            pickup = booked.bookings[0]
            Booking.objects.filter(pk=pickup.pk).update(status=Booking.Status.CONFIRMED)
            return

    def _demo_garment_orders(self, *, stores, categories, clerks, now: datetime) -> None:
        """The demo login's clothes at the shop, taken in at the counter to be paid on
        collection: a suit and shirts being cleaned, and a wool coat ready for pickup (its
        "ready" message in the inbox). The same request keys add nothing the second time."""
        member = Member.objects.get(number=DEMO_NUMBER)
        store = stores[STORES[0]["code"]]
        clerk = clerks[STORES[0]["code"]]
        orders = [
            ("demo-garments-cleaning", Order.Stage.CLEANING, 3,
             [("suit", 1, "袖口有咖啡渍 Coffee stain on the cuff"), ("shirt", 3, "")]),
            ("demo-garments-ready", Order.Stage.READY, 1, [("wool-coat", 1, "")]),
        ]  # fmt: skip
        for key, stage, days, lines in orders:
            order = garment_order_take_in(
                member=member,
                store=store,
                lines=[
                    OrderLineInput(
                        category=categories[code],
                        quantity=quantity,
                        amount=categories[code].default_price * quantity,
                        note=note,
                    )
                    for code, quantity, note in lines
                ],
                intake=GarmentIntake(due_at=now + timedelta(days=days)),
                acting_user=clerk,
                idempotency_key=key,
                now=now,
            )
            path = [Order.Stage.RECEIVED, Order.Stage.CLEANING, Order.Stage.READY]
            if order.stage in path:  # not if the demo's user has moved it on since
                for to_stage in path[path.index(order.stage) + 1 : path.index(stage) + 1]:
                    order = order_stage_advance(order=order, to_stage=to_stage, acting_user=clerk)

    def _return_start(self, store: Store, day: datetime) -> datetime | None:
        local = timezone.localtime(day, shop_tz())
        template = store.slot_templates.filter(weekday=local.weekday()).last()
        if template is None:
            return None
        return datetime.combine(local.date(), template.start_time, tzinfo=shop_tz())

    # --- Wagtail site -------------------------------------------------------------------------

    def _site(self, *, tiers: dict[str, Tier]) -> None:
        default = get_supported_content_language_variant(settings.LANGUAGE_CODE)
        home_texts = {
            "zh-hans": (
                BRAND_ZH,
                "<p>专业洗衣、皮具护理与上门取送。会员享积分、储值优惠与专属服务。</p>",
            ),
            "en": (
                BRAND_EN,
                "<p>Professional garment care with pickup and delivery. Members earn points "
                "and enjoy stored-value discounts.</p>",
            ),
        }
        home = HomePage.objects.filter(locale__language_code=default).first()
        if home is None:
            root = Page.get_first_root_node() or self._wagtail_root()
            title, intro = home_texts[default]
            home = HomePage(title=title, slug="shop", intro=intro)
            root.add_child(instance=home)
            home.save_revision().publish()
            # The owner's page permissions are granted on the tree's root: it exists now.
            roles_sync()
        for language, (title, intro) in home_texts.items():
            if (
                language != default
                and not HomePage.objects.filter(locale__language_code=language).exists()
            ):
                home_page_translate(home=home, language=language, title=title, intro=intro)
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
        # Each offer is written once per language; members read their own language.
        offers = [
            (
                "autumn-coats",
                OfferText("换季大衣护理 8 折", "羊毛大衣、羽绒服清洗 8 折。"),
                OfferText(
                    "Coat season: 20% off", "Wool coats and down jackets cleaned at 20% off."
                ),
                [],
            ),
            (
                "core-stored-value",
                OfferText("储值支付 9 折", "核心与种子会员用储值支付享 9 折并多倍积分。"),
                OfferText(
                    "10% off with stored value",
                    "Core and Seed members: 10% off and extra points with stored value.",
                ),
                ["core", "seed"],
            ),
            # Offers target tiers only, and every new member starts in Basic: the Basic offer
            # is a welcome, never a "we haven't seen you for three months" win-back.
            (
                "basic-shirt-trial",
                OfferText(
                    "基础会员体验价：衬衫 19.9 元", "基础会员单件衬衫清洗 19.9 元，欢迎来店体验。"
                ),
                OfferText(
                    "Basic members: a shirt for 19.9",
                    "Basic members: one shirt cleaned for 19.9. Come and try us.",
                ),
                ["basic"],
            ),
        ]
        existing = set(home.get_children().values_list("slug", flat=True))
        for slug, chinese, english, tier_codes in offers:
            if slug in existing:
                continue
            offer_page_create(
                home=home,
                slug=slug,
                texts={"zh-hans": chinese, "en": english},
                valid_from=timezone.now() - timedelta(days=1),
                tiers=[tiers[code] for code in tier_codes],
            )

    def _wagtail_root(self) -> Page:
        """Wagtail's tree root, for a database whose initial data was flushed (e.g. by tests)."""
        for language in get_content_languages():
            Locale.objects.get_or_create(language_code=language)
        return Page.add_root(instance=Page(title="Root", slug="root"))

    # --- output -------------------------------------------------------------------------------

    def _report(self, *, created, logins, history, reviews, elapsed) -> None:
        out = self.stdout
        if created:
            out.write(
                f"Created {len(created)} members with {getattr(self, '_orders_created', 0)} "
                f"orders. {history} of those orders, of the demo login and the members with "
                "stored value, went one by one through the checkout, wallet and points "
                "services at their own dates (points and stored-value history, orders and "
                "receipts agree); the other members' orders were inserted in bulk, without "
                "points."
            )
        else:
            out.write("The demo shop already exists: nothing added.")
        runs = TierReviewRun.objects.filter(period__in=[timezone.localdate(r) for r in reviews])
        totals = Counter()
        for run in runs:
            totals.update(
                promoted=run.promoted, demoted=run.demoted, held=run.held, warned=run.warned
            )
        if runs:
            periods = sorted(run.period for run in runs)
            out.write(
                f"Monthly tier reviews {periods[0]:%Y-%m} to {periods[-1]:%Y-%m} "
                f"({len(periods)}): {totals['promoted']} promotions, {totals['demoted']} "
                f"demotions, {totals['held']} kept by a hold, {totals['warned']} warnings."
            )
        per_tier = Counter(Member.objects.values_list("tier__code", flat=True))
        total = sum(per_tier.values()) or 1
        shares = ", ".join(
            f"{tier.code} {per_tier[tier.code]} ({100 * per_tier[tier.code] / total:.1f}%)"
            for tier in Tier.objects.order_by("-rank")
        )
        out.write(f"Tiers: {shares}")
        out.write(f"Demo seed took {elapsed:.1f} s.")
        out.write("")
        out.write(self.style.SUCCESS("Demo logins (password login, or 'send me a code'):"))
        for role, login, password, where in logins:
            out.write(f"  {role:<7} {login:<40} password: {password:<12} then {where}")
        out.write("  (codes sent by SMS are printed by the server and the task worker)")
