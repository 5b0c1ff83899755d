"""The review's dry run with unsaved tier values (the owner's what-if): it decides with the
values tried, moves exactly the members those values move, and writes nothing."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from loyalty.models import TierChange, TierReviewRun
from loyalty.services.tier_review import period_start, tier_review_run
from membership.models import Member, Tier
from tests.factories import MemberFactory, OrderFactory, TierFactory

pytestmark = pytest.mark.django_db
D = Decimal
DECEMBER = period_start(datetime(2026, 12, 1).date())
LONG_AGO = DECEMBER - timedelta(days=400)


def spent(member, amount, days_before=10):
    OrderFactory(
        member=member,
        total=D(amount),
        subtotal=D(amount),
        created_at=DECEMBER - timedelta(days=days_before),
    )


@pytest.fixture
def shop():
    basic = TierFactory(code="basic", rank=1)
    core = TierFactory(code="core", rank=2, min_spend=D("500"), window_months=3)
    members = {}
    for name, tier, amount in [
        ("at-600", basic, "600"),  # promoted either way
        ("at-450", basic, "450"),  # promoted only if the threshold drops to 400
        ("at-350", basic, "350"),  # never
        ("core-450", core, "450"),  # demoted as saved, kept at 400
        ("core-300", core, "300"),  # demoted either way
    ]:
        members[name] = MemberFactory(name=name, tier=tier, tier_since=LONG_AGO)
        spent(members[name], amount)
    return basic, core, members


def tried(tier: Tier, **values) -> Tier:
    """The tier with unsaved values, as the edit form leaves it after validation."""
    trial = Tier.objects.get(pk=tier.pk)
    for name, value in values.items():
        setattr(trial, name, value)
    return trial


def moved(result) -> dict[str, tuple[str, str]]:
    names = dict(Member.objects.values_list("pk", "name"))
    codes = dict(Tier.objects.values_list("pk", "code"))
    return {names[m.member_id]: (codes[m.from_tier_id], codes[m.to_tier_id]) for m in result.moves}


def test_a_lower_threshold_moves_exactly_the_members_it_should(shop):
    basic, core, members = shop

    as_saved = tier_review_run(as_of=DECEMBER, dry_run=True)
    lower = tier_review_run(
        as_of=DECEMBER, dry_run=True, tier_overrides=[tried(core, min_spend=D("400"))]
    )

    assert moved(as_saved) == {
        "at-600": ("basic", "core"),
        "core-450": ("core", "basic"),
        "core-300": ("core", "basic"),
    }
    assert moved(lower) == {
        "at-600": ("basic", "core"),
        "at-450": ("basic", "core"),
        "core-300": ("core", "basic"),
    }
    assert (lower.counts["promoted"], lower.counts["demoted"]) == (2, 1)


def test_a_longer_window_counts_older_orders(shop):
    basic, core, members = shop
    spent(members["at-350"], "200", days_before=120)  # outside 3 months, inside 6

    result = tier_review_run(
        as_of=DECEMBER, dry_run=True, tier_overrides=[tried(core, window_months=6)]
    )

    assert moved(result)["at-350"] == ("basic", "core")


def test_the_dry_run_with_overrides_writes_nothing_and_the_stored_tier_is_unchanged(shop):
    basic, core, members = shop
    tiers_before = list(Tier.objects.order_by("pk").values())
    members_before = list(Member.objects.order_by("pk").values_list("pk", "tier_id", "tier_since"))

    tier_review_run(as_of=DECEMBER, dry_run=True, tier_overrides=[tried(core, min_spend=D("1"))])

    assert list(Tier.objects.order_by("pk").values()) == tiers_before
    assert list(Member.objects.order_by("pk").values_list("pk", "tier_id", "tier_since")) == (
        members_before
    )
    assert not TierReviewRun.objects.exists() and not TierChange.objects.exists()


def test_a_real_run_refuses_unsaved_values(shop):
    basic, core, members = shop
    with pytest.raises(ValueError):
        tier_review_run(as_of=DECEMBER, tier_overrides=[tried(core, min_spend=D("1"))])
    assert not TierReviewRun.objects.exists()


def test_an_unsaved_new_tier_is_refused(shop):
    with pytest.raises(ValidationError):
        tier_review_run(as_of=DECEMBER, dry_run=True, tier_overrides=[Tier(code="x", rank=9)])
