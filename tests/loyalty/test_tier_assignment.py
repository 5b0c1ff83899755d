from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from loyalty.engine.tiers import shift_months
from loyalty.selectors.stats import member_rolling_stats
from loyalty.services.tiers import tiers_assign_all
from membership.models import Member, Order, StaffAction
from tests.factories import MemberFactory, OrderFactory, StoreFactory, TierFactory

pytestmark = pytest.mark.django_db

AS_OF = timezone.make_aware(timezone.datetime(2026, 6, 15, 12, 0))


@pytest.fixture
def seed_tiers():
    return {
        "basic": TierFactory(code="basic", rank=1),
        "potential": TierFactory(code="potential", rank=2, min_spend=Decimal("1000")),
        "core": TierFactory(code="core", rank=3, min_spend=Decimal("3000")),
        "seed": TierFactory(
            code="seed",
            rank=4,
            min_spend=Decimal("10000"),
            min_orders=30,
            min_orders_per_recent_month=2,
            recent_months=3,
        ),
    }


def order(member, store, when, total, status=Order.Status.COMPLETED):
    return OrderFactory(
        member=member, store=store, created_at=when, subtotal=total, total=total, status=status
    )


def test_stats_bucket_orders_by_rolling_month_and_skip_refunds(db):
    store = StoreFactory()
    member, other = MemberFactory(), MemberFactory()
    order(member, store, AS_OF - timedelta(minutes=1), Decimal("10"))  # month 0
    order(member, store, shift_months(AS_OF, 1), Decimal("20"))  # first instant of month 0
    order(member, store, shift_months(AS_OF, 1) - timedelta(seconds=1), Decimal("40"))  # month 1
    order(member, store, AS_OF - timedelta(days=3), Decimal("99"), Order.Status.REFUNDED)
    order(member, store, AS_OF, Decimal("500"))  # at as_of: not yet in the window
    order(member, store, shift_months(AS_OF, 3) - timedelta(seconds=1), Decimal("700"))  # too old
    order(other, store, AS_OF - timedelta(days=1), Decimal("5"))

    result = member_rolling_stats(as_of=AS_OF, months=3)

    months = result[member.pk].months
    assert [(m.orders, m.spend) for m in months] == [
        (2, Decimal("30")),
        (1, Decimal("40")),
        (0, Decimal("0")),
    ]
    assert result[other.pk].months[0].spend == Decimal("5")
    assert set(result) == {member.pk, other.pk}
    assert member_rolling_stats(as_of=AS_OF, months=3, member_ids=[other.pk]).keys() == {other.pk}


def test_assign_all_moves_members_to_the_tier_their_orders_earn(seed_tiers):
    store = StoreFactory()
    nobody = MemberFactory(tier=seed_tiers["seed"])  # no orders: demoted to the default
    potential = MemberFactory(tier=None)
    order(potential, store, AS_OF - timedelta(days=40), Decimal("1200"))
    core = MemberFactory(tier=seed_tiers["core"], tier_since=AS_OF - timedelta(days=100))
    order(core, store, AS_OF - timedelta(days=200), Decimal("3000"))
    seed = MemberFactory(tier=seed_tiers["basic"])
    for month in range(12):
        for n in range(3):
            order(seed, store, shift_months(AS_OF, month) - timedelta(days=n + 1), Decimal("300"))

    result = tiers_assign_all(as_of=AS_OF)

    tiers = dict(Member.objects.values_list("pk", "tier__code"))
    assert tiers == {
        nobody.pk: "basic",
        potential.pk: "potential",
        core.pk: "core",
        seed.pk: "seed",
    }
    assert result.changed == 3
    assert result.members_per_tier == {"basic": 1, "potential": 1, "core": 1, "seed": 1}
    core.refresh_from_db()
    seed.refresh_from_db()
    assert core.tier_since == AS_OF - timedelta(days=100)  # unchanged tier, untouched
    assert seed.tier_since == AS_OF


def test_an_owner_run_is_audited(seed_tiers, owner_user):
    MemberFactory(tier=None)

    tiers_assign_all(as_of=AS_OF, acting_user=owner_user)
    tiers_assign_all(as_of=AS_OF)  # the scheduled job has no acting user: no row

    action = StaffAction.objects.get()
    assert action.actor == owner_user and action.action == "tiers_assign_all"
    assert action.details["changed"] == 1
    assert action.details["members_per_tier"]["basic"] == 1


def test_a_second_run_changes_nothing(seed_tiers):
    member = MemberFactory(tier=None)
    order(member, StoreFactory(), AS_OF - timedelta(days=2), Decimal("5000"))
    assert tiers_assign_all(as_of=AS_OF).changed == 1
    assert tiers_assign_all(as_of=AS_OF).changed == 0


def test_query_count_does_not_grow_with_members(seed_tiers, django_assert_max_num_queries):
    store = StoreFactory()
    for i in range(60):
        member = MemberFactory(tier=None)
        for days in range(i % 5):
            order(member, store, AS_OF - timedelta(days=days * 20 + 1), Decimal("400"))
    # tiers, stats, members, one UPDATE per target tier (4), savepoint
    with django_assert_max_num_queries(9):
        result = tiers_assign_all(as_of=AS_OF)
    assert result.changed == 60


def test_refuses_without_tiers_and_naive_dates(db):
    MemberFactory(tier=None)
    with pytest.raises(ValidationError):
        tiers_assign_all(as_of=AS_OF)
    TierFactory()
    with pytest.raises(ValidationError):
        tiers_assign_all(as_of=timezone.datetime(2026, 6, 15))
    assert Member.objects.get().tier is None
