"""Every member and counter page costs a fixed number of queries, whatever the history.

Each page is requested for a member with a short history and for one with a long one (orders,
points lots, stored-value entries, bookings, notes, coupons, packages, tags, follow-ups): the
long history may not cost a single query more, and neither may exceed the page's budget.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import CouponTemplate, Package, PackageItem, TierChange
from loyalty.services.coupons import coupon_issue
from loyalty.services.packages import package_grant
from loyalty.services.points import points_earn, points_redeem
from loyalty.services.wallet import wallet_pay, wallet_top_up
from membership.models import Booking, MemberNote, Order, Tag
from membership.services.followups import followup_create
from membership.services.tags import member_tag_add
from tests.factories import (
    MemberFactory,
    ServiceCategoryFactory,
    StaffFactory,
    StoreFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

# The most queries each page may cost (session, user with role flags, page data): what it
# costs today plus one.
MEMBER_PAGES = {
    # + the best two usable coupons (one query), + the inbox line: unread count and newest (one)
    "customer:dashboard": 11,
    "customer:inbox": 6,  # + the page's messages counted, listed, marked read
    "customer:tier": 8,
    "customer:card": 8,
    "customer:profile": 8,
    "customer:wallet": 8,
    "customer:points": 9,
    "customer:packages": 9,
    "customer:coupons": 6,
    "customer:orders": 8,
    "customer:order": 8,
}
COUNTER_PAGES = {
    "counter:home": 5,
    "counter:search": 6,
    "counter:member": 11,
    "counter:member-notes": 7,
    "counter:member_tags": 6,
    "counter:checkout": 9,
    "counter:member-coupon-give": 7,
    "counter:order": 7,
    "counter:followups": 6,
}


def give_history(member, *, size: int, staff) -> None:
    store = staff.store
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            member=member,
            store=store,
            number=f"O{member.pk:05d}{n:05d}",
            subtotal=Decimal("88"),
            total=Decimal("88"),
            cash_amount=Decimal("88"),
            created_at=now - timedelta(days=n),
        )
        for n in range(size)
    )
    wallet_top_up(member=member, amount="2000", method="cash", idempotency_key=f"t{member.pk}")
    for n in range(size // 10 + 2):
        points_earn(
            member=member,
            base_amount=Decimal("20"),
            idempotency_key=f"e{member.pk}-{n}",
            source_type="order",
            source_id=orders[n].number,
            now=now - timedelta(days=n),
        )
        wallet_pay(
            member=member,
            amount="2",
            idempotency_key=f"p{member.pk}-{n}",
            source_type="order",
            source_id=orders[n].number,
        )
    points_redeem(member=member, points=5, idempotency_key=f"r{member.pk}")
    Booking.objects.bulk_create(
        Booking(
            member=member,
            store=store,
            kind=Booking.Kind.PICKUP,
            slot_start=now + timedelta(days=1 + n),
            slot_end=now + timedelta(days=1 + n, hours=2),
            address="1 Test Road",
        )
        for n in range(size // 10 + 1)
    )
    lower = TierFactory()
    TierChange.objects.bulk_create(  # a long tier history: down and up every other month
        TierChange(
            member=member,
            from_tier=(member.tier, lower)[n % 2],
            to_tier=(lower, member.tier)[n % 2],
            reason=(TierChange.Reason.DEMOTION, TierChange.Reason.PROMOTION)[n % 2],
            occurred_at=now - timedelta(days=30 * (size - n)),
        )
        for n in range(size // 5 + 1)
    )
    MemberNote.objects.bulk_create(
        MemberNote(member=member, text=f"Note {n}", author=staff) for n in range(size // 10 + 1)
    )
    template, _ = CouponTemplate.objects.get_or_create(
        name_zh="满200减50", defaults={"amount_off": Decimal("50"), "min_spend": Decimal("200")}
    )
    package, created = Package.objects.get_or_create(
        code="suit-month", defaults={"name_zh": "西装月卡", "price": Decimal("399")}
    )
    if created:
        PackageItem.objects.create(package=package, category=ServiceCategoryFactory(), quantity=4)
    for n in range(size // 20 + 1):
        coupon_issue(member=member, template=template, idempotency_key=f"c{member.pk}-{n}")
        package_grant(member=member, package=package, idempotency_key=f"k{member.pk}-{n}")
        followup_create(member=member, reason=f"Call back {n}", source="manual", acting_user=staff)
    for n in range(size // 50 + 1):
        tag, _ = Tag.objects.get_or_create(code=f"tag-{n}", defaults={"name_zh": f"标签{n}"})
        member_tag_add(member=member, tag=tag, acting_user=staff)


@pytest.fixture
def shop():
    staff = StaffFactory(store=StoreFactory())
    tier = TierFactory()
    light = MemberFactory(tier=tier, name="Light Member")
    heavy = MemberFactory(tier=tier, name="Heavy Member")
    give_history(light, size=3, staff=staff)
    give_history(heavy, size=300, staff=staff)
    return staff, light, heavy


def member_url(name: str, member) -> str:
    if name == "customer:order":
        latest = Order.objects.filter(member=member).order_by("-created_at").first()
        return reverse(name, kwargs={"number": latest.number})
    return reverse(name)


def counter_url(name: str, member) -> str:
    if name in {"counter:home", "counter:followups"}:
        return reverse(name)
    if name == "counter:search":
        return reverse(name) + f"?q={member.name.split()[0]}"
    if name == "counter:order":
        latest = Order.objects.filter(member=member).order_by("-created_at").first()
        return reverse(name, kwargs={"number": latest.number})
    return reverse(name, kwargs={"number": member.number})


def count_queries(client, url: str) -> int:
    client.get(url)  # rows created on first use (site settings, loyalty settings)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def over_budget(counts: dict[str, tuple[int, int]], budgets: dict[str, int]) -> dict:
    """Pages whose long history costs more than the short one, or more than the budget."""
    return {
        name: {"short": short, "long": long, "budget": budgets[name]}
        for name, (short, long) in counts.items()
        if long != short or long > budgets[name]
    }


# One test per audience, looping over its pages: the histories are built once, not per page.
def test_member_pages_cost_the_same_with_a_long_history(client, shop, settings):
    # What building each page costs; a kept dashboard or card costs less (test_member_page_cache).
    settings.MEMBER_PAGE_CACHE_SECONDS = 0
    _staff, light, heavy = shop
    counts = {}
    for name in MEMBER_PAGES:
        per_member = []
        for member in (light, heavy):
            client.force_login(member.user)
            per_member.append(count_queries(client, member_url(name, member)))
        counts[name] = tuple(per_member)

    assert over_budget(counts, MEMBER_PAGES) == {}
    assert len(counts) == len(MEMBER_PAGES)


def test_counter_pages_cost_the_same_with_a_long_history(client, shop):
    staff, light, heavy = shop
    client.force_login(staff)
    counts = {
        name: tuple(count_queries(client, counter_url(name, m)) for m in (light, heavy))
        for name in COUNTER_PAGES
    }

    assert over_budget(counts, COUNTER_PAGES) == {}
    assert len(counts) == len(COUNTER_PAGES)
