"""The review decides every member first and writes afterwards. A member moved in between (a
promotion on an order, a staff floor) keeps what they have now: the review's write is a
compare-and-set, and only the moves it makes are written to history and counted.

Each test makes the other change right after the review decided (a wrapper around
`_decide_all`), which is the window a concurrent order or floor can fall in.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.engine.tier_review import Rule, shift_forward
from loyalty.models import MemberTierState, TierChange, TierReviewRun
from loyalty.services import tier_review
from loyalty.services.tier_floor import tier_floor_clear, tier_floor_set
from loyalty.services.tier_review import period_start, tier_review_run
from membership.models import Member, MemberEvent
from tests.factories import MemberFactory, StaffFactory, TierFactory
from tests.loyalty.helpers import cash_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers():
    return (
        TierFactory(code="basic", rank=1),
        TierFactory(code="core", rank=2, min_spend=Decimal("300")),
        TierFactory(code="seed", rank=3, min_spend=Decimal("1000"), promote_on_order=True),
    )


@pytest.fixture
def as_of():
    return period_start(shift_forward(timezone.localdate().replace(day=1), 1))


def long_ago():
    return timezone.now() - timedelta(days=400)


def after_deciding(monkeypatch, change):
    """Run `change()` after the review has decided and before it writes."""
    decide = tier_review._decide_all

    def decide_then_change(*args, **kwargs):
        decided = decide(*args, **kwargs)
        change()
        return decided

    monkeypatch.setattr(tier_review, "_decide_all", decide_then_change)


def review_changes(member):
    return list(TierChange.objects.filter(member=member, review__isnull=False))


def test_a_promotion_on_an_order_meanwhile_is_not_overwritten(tiers, as_of, monkeypatch):
    basic, core, seed = tiers
    staff = StaffFactory()
    member = MemberFactory(tier=core, tier_since=long_ago())  # no orders: demoted to basic
    bystander = MemberFactory(tier=core, tier_since=long_ago())  # demoted too
    after_deciding(monkeypatch, lambda: cash_order(member, staff, key="big", amount="1200"))

    result = tier_review_run(as_of=as_of)

    member.refresh_from_db()
    bystander.refresh_from_db()
    assert member.tier == seed  # the promotion stands
    assert bystander.tier == basic
    assert review_changes(member) == []
    assert TierChange.objects.get(member=member).reason == Rule.PROMOTION
    assert result.counts["demoted"] == 1  # the bystander only
    assert [m.member_id for m in result.moves] == [bystander.pk]
    run = TierReviewRun.objects.get()
    assert (run.reviewed, run.demoted) == (2, 1)
    review_events = MemberEvent.objects.filter(source_type="tier_review")
    assert list(review_events.values_list("member_id", flat=True)) == [bystander.pk]


def test_a_staff_floor_set_meanwhile_stops_a_demotion_below_it(tiers, as_of, monkeypatch):
    _basic, core, _seed = tiers
    staff = StaffFactory()
    member = MemberFactory(tier=core, tier_since=long_ago())  # no orders: demoted to basic
    after_deciding(
        monkeypatch,
        lambda: tier_floor_set(
            member=member,
            tier=core,  # the member's own tier: no move, only a floor
            until=timezone.localdate() + timedelta(days=90),
            reason="VIP",
            acting_user=staff,
        ),
    )

    result = tier_review_run(as_of=as_of)

    member.refresh_from_db()
    assert member.tier == core
    assert review_changes(member) == [] and result.moves == []
    assert result.counts["demoted"] == 0
    assert TierReviewRun.objects.get().demoted == 0


def test_a_staff_floor_that_lifted_the_member_meanwhile_stands(tiers, as_of, monkeypatch):
    basic, core, seed = tiers
    staff = StaffFactory()
    member = MemberFactory(tier=basic, tier_since=long_ago())
    cash_order(member, staff, key="mid", amount="400")  # earns core at the review
    after_deciding(
        monkeypatch,
        lambda: tier_floor_set(
            member=member,
            tier=seed,
            until=timezone.localdate() + timedelta(days=90),
            reason="VIP",
            acting_user=staff,
        ),
    )

    result = tier_review_run(as_of=as_of)

    member.refresh_from_db()
    assert member.tier == seed  # not "promoted" down to core
    assert review_changes(member) == []
    assert result.counts["promoted"] == 0


def test_a_lift_to_a_floor_removed_meanwhile_is_not_made(tiers, as_of, monkeypatch):
    basic, core, _seed = tiers
    staff = StaffFactory()
    member = MemberFactory(tier=basic, tier_since=long_ago())
    MemberTierState.objects.create(member=member, floor_tier=core, floor_reason="VIP")
    after_deciding(
        monkeypatch,
        lambda: tier_floor_clear(member=member, acting_user=staff, reason="ended"),
    )

    result = tier_review_run(as_of=as_of)

    member.refresh_from_db()
    assert member.tier == basic
    assert review_changes(member) == []
    assert result.counts["floored"] == 0


def test_a_member_deleted_meanwhile_is_skipped(tiers, as_of, monkeypatch):
    _basic, core, _seed = tiers
    member = MemberFactory(tier=core, tier_since=long_ago())
    after_deciding(monkeypatch, lambda: Member.objects.filter(pk=member.pk).delete())

    result = tier_review_run(as_of=as_of)

    assert not result.already_done and result.moves == []
    assert TierReviewRun.objects.get().demoted == 0


def test_a_review_warning_lands_on_a_row_a_floor_created_meanwhile(tiers, as_of, monkeypatch):
    """The warning is an upsert: the row the floor created in between is updated, not
    inserted twice (which failed the whole run)."""
    _basic, core, _seed = tiers
    core.grace_review = True
    core.save()
    staff = StaffFactory()
    member = MemberFactory(tier=core, tier_since=long_ago())  # fails core: warned
    after_deciding(
        monkeypatch,
        lambda: tier_floor_set(
            member=member,
            tier=core,
            until=timezone.localdate(),
            reason="VIP",
            acting_user=staff,
        ),
    )

    result = tier_review_run(as_of=as_of)

    assert result.counts["warned"] == 1
    state = MemberTierState.objects.get(member=member)
    assert (state.warned_at, state.floor_tier, state.floor_reason) == (as_of, core, "VIP")
