"""The monthly review against the database: moves and their history, idempotence per
period, a dry run that matches the real run, and a query count independent of members."""

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.engine.tier_review import Rule
from loyalty.models import MemberTierState, TierChange, TierReviewRun
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.tier_review import period_start, tier_review_run
from membership.models import Member, MemberEvent
from membership.services.orders import OrderLineInput
from tests.factories import (
    MemberFactory,
    OrderFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
DECEMBER = period_start(datetime(2026, 12, 1).date())
JANUARY = period_start(datetime(2027, 1, 1).date())


@pytest.fixture
def tiers():
    basic = TierFactory(code="basic", rank=1)
    core = TierFactory(code="core", rank=2, min_spend=D("300"), window_months=3)
    return basic, core


def spent(member, amount, when):
    OrderFactory(member=member, total=D(amount), subtotal=D(amount), created_at=when)


def test_promotion_and_demotion_are_written_with_their_history(tiers):
    basic, core = tiers
    riser = MemberFactory(tier=basic, tier_since=DECEMBER - timedelta(days=400))
    faller = MemberFactory(tier=core, tier_since=DECEMBER - timedelta(days=400))
    spent(riser, "320", DECEMBER - timedelta(days=10))

    result = tier_review_run(as_of=DECEMBER)

    assert result.counts["reviewed"] == 2
    assert (result.counts["promoted"], result.counts["demoted"]) == (1, 1)
    riser.refresh_from_db()
    faller.refresh_from_db()
    assert (riser.tier, riser.tier_since) == (core, DECEMBER)
    assert (faller.tier, faller.tier_since) == (basic, DECEMBER)
    up = TierChange.objects.get(member=riser)
    assert (up.from_tier, up.to_tier, up.reason) == (basic, core, Rule.PROMOTION)
    assert up.review.period == DECEMBER.date()
    event = MemberEvent.objects.get(member=faller, kind=MemberEvent.Kind.TIER_CHANGED)
    assert event.data == {"from": "core", "to": "basic", "rule": "demotion"}


def test_a_second_run_of_the_period_writes_nothing(tiers):
    basic, core = tiers
    MemberFactory(tier=core, tier_since=DECEMBER - timedelta(days=400))
    first = tier_review_run(as_of=DECEMBER)

    second = tier_review_run(as_of=DECEMBER)

    assert not first.already_done and second.already_done
    assert second.counts == {**dict.fromkeys(second.counts, 0), **first.counts}
    assert TierReviewRun.objects.count() == 1
    assert TierChange.objects.count() == 1


def test_a_dry_run_writes_nothing_and_reports_the_moves_the_real_run_makes(tiers):
    basic, core = tiers
    for i in range(6):
        member = MemberFactory(tier=basic if i % 2 else core, tier_since=DECEMBER - timedelta(400))
        if i % 3 == 0:
            spent(member, "500", DECEMBER - timedelta(days=5))

    dry = tier_review_run(as_of=DECEMBER, dry_run=True)
    assert TierReviewRun.objects.count() == 0 and TierChange.objects.count() == 0
    assert not MemberEvent.objects.filter(kind=MemberEvent.Kind.TIER_CHANGED).exists()
    real = tier_review_run(as_of=DECEMBER)

    assert dry.moves == real.moves
    assert dry.counts == real.counts
    assert len(real.moves) == TierChange.objects.count() > 0


def test_grace_warns_first_then_demotes_at_the_next_review(tiers):
    _basic, core = tiers
    core.grace_review = True
    core.save()
    member = MemberFactory(tier=core, tier_since=DECEMBER - timedelta(days=400))

    december = tier_review_run(as_of=DECEMBER)
    member.refresh_from_db()
    assert december.counts["warned"] == 1 and member.tier == core
    assert MemberTierState.objects.get(member=member).warned_at == DECEMBER

    january = tier_review_run(as_of=JANUARY)
    member.refresh_from_db()
    assert january.counts["demoted"] == 1 and member.tier.code == "basic"
    assert MemberTierState.objects.get(member=member).warned_at is None


def test_hold_and_floor_keep_a_member_who_no_longer_qualifies(tiers):
    _basic, core = tiers
    core.hold_months = 12
    core.save()
    MemberFactory(tier=core, tier_since=DECEMBER - timedelta(days=60))  # held 12 months
    pinned = MemberFactory(tier=core, tier_since=DECEMBER - timedelta(days=400))
    MemberTierState.objects.create(member=pinned, floor_tier=core, floor_reason="VIP")

    result = tier_review_run(as_of=DECEMBER)

    assert (result.counts["held"], result.counts["floored"]) == (1, 1)
    assert set(Member.objects.values_list("tier__code", flat=True)) == {"core"}
    assert not TierChange.objects.exists()


def test_the_review_costs_the_same_queries_for_5_or_40_members(tiers):
    basic, core = tiers

    def queries_for(count: int, day: datetime) -> int:
        for i in range(count):
            member = MemberFactory(tier=core, tier_since=day - timedelta(days=400))
            if i % 2:
                spent(member, "400", day - timedelta(days=3))
        with CaptureQueriesContext(connection) as captured:
            tier_review_run(as_of=day)
        Member.objects.all().update(tier=core)
        return len(captured)

    assert queries_for(5, DECEMBER) == queries_for(40, JANUARY)


def test_the_command_reports_and_refuses_a_naive_setup(tiers):
    _basic, core = tiers
    MemberFactory(tier=core, tier_since=timezone.now() - timedelta(days=400))
    out = StringIO()

    call_command("tier_review", "--as-of", "2026-12-01", "--dry-run", stdout=out)
    call_command("tier_review", "--as-of", "2026-12-01", stdout=out)
    call_command("tier_review", "--as-of", "2026-12-01", stdout=out)

    lines = out.getvalue().splitlines()
    assert "(dry run)" in lines[0] and "demoted=1" in lines[0]
    assert "(done)" in lines[1] and "(already done)" in lines[2]
    assert TierReviewRun.objects.count() == 1


def test_a_tier_that_promotes_on_order_takes_the_member_on_the_qualifying_order(tiers):

    basic, core = tiers
    core.promote_on_order = True
    core.save()
    member, staff = MemberFactory(tier=basic), StaffFactory()

    def buy(amount, key):
        return checkout_order(
            member=member,
            store=staff.store,
            lines=[OrderLineInput(ServiceCategoryFactory(), 1, D(amount))],
            payments=PaymentSplit(cash=D(amount)),
            acting_user=staff,
            idempotency_key=key,
        )

    buy("200", "first")
    member.refresh_from_db()
    assert member.tier == basic
    second = buy("150", "second")  # 350 in the window: Core's 300 is met

    member.refresh_from_db()
    assert member.tier == core
    change = TierChange.objects.get(member=member)
    assert (change.reason, change.order_number, change.review) == ("promotion", second.number, None)
    assert (
        MemberEvent.objects.filter(member=member, kind=MemberEvent.Kind.TIER_CHANGED).count() == 1
    )


def test_without_promotion_on_order_the_member_waits_for_the_review(tiers):

    basic, _core = tiers
    member, staff = MemberFactory(tier=basic), StaffFactory()
    checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(ServiceCategoryFactory(), 1, D("500"))],
        payments=PaymentSplit(cash=D("500")),
        acting_user=staff,
        idempotency_key="big",
    )

    member.refresh_from_db()
    assert member.tier == basic and not TierChange.objects.exists()
