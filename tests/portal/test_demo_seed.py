"""The demo shop command: deterministic, idempotent, tier shares near the seed's targets."""

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Site

from loyalty.models import Package, PointsAccount, PointsEntry, WalletAccount, WalletEntry
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
from membership.roles import OWNER_GROUP, STAFF_GROUP
from portal.content.models import HomePage, OfferPage, ShopSettings
from portal.content.selectors import offers_for_member
from portal.management.commands.demo_seed import (
    DEMO_MEMBER_PHONE,
    DEMO_NUMBER,
    DEMO_PASSWORD,
    OWNER_EMAIL,
    STAFF_EMAIL,
    plan_demo,
)
from tests.factories import MemberFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

MEMBERS = 200
TARGETS = {"seed": 5, "core": 20, "potential": 35, "basic": 40}
COUNTED = [
    User,
    Member,
    Order,
    OrderLine,
    Store,
    ServiceCategory,
    Tier,
    TierBenefit,
    Booking,
    WalletEntry,
    PointsEntry,
    Page,
    Site,
    EmailAddress,
    Tag,
    MemberTag,
    Package,
]


def seed(**options) -> str:
    out = StringIO()
    call_command("demo_seed", members=MEMBERS, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_demo_shop_has_stores_tiers_members_and_orders():
    output = seed()

    assert Store.objects.count() == 2
    assert ServiceCategory.objects.filter(code__in=["suit", "curtain", "luxury-bag"]).count() == 3
    seed_tier = Tier.objects.get(code="seed")
    assert (seed_tier.rank, seed_tier.min_spend, seed_tier.min_orders) == (4, 10000, 30)
    assert (seed_tier.min_orders_per_recent_month, seed_tier.recent_months) == (2, 3)
    core = Tier.objects.get(code="core")
    assert core.min_spend == 3000 and core.points_multiplier == 2
    assert core.stored_value_discount_percent == 10 and core.pickup_response_hours == 2
    assert Tier.objects.get(code="potential").min_spend == 1000
    assert Tier.objects.order_by("rank").first().code == "basic"
    assert TierBenefit.objects.filter(tier=core).count() >= 3
    assert Member.objects.count() == MEMBERS + 1  # plus the demo login
    assert Order.objects.count() > MEMBERS * 5
    assert not Order.objects.filter(created_at__gte=timezone.now()).exists()
    assert "Demo seed took" in output and DEMO_PASSWORD in output


def test_tier_shares_come_out_near_the_targets():
    seed()

    per_tier = Counter(Member.objects.values_list("tier__code", flat=True))
    total = sum(per_tier.values())
    for code, target in TARGETS.items():
        assert abs(100 * per_tier[code] / total - target) <= 2, (code, per_tier)


def test_every_member_lands_in_the_tier_their_orders_were_drawn_for():
    anchor = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    plans = plan_demo(members=MEMBERS, seed=2024, anchor=anchor)
    seed()

    actual = dict(Member.objects.values_list("number", "tier__code"))
    assert actual == {p.number: p.tier_code for p in plans}
    # ... and the orders in the database are the planned ones.
    spend = {p.number: sum((o.total for o in p.orders), Decimal("0")) for p in plans}
    stored = Counter()
    for number, total in Order.objects.values_list("member__number", "total"):
        stored[number] += total
    assert {n: s for n, s in spend.items() if s} == dict(stored)


def test_the_plan_is_deterministic():
    anchor = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    first = plan_demo(members=50, seed=7, anchor=anchor)
    again = plan_demo(members=50, seed=7, anchor=anchor)
    other = plan_demo(members=50, seed=8, anchor=anchor)
    assert first == again
    assert [p.name for p in first] != [p.name for p in other]


def test_a_second_run_adds_nothing():
    seed()
    before = counts()
    balances = dict(WalletAccount.objects.values_list("member__number", "principal"))

    output = seed()

    assert counts() == before
    assert dict(WalletAccount.objects.values_list("member__number", "principal")) == balances
    assert "nothing added" in output


def test_balances_and_points_go_through_the_ledger():
    seed()

    wallets = WalletAccount.objects.all()
    assert wallets.count() >= MEMBERS // 10
    for account in list(wallets) + list(PointsAccount.objects.all()):
        assert_ledger_consistent(account)
    demo = Member.objects.select_related("tier", "wallet_account", "points_account").get(
        number=DEMO_NUMBER
    )
    assert demo.tier.code == "core"
    assert demo.wallet_account.balance > 0
    assert demo.points_account.balance > 0


def test_the_demo_login_points_went_through_the_service_order_by_order():
    seed()

    demo = Member.objects.get(number=DEMO_NUMBER)
    orders = list(Order.objects.filter(member=demo).order_by("created_at"))
    earned = list(
        PointsEntry.objects.filter(account__member=demo, kind="earn").order_by("created_at")
    )
    # One points entry per order, dated when the order was rung up, for what it earned:
    # no lump entry dated today, and no past order showing "+0 points".
    assert len(orders) >= 8
    assert [e.source_id for e in earned] == [o.number for o in orders]
    assert all(o.points_earned > 0 for o in orders)
    for order, entry in zip(orders, earned, strict=True):
        assert entry.amount == order.points_earned
        assert abs((entry.created_at - order.created_at).total_seconds()) < 60
    assert earned[0].created_at < timezone.now() - timezone.timedelta(days=30)
    assert [e.balance_after for e in earned][-1] == sum(o.points_earned for o in orders)
    assert_ledger_consistent(PointsAccount.objects.get(member=demo))
    assert_ledger_consistent(WalletAccount.objects.get(member=demo))


def test_an_order_never_lists_the_same_service_twice():
    seed()

    lines = Counter(OrderLine.objects.values_list("order_id", "category_id"))
    assert lines and max(lines.values()) == 1


def test_offers_reach_whom_their_words_address(client):
    seed()
    # signed up today: Basic (no phone: the factory's first number is the demo login's)
    newcomer = MemberFactory(tier=Tier.objects.get(code="basic"), user__phone=None)
    client.force_login(newcomer.user)

    shown = offers_for_member(member=newcomer)
    html = client.get(reverse("customer:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content

    words = " ".join(f"{o.title} {o.summary}" for o in shown)
    assert "三个月" not in words and "想念" not in words and "while" not in words
    assert "三个月".encode() not in html
    offers = OfferPage.objects.live().select_related("locale").prefetch_related("tiers")
    assert {o.locale.language_code for o in offers} == {"zh-hans", "en"}
    for offer in offers:
        english = offer.locale.language_code == "en"
        targeted = offer.get_translation(offer.get_default_locale()) if english else offer
        for tier in targeted.tiers.all():
            name = tier.name_en if english else tier.name_zh
            assert name in offer.summary, (offer.slug, offer.locale.language_code, name)
        # Written once per language: no Chinese in the English text and no English in the Chinese.
        assert english == offer.summary.isascii(), (offer.slug, offer.summary)


def test_packages_are_on_sale_with_their_services():
    seed()

    card = Package.objects.get(code="suit-month")
    assert card.price == Decimal("399") and card.is_active
    assert {(i.category.code, i.quantity) for i in card.items.select_related("category")} == {
        ("suit", 4),
        ("shirt", 2),
    }


def test_demo_logins_work_and_reach_their_pages(client):
    seed()

    staff = User.objects.get(email=STAFF_EMAIL)
    owner = User.objects.get(email=OWNER_EMAIL)
    assert staff.groups.filter(name=STAFF_GROUP).exists() and staff.store is not None
    assert owner.groups.filter(name=OWNER_GROUP).exists()

    login = reverse("account_login")
    national = DEMO_MEMBER_PHONE.removeprefix("+86")  # typed as the README says
    for who, where in [
        (national, "/me/"),
        (STAFF_EMAIL, "/counter/"),
        (OWNER_EMAIL, "/cms/"),
    ]:
        response = client.post(
            login, {"login": who, "password": DEMO_PASSWORD, "method": "password"}
        )
        assert response.status_code == 302, (who, response.content.decode()[:500])
        assert client.get(where).status_code == 200, who
        client.logout()
    # Staff do not get into the owner's back office.
    client.force_login(staff)
    assert client.get("/cms/").status_code in (302, 403)


def test_site_root_is_the_shop_home_with_offers(client):
    seed()

    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    assert isinstance(home, HomePage)
    assert OfferPage.objects.live().child_of(home).count() == 3
    assert ShopSettings.for_site(site).brand_name != "Membership portal"
    assert client.get("/").status_code == 200


def test_static_tags_and_a_few_tagged_members():
    seed()

    tags = {t.code: t for t in Tag.objects.all()}
    assert set(tags) == {"business", "parent", "premium"}
    assert all(t.kind == Tag.Kind.STATIC and t.is_active for t in tags.values())
    assert (tags["parent"].name_zh, tags["premium"].name_zh) == ("宝妈宝爸/家长", "高端")
    assert MemberTag.objects.filter(member__number=DEMO_NUMBER, tag__code="business").exists()
    per_tag = Counter(MemberTag.objects.values_list("tag__code", flat=True))
    assert all(1 <= per_tag[code] <= 6 for code in tags), per_tag
    suits = MemberTag.objects.filter(tag__code="business").exclude(member__number=DEMO_NUMBER)
    for member_tag in suits.select_related("member"):
        favourites = set(member_tag.member.favourite_categories.values_list("code", flat=True))
        assert favourites & {"suit", "shirt"}
