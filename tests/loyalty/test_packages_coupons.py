from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from loyalty.flows.package_sale import package_purchase
from loyalty.models import (
    CouponEvent,
    CouponTemplate,
    Entitlement,
    EntitlementEntry,
    MemberCoupon,
    Package,
    PackageItem,
)
from loyalty.selectors.coupons import coupons_usable_for_member
from loyalty.selectors.packages import packages_for_member
from loyalty.services.coupons import coupon_issue, coupon_redeem, coupon_release
from loyalty.services.packages import (
    package_consume,
    package_consume_reverse,
    package_grant,
)
from loyalty.services.wallet import wallet_top_up
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


@pytest.fixture
def suit_card():
    cleaning = ServiceCategoryFactory(code="suit-clean")
    pressing = ServiceCategoryFactory(code="suit-press")
    package = Package.objects.create(
        code="suit-month",
        name_zh="西装护理月卡",
        name_en="Suit care month card",
        price=Decimal("399"),
        validity_days=31,
    )
    PackageItem.objects.create(package=package, category=cleaning, quantity=4)
    PackageItem.objects.create(package=package, category=pressing, quantity=2)
    return package, cleaning, pressing


def test_buying_the_suit_card_from_stored_value_grants_4_cleanings_and_2_pressings(suit_card):
    package, cleaning, pressing = suit_card
    member = MemberFactory(tier=TierFactory(stored_value_discount_percent=Decimal("10")))
    wallet_top_up(member=member, amount="500", method="cash", idempotency_key="t")

    result = package_purchase(member=member, package=package, idempotency_key="buy")
    again = package_purchase(member=member, package=package, idempotency_key="buy")

    assert again.member_package == result.member_package
    assert result.payment.charged == Decimal("359.10")
    left = {e.category_id: e.remaining for e in packages_for_member(member)}
    assert left == {cleaning.pk: 4, pressing.pk: 2}


def test_consume_one_by_one_until_none_left(suit_card):
    package, _cleaning, pressing = suit_card
    member = MemberFactory()
    package_grant(member=member, package=package, idempotency_key="g")
    staff = StaffFactory()

    uses = [
        package_consume(
            member=member, category=pressing, idempotency_key=f"u{i}", acting_user=staff
        )
        for i in range(2)
    ]
    retry = package_consume(member=member, category=pressing, idempotency_key="u1")

    assert retry.pk == uses[1].pk
    with pytest.raises(ValidationError, match="No package has this service left"):
        package_consume(member=member, category=pressing, idempotency_key="u3")
    entitlement = Entitlement.objects.get(member=member, category=pressing)
    assert entitlement.remaining == 0
    package_consume_reverse(entry=uses[0], idempotency_key="back")
    with pytest.raises(ValidationError, match="already given back"):
        package_consume_reverse(entry=uses[0], idempotency_key="back2")
    assert_ledger_consistent(entitlement)


def test_expired_package_cannot_be_used(suit_card):
    package, cleaning, _ = suit_card
    member = MemberFactory()
    package_grant(
        member=member,
        package=package,
        idempotency_key="g",
        now=timezone.now() - timezone.timedelta(days=40),
    )

    with pytest.raises(ValidationError):
        package_consume(member=member, category=cleaning, idempotency_key="u")
    assert not packages_for_member(member).exists()
    assert EntitlementEntry.objects.filter(kind="use").count() == 0


def test_soonest_expiring_package_is_used_first(suit_card):
    package, cleaning, _ = suit_card
    member = MemberFactory()
    older = package_grant(
        member=member,
        package=package,
        idempotency_key="g1",
        now=timezone.now() - timezone.timedelta(days=20),
    )
    package_grant(member=member, package=package, idempotency_key="g2")

    use = package_consume(member=member, category=cleaning, idempotency_key="u")

    assert use.entitlement.member_package == older


@pytest.fixture
def template():
    return CouponTemplate.objects.create(
        name_zh="满200减50", amount_off=Decimal("50"), min_spend=Decimal("200"), valid_days=30
    )


def test_coupon_is_single_use_and_release_makes_it_usable_again(template):
    member = MemberFactory()
    coupon = coupon_issue(member=member, template=template, idempotency_key="i")
    assert list(coupons_usable_for_member(member)) == [coupon]

    used = coupon_redeem(coupon=coupon, order_total=Decimal("260"), idempotency_key="o1")
    retry = coupon_redeem(coupon=coupon, order_total=Decimal("260"), idempotency_key="o1")

    assert used.discount == Decimal("50") and retry.event == used.event
    with pytest.raises(ValidationError, match="already been used"):
        coupon_redeem(coupon=coupon, order_total=Decimal("300"), idempotency_key="o2")
    assert not coupons_usable_for_member(member).exists()
    coupon_release(coupon=coupon, idempotency_key="refund-o1")
    assert list(coupons_usable_for_member(member)) == [coupon]
    assert list(
        CouponEvent.objects.filter(coupon=coupon).order_by("id").values_list("kind", flat=True)
    ) == ["issue", "redeem", "release"]


def test_coupon_min_spend_and_validity(template):
    member = MemberFactory()
    coupon = coupon_issue(member=member, template=template, idempotency_key="i")

    with pytest.raises(ValidationError, match="at least 200"):
        coupon_redeem(coupon=coupon, order_total=Decimal("199.99"), idempotency_key="o")
    with pytest.raises(ValidationError, match="not valid today"):
        coupon_redeem(
            coupon=coupon,
            order_total=Decimal("300"),
            idempotency_key="o",
            now=timezone.now() + timezone.timedelta(days=31),
        )
    assert MemberCoupon.objects.get().status == "available"
    assert CouponEvent.objects.filter(kind="redeem").count() == 0
