from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from loyalty.flows.top_up import counter_top_up
from loyalty.models import (
    CouponTemplate,
    Entitlement,
    MemberCoupon,
    Package,
    PackageItem,
    PointsAccount,
    PointsEntry,
    TopUpBonusRule,
    TopUpMethod,
    WalletAccount,
    WalletEntry,
)
from loyalty.services.checkout import (
    PaymentSplit,
    checkout_order,
    checkout_quote,
    order_refund,
    order_void,
)
from loyalty.services.coupons import coupon_issue
from loyalty.services.packages import package_grant
from loyalty.services.wallet import wallet_top_up
from membership.models import Order, OrderLine, StaffAction
from membership.services.orders import OrderLineInput
from tests.factories import (
    MemberFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
)
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shop():
    core = TierFactory(
        code="core",
        stored_value_discount_percent=D("10"),
        points_multiplier=D("2"),
    )
    member = MemberFactory(tier=core)
    staff = StaffFactory()
    wallet_top_up(member=member, amount=D("200"), method=TopUpMethod.CASH, idempotency_key="seed")
    return {
        "member": member,
        "staff": staff,
        "store": staff.store,
        "suit": ServiceCategoryFactory(code="suit", default_price=D("45")),
        "shirt": ServiceCategoryFactory(code="shirt", default_price=D("12")),
    }


def lines(shop, suits=2, suit_amount="90", shirts=3, shirt_amount="36"):
    result = []
    if suits:
        result.append(OrderLineInput(category=shop["suit"], quantity=suits, amount=D(suit_amount)))
    if shirts:
        result.append(
            OrderLineInput(category=shop["shirt"], quantity=shirts, amount=D(shirt_amount))
        )
    return result


def checkout(shop, *, key="k1", **kwargs):
    args = {
        "member": shop["member"],
        "store": shop["store"],
        "lines": lines(shop),
        "payments": PaymentSplit(stored_value=D("126")),
        "is_express": False,
        "needs_pickup_delivery": False,
        "acting_user": shop["staff"],
        "idempotency_key": key,
    } | kwargs
    return checkout_order(**args)


def wallet(member) -> WalletAccount:
    return WalletAccount.objects.get(member=member)


def points(member) -> int:
    account = PointsAccount.objects.filter(member=member).first()
    return account.balance if account else 0


def assert_consistent(member):
    assert_ledger_consistent(wallet(member))
    account = PointsAccount.objects.filter(member=member).first()
    if account:
        assert_ledger_consistent(account)


def nothing_written(shop):
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert wallet(shop["member"]).balance == D("200")
    assert WalletEntry.objects.count() == 1  # the seed top-up
    assert PointsEntry.objects.count() == 0
    assert not StaffAction.objects.filter(action="order.checkout").exists()


def make_coupon(member, *, amount_off="50", min_spend="200", key="c1"):
    template, _ = CouponTemplate.objects.get_or_create(
        name_zh="满200减50",
        name_en="50 off 200",
        defaults={"amount_off": D(amount_off), "min_spend": D(min_spend)},
    )
    return coupon_issue(member=member, template=template, idempotency_key=key)


def make_entitlement(shop, *, suits=4) -> Entitlement:
    package = Package.objects.create(code="suit-month", name_zh="西装月卡", name_en="Suit month")
    PackageItem.objects.create(package=package, category=shop["suit"], quantity=suits)
    member_package = package_grant(member=shop["member"], package=package, idempotency_key="p1")
    return member_package.entitlements.get()


# --- paying -------------------------------------------------------------------------------


def test_paying_all_by_balance_applies_the_tier_discount_and_double_points(shop):
    order = checkout(shop, is_express=True, needs_pickup_delivery=True)

    order.refresh_from_db()
    assert order.subtotal == D("126.00")
    assert order.tier_discount_percent == D("10.00")
    assert order.tier_discount == D("12.60")
    assert order.wallet_amount == D("113.40")
    assert order.total == D("113.40") and order.discount == D("12.60")
    assert order.cash_amount == order.card_amount == D("0")
    assert order.points_earned == 226  # 113.40 paid x 1 point per unit x Core's 2
    assert order.is_express and order.needs_pickup_delivery
    assert order.created_by == shop["staff"] and order.store == shop["store"]
    assert wallet(shop["member"]).balance == D("86.60")
    assert points(shop["member"]) == 226
    audit = StaffAction.objects.get(action="order.checkout")
    assert audit.actor == shop["staff"] and audit.member == shop["member"]
    assert audit.object_id == order.number and audit.details["stored_value"] == "113.40"
    assert_consistent(shop["member"])


