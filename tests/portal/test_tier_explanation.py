"""'Why am I in this tier': the words for members just above and just below each threshold,
in English and Chinese, and what the review then does (a dry run of that very review)
after the member does exactly what the words say, or one unit less."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from loyalty.models import MemberTierState, TierChange
from loyalty.selectors.tier_outlook import member_tier_outlook
from loyalty.services.tier_review import tier_review_run
from portal.tier_words import tier_explanation
from tests.factories import MemberFactory, OrderFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db
D = Decimal
# 20 March in the shop's time zone: the next review is on 1 April, the deadline 31 March.
NOW = timezone.make_aware(datetime(2027, 3, 20, 12, 0))
APRIL = timezone.make_aware(datetime(2027, 4, 1))


@pytest.fixture
def tiers():
    basic = TierFactory(code="basic", rank=1, name_zh="普通", name_en="Basic")
    core = TierFactory(
        code="core", rank=2, name_zh="核心", name_en="Core", min_spend=D("1000"), window_months=12
    )
    seed = TierFactory(
        code="seed",
        rank=3,
        name_zh="种子",
        name_en="Seed",
        min_spend=D("2000"),
        window_months=12,
        min_orders_per_recent_month=2,
        recent_months=2,
    )
    return basic, core, seed


def order(member, amount, when):
    OrderFactory(member=member, total=D(amount), subtotal=D(amount), created_at=when)


def words(member, language="en", now=NOW):
    with translation.override(language):
        return tier_explanation(member_tier_outlook(member, now=now))


def review_moves(member) -> str | None:
    """Where the review on 1 April moves the member (a dry run: it writes nothing)."""
    result = tier_review_run(as_of=APRIL, dry_run=True)
    moves = [move for move in result.moves if move.member_id == member.pk]
    return moves[0].to_tier_id if moves else None


def core_member(tiers, spent: str):
    _basic, core, _seed = tiers
    member = MemberFactory(tier=core, tier_since=NOW - timedelta(days=300))
    order(member, spent, NOW - timedelta(days=40))
    return member


def test_just_below_keeping_core_says_how_much_and_by_when_and_the_review_agrees(tiers):
    basic, core, _seed = tiers
    member = core_member(tiers, "580")

    explanation = words(member)

    assert explanation.headline == (
        "Spend ¥420.00 more by March 31 to keep Core. If not, you move to Basic on April 1."
    )
    assert explanation.moving_down
    assert review_moves(member) == basic.pk
    order(member, "419.99", NOW + timedelta(days=5))  # one cent short
    assert review_moves(member) == basic.pk
    order(member, "0.01", NOW + timedelta(days=6))  # exactly what the words said
    assert review_moves(member) is None
    assert not words(member).moving_down


def test_the_same_words_in_chinese(tiers):
    member = core_member(tiers, "580")

    explanation = words(member, "zh-hans")

    assert (
        explanation.headline == "3月31日前再消费 ¥420.00，即可保持核心。否则将于4月1日调整为普通。"
    )


def test_just_above_keeping_core_is_told_it_is_kept_and_the_review_keeps_it(tiers):
    member = core_member(tiers, "1000")

    explanation = words(member)

    assert not explanation.moving_down
    assert explanation.kept == "You have done what keeps Core at the review on April 1."
    assert review_moves(member) is None


def test_one_order_short_of_seed_this_month_and_the_review_promotes_after_it(tiers):
    _basic, _core, seed = tiers
    member = core_member(tiers, "2000")
    order(member, "50", NOW - timedelta(days=25))  # February: 3 orders with the one above
    order(member, "50", NOW - timedelta(days=24))
    order(member, "50", NOW - timedelta(days=2))  # March: 1 of 2

    explanation = words(member)

    assert explanation.headline == "1 more order this month by March 31 to reach Seed."
    assert review_moves(member) is None
    order(member, "50", NOW + timedelta(days=3))
    assert review_moves(member) == seed.pk
    assert words(member).headline == "You move up to Seed on April 1."


def test_seed_out_of_reach_this_month_does_not_promise_it(tiers):
    member = core_member(tiers, "2000")  # one order in February: the streak cannot complete
    order(member, "50", NOW - timedelta(days=2))

    explanation = words(member)

    assert explanation.headline == "Keep ordering to reach Seed: see what it takes below."
    order(member, "50", NOW + timedelta(days=1))
    assert review_moves(member) is None


def test_chinese_words_for_the_next_tier(tiers):
    member = core_member(tiers, "2000")
    order(member, "50", NOW - timedelta(days=25))
    order(member, "50", NOW - timedelta(days=24))
    order(member, "50", NOW - timedelta(days=2))

    assert words(member, "zh-hans").headline == "3月31日前本月再下 1 单，即可升至种子。"


def test_a_held_tier_says_until_when_and_the_review_holds_it(tiers):
    basic, core, _seed = tiers
    core.hold_months = 12
    core.save()
    member = MemberFactory(tier=core, tier_since=timezone.make_aware(datetime(2026, 6, 1)))

    explanation = words(member)

    assert explanation.headline == "Your Core status is held until May 31."
    assert review_moves(member) is None
    assert words(member, "zh-hans").headline == "您的核心身份保留至5月31日。"


def test_grace_review_says_it_is_a_last_chance(tiers):
    _basic, core, _seed = tiers
    core.grace_review = True
    core.save()
    member = core_member(tiers, "900")

    explanation = words(member)

    assert explanation.headline == (
        "Spend ¥100.00 more by March 31 to keep Core. "
        "If not, you keep it one more month as a last chance."
    )
    assert review_moves(member) is None  # warned only
    MemberTierState.objects.create(member=member, warned_at=NOW - timedelta(days=19))
    assert words(member).moving_down  # the second miss demotes


def test_top_tier_member_has_nothing_to_reach(tiers):
    _basic, _core, seed = tiers
    member = MemberFactory(tier=seed, tier_since=NOW - timedelta(days=30))
    for days in (2, 3, 33, 34):
        order(member, "600", NOW - timedelta(days=days))

    assert words(member).headline == "Seed is our top tier. Thank you!"


def test_dashboard_tier_page_and_counter_panel_show_the_same_headline(client, tiers):
    member = core_member(tiers, "580")
    order(member, "580", timezone.now() - timedelta(days=1))  # NOW is in the future here
    headline = words(member, now=None).headline
    staff = StaffFactory()

    client.force_login(member.user)
    dashboard = client.get(reverse("customer:dashboard")).content.decode()
    tier_page = client.get(reverse("customer:tier")).content.decode()
    client.force_login(staff)
    panel = client.get(reverse("counter:member", kwargs={"number": member.number}))

    assert headline.startswith("Spend ¥420.00 more by ")
    assert headline in dashboard and headline in tier_page
    assert headline in panel.content.decode()
    assert "What keeps Core" in tier_page and "What reaches Seed" in tier_page


def test_tier_history_on_the_archive_briefly_and_on_the_tier_page_paginated(client, tiers):
    basic, core, _seed = tiers
    member = MemberFactory(tier=core)
    TierChange.objects.bulk_create(
        TierChange(
            member=member,
            from_tier=(core, basic)[n % 2],
            to_tier=(basic, core)[n % 2],
            reason=(TierChange.Reason.DEMOTION, TierChange.Reason.PROMOTION)[n % 2],
            occurred_at=NOW - timedelta(days=31 * (25 - n)),
        )
        for n in range(25)
    )
    client.force_login(member.user)

    profile = client.get(reverse("customer:profile")).content.decode()
    first = client.get(reverse("customer:tier")).content.decode()
    second = client.get(reverse("customer:tier") + "?page=2").content.decode()
    dashboard = client.get(reverse("customer:dashboard")).content.decode()

    assert profile.count('data-testid="tier-change"') == 5
    assert first.count('data-testid="tier-change"') == 20
    assert second.count('data-testid="tier-change"') == 5
    assert 'data-testid="last-tier-change"' in dashboard and "Core → Basic" in dashboard
