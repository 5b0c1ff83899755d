"""The demo shop command: deterministic, idempotent, tier shares near the seed's targets,
and a tier history from the monthly review over the members' orders."""

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Site

from loyalty.engine.tier_review import Rule, TierState, review_decision, tier_progress
from loyalty.engine.tiers import MemberStats, shift_months
from loyalty.models import (
    MemberTierState,
    Package,
    PointsAccount,
    PointsEntry,
    RewardRule,
    RuleFiring,
    TierChange,
    TierReviewRun,
    WalletAccount,
    WalletEntry,
)
from loyalty.selectors.stats import member_rolling_stats
from loyalty.services.tier_review import current_period_start, tier_policy, tier_review_run
from loyalty.services.tiers import tier_criteria
from membership.models import (
    Booking,
    Member,
    MemberEvent,
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
    review_dates,
)
from portal.management.playbook import PLAYBOOK
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
    TierReviewRun,
    TierChange,
    MemberTierState,
    MemberEvent,
]


def seed(**options) -> str:
    out = StringIO()
    call_command("demo_seed", members=MEMBERS, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def plans():
    return plan_demo(members=MEMBERS, seed=2024, anchor=today())


def stats_and_tiers():
    """Every member's stats as the latest review counted them, and the tiers by rank."""
    as_of = current_period_start()
    return member_rolling_stats(as_of=as_of, months=12), list(Tier.objects.order_by("rank"))


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
    assert Member.objects.count() == MEMBERS + 1 + 8  # plus the demo login and the playbook's
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
    planned = plans()
    seed()

    # The monthly reviews over their history left every member where the plan said.
    planned_members = Member.objects.filter(number__in=[p.number for p in planned])
    actual = dict(planned_members.values_list("number", "tier__code"))
    assert actual == {p.number: p.tier_code for p in planned}
    # ... and the orders in the database are the planned ones (at list price: a member
    # paying from stored value in Core or Seed got the tier's discount off it).
    spend = {p.number: sum((o.total for o in p.orders), Decimal("0")) for p in planned}
    stored = Counter()
    planned_orders = Order.objects.filter(member__number__in=spend)  # not the playbook's
    for number, subtotal in planned_orders.values_list("member__number", "subtotal"):
        stored[number] += subtotal
    assert {n: s for n, s in spend.items() if s} == dict(stored)


def test_the_plan_is_deterministic():
    anchor = today()
    first = plan_demo(members=50, seed=7, anchor=anchor)
    again = plan_demo(members=50, seed=7, anchor=anchor)
    other = plan_demo(members=50, seed=8, anchor=anchor)
    assert first == again
    assert [p.name for p in first] != [p.name for p in other]


def test_a_second_run_adds_nothing():
    seed()
    before = counts()
    balances = dict(WalletAccount.objects.values_list("member__number", "principal"))
    tiers = dict(Member.objects.values_list("number", "tier_id"))

    output = seed()
    # ... nor does reviewing the history's months again.
    again = [tier_review_run(as_of=when) for when in review_dates(plans(), today())]

    assert all(result.already_done for result in again)
    assert counts() == before
    assert dict(WalletAccount.objects.values_list("member__number", "principal")) == balances
    assert dict(Member.objects.values_list("number", "tier_id")) == tiers
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
    # Its paid orders (the clothes still at the shop, to be paid on collection, earn then).
    orders = list(
        Order.objects.filter(member=demo).exclude(status=Order.Status.UNPAID).order_by("created_at")
    )
    assert (
        Order.objects.filter(member=demo, status=Order.Status.UNPAID, points_earned=0).count() == 2
    )
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


def test_the_review_ran_at_the_start_of_every_month_of_the_history():
    output = seed()

    runs = list(TierReviewRun.objects.order_by("period"))
    oldest = timezone.localdate(Order.objects.order_by("created_at").first().created_at)
    this_month = current_period_start()
    # One run a month, at the start of the month in the shop's time zone, from the month of
    # the oldest order to this month, each reviewing every member.
    assert runs[0].period == oldest.replace(day=1)
    assert [run.as_of for run in runs] == [
        shift_months(this_month, months) for months in range(len(runs) - 1, -1, -1)
    ]
    assert len(runs) >= 13
    assert {run.reviewed for run in runs} == {MEMBERS + 1}
    assert all(run.acting_user is None for run in runs)
    assert f"Monthly tier reviews {runs[0].period:%Y-%m}" in output


def test_the_tier_history_goes_both_ways_and_ends_where_members_are():
    seed()

    changes = defaultdict(list)
    reviewed = TierChange.objects.exclude(member__user__username__startswith="playbook-")
    for change in reviewed.select_related("from_tier", "to_tier", "review").order_by(
        "occurred_at", "id"
    ):
        changes[change.member_id].append(change)
    ups = [c for cs in changes.values() for c in cs if c.to_tier.rank > c.from_tier.rank]
    downs = [c for cs in changes.values() for c in cs if c.to_tier.rank < c.from_tier.rank]
    assert len(ups) > MEMBERS // 2 and len(downs) >= MEMBERS // 20
    assert {c.reason for c in ups} == {Rule.PROMOTION}
    # Out of Core after its hold, out of the others one step at a time.
    assert {c.reason for c in downs} == {Rule.DEMOTION, Rule.HOLD_EXPIRED}
    assert all(c.to_tier.rank == c.from_tier.rank - 1 for c in downs)
    # Every move was made by a review, at its date; each starts where the one before ended,
    # the first from the tier every member starts in, the last in the member's tier now.
    tiers = dict(Member.objects.values_list("pk", "tier__code"))
    for member_id, history in changes.items():
        assert all(c.review is not None and c.occurred_at == c.review.as_of for c in history)
        assert history[0].from_tier.code == "basic"
        assert all(a.to_tier == b.from_tier for a, b in zip(history, history[1:], strict=False))
        assert history[-1].to_tier.code == tiers[member_id]
    tier_events = MemberEvent.objects.filter(kind=MemberEvent.Kind.TIER_CHANGED)
    assert tier_events.exclude(member__user__username__startswith="playbook-").count() == sum(
        map(len, changes.values())
    )


def test_some_members_are_held_warned_or_just_short_of_a_tier():
    planned = {p.number: p for p in plans()}
    seed()
    stats, tiers = stats_and_tiers()
    latest = TierReviewRun.objects.order_by("-period").first()
    assert latest.held > 0 and latest.warned > 0 and latest.demoted > 0

    short = Counter()
    for member in Member.objects.select_related("tier"):
        have = stats.get(member.pk, MemberStats())
        rank = [t.pk for t in tiers].index(member.tier_id)
        own = [p for p in tier_progress(tier_criteria(tiers[rank]), have) if not p.met]
        above = tiers[rank + 1 :][:1]
        upward = (
            [p for p in tier_progress(tier_criteria(above[0]), have) if not p.met] if above else []
        )
        if [p.kind for p in own] == ["spend"] and 100 <= own[0].missing <= 400:
            short["spend to keep the tier"] += 1
            assert planned[member.number].story in ("held", "warned")
        if [p.kind for p in upward] == ["spend"] and 100 <= upward[0].missing <= 400:
            short[f"spend for {above[0].code}"] += 1
        if [p.kind for p in upward] == ["orders"] and upward[0].missing in (1, 2):
            short[f"orders for {above[0].code}"] += 1
    assert short["spend to keep the tier"] >= 5  # the held Core members and the warned Seed
    assert short["spend for potential"] >= 5 and short["spend for core"] >= 5
    assert short["spend for seed"] >= 2 and short["orders for seed"] >= 2
    # The warned members are the Seed members the latest review warned.
    warned = MemberTierState.objects.filter(warned_at=latest.as_of)
    assert set(warned.values_list("member__number", flat=True)) == {
        n for n, p in planned.items() if p.story == "warned"
    }
    assert set(warned.values_list("member__tier__code", flat=True)) == {"seed"}


def test_the_demo_login_is_held_in_core_a_little_short_of_keeping_it():
    seed()
    stats, tiers = stats_and_tiers()
    demo = Member.objects.get(number=DEMO_NUMBER)
    core = Tier.objects.get(code="core")
    as_of = current_period_start()

    decision = review_decision(
        stats=stats[demo.pk],
        tiers=[tier_criteria(t) for t in tiers],
        policies={t.pk: tier_policy(t) for t in tiers},
        state=TierState(tier=demo.tier_id, since=demo.tier_since),
        as_of=as_of,
    )
    (missing,) = [p for p in tier_progress(tier_criteria(core), stats[demo.pk]) if not p.met]

    assert demo.tier == core and demo.tier_since == shift_months(as_of, 1)
    assert decision.rule == Rule.HELD
    assert missing.kind == "spend" and 100 <= missing.missing <= 400
    promotion = TierChange.objects.filter(member=demo).latest("occurred_at")
    assert (promotion.to_tier, promotion.reason) == (core, Rule.PROMOTION)


def test_each_playbook_rule_has_rewarded_a_demo_member_who_can_log_in(client):
    output = seed()
    logins = [line.split() for line in output.split("Playbook members")[1].splitlines()[1:]]
    by_rule = {words[0]: words[1] for words in logins if words}
    assert set(by_rule) == {spec.code for spec in PLAYBOOK}
    rules = {spec.code: RewardRule.objects.get(name_zh=spec.name_zh) for spec in PLAYBOOK}
    for code, phone in by_rule.items():
        member = Member.objects.get(user__phone=phone)
        assert RuleFiring.objects.filter(rule=rules[code], member=member).exists(), code
        assert member.user.check_password(DEMO_PASSWORD), code
    # A second seed gives no reward twice.
    given = RuleFiring.objects.count()
    seed()
    assert RuleFiring.objects.count() == given