def test_mixed_payment_discounts_only_the_stored_value_part(shop):
    order = checkout(shop, payments=PaymentSplit(stored_value=D("50"), cash=D("50"), card=D("26")))

    assert (order.wallet_amount, order.cash_amount, order.card_amount) == (
        D("45.00"),
        D("50.00"),
        D("26.00"),
    )
    assert order.tier_discount == D("5.00") and order.total == D("121.00")
    assert order.points_earned == 242
    assert wallet(shop["member"]).balance == D("155.00")
    assert_consistent(shop["member"])


def test_cash_only_member_without_tier_earns_single_points():
    staff = StaffFactory()
    member = MemberFactory(tier=None)
    category = ServiceCategoryFactory()
    order = checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=category, quantity=1, amount=D("30.50"))],
        payments=PaymentSplit(cash=D("30.50")),
        acting_user=staff,
        idempotency_key="solo",
    )
    assert order.total == D("30.50") and order.tier_discount == D("0")
    assert order.points_earned == 30 and points(member) == 30


def test_the_quote_matches_what_checkout_records(shop):
    quote = checkout_quote(
        member=shop["member"],
        lines=lines(shop),
        payments=PaymentSplit(stored_value=D("100"), card=D("26")),
    )
    assert (quote.tier_discount, quote.wallet_charged, quote.paid, quote.points) == (
        D("10.00"),
        D("90.00"),
        D("116.00"),
        232,
    )
    assert quote.wallet_balance_after == D("110.00")
    assert Order.objects.count() == 0

    order = checkout(shop, payments=PaymentSplit(stored_value=D("100"), card=D("26")))
    assert (order.tier_discount, order.wallet_amount, order.total, order.points_earned) == (
        quote.tier_discount,
        quote.wallet_charged,
        quote.paid,
        quote.points,
    )


