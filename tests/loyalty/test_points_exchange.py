"""Exchanging points for a coupon from the points catalogue (loyalty.flows.points_exchange)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from loyalty.flows.points_exchange import points_exchange
from loyalty.models import (
    CouponTemplate,
    EntryKind,
    MemberCoupon,
    PointsAccount,
    PointsEntry,
    PointsReward,
)
from loyalty.services.points import points_earn
from tests.factories import MemberFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db
D = Decimal


def coupon_template(**kwargs) -> CouponTemplate:
    made = CouponTemplate(
        **({"name_zh": "十元券", "name_en": "10 off", "amount_off": D("10")} | kwargs)
    )
    made.full_clean()
    made.save()
    return made


def reward(**kwargs) -> PointsReward:
    fields = {"name_zh": "十元券", "points_cost": 500} | kwargs
    fields.setdefault("coupon_template", coupon_template())
    made = PointsReward(**fields)
    made.full_clean()
    made.save()
    return made


@pytest.fixture
def member():
    member = MemberFactory()
    points_earn(member=member, base_amount=D("1200"), idempotency_key="seed")  # 1200 points
    return member


def account(member) -> PointsAccount:
    return PointsAccount.objects.get(member=member)


def test_exchange_spends_the_points_and_gives_the_coupon(member):
    offer = reward()
    coupon = points_exchange(member=member, reward=offer, idempotency_key="x1")
    assert coupon.member == member and coupon.template == offer.coupon_template
    assert coupon.source_type == "points_reward" and coupon.source_id == str(offer.pk)
    assert account(member).balance == 700
    spent = PointsEntry.objects.get(kind=EntryKind.REDEEM)
    assert (spent.amount, spent.source_id) == (-500, str(offer.pk))
    assert_ledger_consistent(account(member))


def test_the_same_key_exchanges_once(member):
    offer = reward()
    first = points_exchange(member=member, reward=offer, idempotency_key="x1")
    again = points_exchange(member=member, reward=offer, idempotency_key="x1")
    assert again.pk == first.pk
    assert MemberCoupon.objects.count() == 1
    assert account(member).balance == 700
    assert_ledger_consistent(account(member))


def test_the_same_key_for_another_reward_is_refused(member):
    points_exchange(member=member, reward=reward(), idempotency_key="x1")
    with pytest.raises(ValidationError) as exc:
        points_exchange(member=member, reward=reward(points_cost=100), idempotency_key="x1")
    assert exc.value.code == "key_reused"
    assert_ledger_consistent(account(member))


def test_not_enough_points_writes_nothing(member):
    with pytest.raises(ValidationError) as exc:
        points_exchange(member=member, reward=reward(points_cost=1201), idempotency_key="x1")
    assert exc.value.code == "not_enough_points"
    assert "1201" in exc.value.messages[0] and "1200" in exc.value.messages[0]
    assert not MemberCoupon.objects.exists()
    assert account(member).balance == 1200
    assert_ledger_consistent(account(member))


@pytest.mark.parametrize("what", ["reward", "template"])
def test_an_inactive_reward_is_refused(member, what):
    offer = reward()
    if what == "reward":
        offer.is_active = False
        offer.save()
    else:
        CouponTemplate.objects.filter(pk=offer.coupon_template_id).update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        points_exchange(member=member, reward=offer, idempotency_key="x1")
    assert exc.value.code == "inactive"
    assert account(member).balance == 1200
    assert not MemberCoupon.objects.exists()
    assert_ledger_consistent(account(member))


def test_the_per_member_limit_is_kept(member):
    offer = reward(points_cost=100, per_member_limit=2)
    points_exchange(member=member, reward=offer, idempotency_key="x1")
    points_exchange(member=member, reward=offer, idempotency_key="x2")
    with pytest.raises(ValidationError) as exc:
        points_exchange(member=member, reward=offer, idempotency_key="x3")
    assert exc.value.code == "limit_reached"
    assert account(member).balance == 1000
    # another member is not held to this member's count
    other = MemberFactory()
    points_earn(member=other, base_amount=D("100"), idempotency_key="other")
    points_exchange(member=other, reward=offer, idempotency_key="y1")
    assert_ledger_consistent(account(member))
    assert_ledger_consistent(account(other))


def test_a_coupon_that_can_no_longer_be_given_rolls_the_points_back(member):
    offer = reward(coupon_template=coupon_template(ends_on="2020-01-01", valid_days=None))
    with pytest.raises(ValidationError) as exc:
        points_exchange(member=member, reward=offer, idempotency_key="x1")
    assert exc.value.code == "ended"
    assert account(member).balance == 1200
    assert not PointsEntry.objects.filter(kind=EntryKind.REDEEM).exists()
    assert_ledger_consistent(account(member))


def test_the_owner_cannot_save_a_reward_that_costs_nothing():
    with pytest.raises(ValidationError):
        reward(points_cost=0)
    with pytest.raises(ValidationError):
        reward(per_member_limit=0)