# --- bad input writes nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("payments", "message"),
    [
        (PaymentSplit(stored_value=D("100")), "must add up to the amount due (126.00)"),
        (PaymentSplit(cash=D("200")), "must add up"),
        (PaymentSplit(cash=D("130"), card=D("-4")), "greater than zero"),
        (PaymentSplit(cash=D("126.001")), "decimal places"),
        (PaymentSplit(stored_value=D("100"), cash=D("26"), card=D("0.5")), "must add up"),
    ],
)
def test_payments_that_do_not_add_up_or_are_negative_are_refused(shop, payments, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        checkout(shop, payments=payments)
    nothing_written(shop)


def test_more_stored_value_than_the_balance_is_refused(shop):
    big = lines(shop, suits=6, suit_amount="270", shirts=0)  # 270 at 10% off = 243 > 200
    with pytest.raises(ValidationError, match="Not enough stored value"):
        checkout(shop, lines=big, payments=PaymentSplit(stored_value=D("270")))
    nothing_written(shop)


@pytest.mark.parametrize(
    ("bad_lines", "message"),
    [
        ([], "at least one item"),
        ([("suit", 1, "-10")], "cannot be negative"),
        ([("suit", 1, "0")], "greater than zero"),
        ([("suit", 0, "10")], "between 1 and"),
    ],
)
def test_zero_negative_or_empty_orders_are_refused(shop, bad_lines, message):
    order_lines = [
        OrderLineInput(category=shop[code], quantity=qty, amount=D(amount))
        for code, qty, amount in bad_lines
    ]
    with pytest.raises(ValidationError, match=message):
        checkout(shop, lines=order_lines, payments=PaymentSplit(cash=D("10")))
    nothing_written(shop)


def test_a_failure_late_in_checkout_rolls_everything_back(shop, monkeypatch):
    coupon = make_coupon(shop["member"], min_spend="0")
    entitlement = make_entitlement(shop)

    def broken(**kwargs):
        raise RuntimeError("points service down")

    monkeypatch.setattr("loyalty.services.checkout.points_earn", broken)
    with pytest.raises(RuntimeError):
        checkout(  # 210 - 90 (package) - 50 (coupon) = 70 due
            shop,
            lines=lines(shop, suits=2, shirts=10, shirt_amount="120"),
            coupon=coupon,
            package_entitlement=entitlement,
            payments=PaymentSplit(stored_value=D("70")),
        )

    nothing_written(shop)
    coupon.refresh_from_db()
    entitlement.refresh_from_db()
    assert coupon.status == MemberCoupon.Status.AVAILABLE
    assert entitlement.remaining == 4


# --- coupons and packages -----------------------------------------------------------------


def test_a_coupon_takes_its_amount_off_and_is_used_up(shop):
    coupon = make_coupon(shop["member"])
    order = checkout(
        shop,
        lines=lines(shop, suits=4, suit_amount="180", shirts=3, shirt_amount="36"),
        coupon=coupon,
        payments=PaymentSplit(cash=D("166")),
    )
    assert order.subtotal == D("216.00") and order.coupon_discount == D("50.00")
    assert order.total == D("166.00") and order.coupon_label == "50 off 200"  # tests run in English
    assert order.points_earned == 332
    coupon.refresh_from_db()
    assert coupon.status == MemberCoupon.Status.REDEEMED


def test_a_coupon_whose_minimum_spend_is_not_met_is_refused(shop):
    coupon = make_coupon(shop["member"])
    with pytest.raises(ValidationError, match="at least 200"):
        checkout(shop, coupon=coupon, payments=PaymentSplit(cash=D("76")))
    nothing_written(shop)
    coupon.refresh_from_db()
    assert coupon.status == MemberCoupon.Status.AVAILABLE


def test_a_used_expired_or_someone_elses_coupon_is_refused(shop):
    used = make_coupon(shop["member"], min_spend="0", key="used")
    checkout(shop, key="first", coupon=used, payments=PaymentSplit(cash=D("76")))
    with pytest.raises(ValidationError, match="already been used"):
        checkout(shop, key="second", coupon=used, payments=PaymentSplit(cash=D("76")))

    expired = make_coupon(shop["member"], min_spend="0", key="expired")
    MemberCoupon.objects.filter(pk=expired.pk).update(valid_until=timezone.now())
    with pytest.raises(ValidationError, match="not valid today"):
        checkout(shop, key="third", coupon=expired, payments=PaymentSplit(cash=D("76")))

    other = make_coupon(MemberFactory(), min_spend="0", key="other")
    with pytest.raises(ValidationError, match="another member"):
        checkout(shop, key="fourth", coupon=other, payments=PaymentSplit(cash=D("76")))
    assert Order.objects.count() == 1


def test_a_package_covers_its_items_and_uses_are_consumed(shop):
    entitlement = make_entitlement(shop, suits=4)
    order = checkout(shop, package_entitlement=entitlement, payments=PaymentSplit(cash=D("36")))

    assert order.package_uses == 2 and order.package_discount == D("90.00")
    assert order.total == D("36.00") and "× 2" in order.package_label
    entitlement.refresh_from_db()
    assert entitlement.remaining == 2
    assert_ledger_consistent(entitlement)


def test_a_package_with_fewer_uses_left_covers_only_what_it_has(shop):
    entitlement = make_entitlement(shop, suits=1)
    order = checkout(shop, package_entitlement=entitlement, payments=PaymentSplit(cash=D("81")))
    assert order.package_uses == 1 and order.package_discount == D("45.00")
    entitlement.refresh_from_db()
    assert entitlement.remaining == 0
    with pytest.raises(ValidationError, match="nothing left"):
        checkout(
            shop, key="again", package_entitlement=entitlement, payments=PaymentSplit(cash=D("81"))
        )


def test_a_fully_covered_order_pays_nothing_and_earns_nothing(shop):
    entitlement = make_entitlement(shop, suits=4)
    order = checkout(
        shop,
        lines=lines(shop, suits=2, shirts=0),
        package_entitlement=entitlement,
        payments=PaymentSplit(),
    )
    assert order.total == D("0") and order.points_earned == 0
    assert PointsEntry.objects.count() == 0


def test_a_package_for_a_service_not_in_the_order_is_refused(shop):
    entitlement = make_entitlement(shop)
    with pytest.raises(ValidationError, match="not in this order"):
        checkout(
            shop,
            lines=lines(shop, suits=0),
            package_entitlement=entitlement,
            payments=PaymentSplit(cash=D("36")),
        )
    nothing_written(shop)


# --- idempotency --------------------------------------------------------------------------


def test_a_double_submitted_checkout_records_one_order(shop):
    first = checkout(shop, key="form-123")
    second = checkout(shop, key="form-123")

    assert first.pk == second.pk
    assert Order.objects.count() == 1
    assert wallet(shop["member"]).balance == D("86.60")
    assert points(shop["member"]) == 226
    assert StaffAction.objects.filter(action="order.checkout").count() == 1


def test_a_key_used_for_another_member_is_refused(shop):
    checkout(shop, key="form-1")
    other = MemberFactory()
    with pytest.raises(ValidationError, match="already used"):
        checkout(shop, key="form-1", member=other, payments=PaymentSplit(cash=D("126")))


# --- refunds and voids --------------------------------------------------------------------


def test_refund_gives_everything_back_and_is_audited(shop):
    coupon = make_coupon(shop["member"], min_spend="0")
    entitlement = make_entitlement(shop)
    order = checkout(
        shop,
        coupon=coupon,
        package_entitlement=entitlement,
        lines=lines(shop, suits=2, shirts=10, shirt_amount="120"),
        payments=PaymentSplit(stored_value=D("50"), cash=D("20")),
    )
    assert wallet(shop["member"]).balance == D("155.00")
    assert points(shop["member"]) == 130  # (45 + 20) x 2

    refunded = order_refund(order=order, reason="Stain not removed", acting_user=shop["staff"])

    assert refunded.status == Order.Status.REFUNDED
    assert refunded.cancelled_by == shop["staff"] and refunded.cancel_reason == "Stain not removed"
    assert wallet(shop["member"]).balance == D("200.00")
    assert points(shop["member"]) == 0
    coupon.refresh_from_db()
    entitlement.refresh_from_db()
    assert coupon.status == MemberCoupon.Status.AVAILABLE
    assert entitlement.remaining == 4
    audit = StaffAction.objects.get(action="order.refunded")
    assert audit.actor == shop["staff"] and audit.object_id == order.number
    assert audit.details["stored_value"] == "45.00" and audit.details["points"] == 130
    assert audit.details["cash_to_return"] == "20.00"
    assert_consistent(shop["member"])
    assert_ledger_consistent(entitlement)


def test_refunding_twice_is_refused_and_changes_nothing(shop):
    order = checkout(shop)
    order_refund(order=order, reason="Damaged", acting_user=shop["staff"])
    entries = WalletEntry.objects.count(), PointsEntry.objects.count()

    with pytest.raises(ValidationError, match="already refunded"):
        order_refund(order=order, reason="Again", acting_user=shop["staff"])
    with pytest.raises(ValidationError, match="already refunded"):
        order_void(order=order, reason="Again", acting_user=shop["staff"])

    assert (WalletEntry.objects.count(), PointsEntry.objects.count()) == entries
    assert StaffAction.objects.filter(action__startswith="order.").count() == 2
    assert wallet(shop["member"]).balance == D("200.00")


def test_a_refund_needs_a_reason(shop):
    order = checkout(shop)
    with pytest.raises(ValidationError, match="Say why"):
        order_refund(order=order, reason=" ", acting_user=shop["staff"])
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert wallet(shop["member"]).balance == D("86.60")


def test_points_already_spent_are_taken_back_as_far_as_possible(shop):
    from loyalty.services.points import points_redeem

    order = checkout(shop)
    points_redeem(member=shop["member"], points=200, idempotency_key="spend")

    order_refund(order=order, reason="Lost item", acting_user=shop["staff"])

    assert points(shop["member"]) == 0
    assert wallet(shop["member"]).balance == D("200.00")
    assert_consistent(shop["member"])


def test_void_today_reverses_like_a_refund(shop):
    order = checkout(shop)
    voided = order_void(order=order, reason="Wrong member", acting_user=shop["staff"])
    assert voided.status == Order.Status.VOIDED
    assert wallet(shop["member"]).balance == D("200.00") and points(shop["member"]) == 0
    assert StaffAction.objects.filter(action="order.voided", actor=shop["staff"]).exists()


def test_an_older_order_cannot_be_voided_only_refunded(shop):
    order = checkout(shop)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=2))
    order.refresh_from_db()
    with pytest.raises(ValidationError, match="refund it instead"):
        order_void(order=order, reason="Oops", acting_user=shop["staff"])
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order_refund(order=order, reason="Oops", acting_user=shop["staff"]).status == "refunded"


# --- counter top-up -----------------------------------------------------------------------


def test_counter_top_up_gets_the_bonus_and_is_audited_once(shop):
    TopUpBonusRule.objects.create(name="100+20", min_amount=D("100"), bonus_amount=D("20"))

    result = counter_top_up(
        member=shop["member"],
        amount=D("100"),
        method=TopUpMethod.CARD_TERMINAL,
        acting_user=shop["staff"],
        idempotency_key="t1",
    )
    again = counter_top_up(
        member=shop["member"],
        amount=D("100"),
        method=TopUpMethod.CARD_TERMINAL,
        acting_user=shop["staff"],
        idempotency_key="t1",
    )

    assert result.bonus == D("20") and again.entry.pk == result.entry.pk
    assert wallet(shop["member"]).balance == D("320.00")
    audit = StaffAction.objects.get(action="wallet.top_up")
    assert audit.actor == shop["staff"] and audit.details["bonus"] == "20.00"
    assert_consistent(shop["member"])


@pytest.mark.parametrize(
    ("amount", "method", "message"),
    [
        (D("100"), TopUpMethod.ONLINE, "cash or the card terminal"),
        (D("0"), TopUpMethod.CASH, "greater than zero"),
        (D("-50"), TopUpMethod.CASH, "greater than zero"),
        (D("999999"), TopUpMethod.CASH, "at most"),
    ],
)
def test_bad_counter_top_ups_are_refused(shop, amount, method, message):
    with pytest.raises(ValidationError, match=message):
        counter_top_up(
            member=shop["member"],
            amount=amount,
            method=method,
            acting_user=shop["staff"],
            idempotency_key="bad",
        )
    assert wallet(shop["member"]).balance == D("200")
    assert not StaffAction.objects.filter(action="wallet.top_up").exists()
