"""Coupons in the database: the owner's terms and their validation, the snapshot an issued
coupon keeps, multi-use redemption and its release, the per-member limit, checkout with every
value type, and the goodwill coupon staff give by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty.engine.coupons import CouponLine
from loyalty.models import CouponEvent, CouponTemplate, MemberCoupon, TopUpMethod
from loyalty.services.checkout import PaymentSplit, checkout_order, checkout_price, order_refund
from loyalty.services.coupons import (
    coupon_give_goodwill,
    coupon_issue,
    coupon_redeem,
    coupon_release,
)
from loyalty.services.wallet import wallet_top_up
from membership.models import StaffAction
from membership.services.orders import OrderLineInput
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    member = MemberFactory(tier=TierFactory())
    wallet_top_up(member=member, amount=D("500"), method=TopUpMethod.CASH, idempotency_key="seed")
    return {
        "member": member,
        "staff": StaffFactory(),
        "suit": ServiceCategoryFactory(code="suit", default_price=D("45")),
        "shirt": ServiceCategoryFactory(code="shirt", default_price=D("18")),
        "curtain": ServiceCategoryFactory(code="curtain", default_price=D("80")),
    }


def template(**kwargs) -> CouponTemplate:
    fields = {"name_zh": "券", "amount_off": D("50")} | kwargs
    made = CouponTemplate(**fields)
    made.full_clean()
    made.save()
    return made


def give(member, tpl, key="c", **kwargs) -> MemberCoupon:
    return coupon_issue(member=member, template=tpl, idempotency_key=key, **kwargs)


def line(category, quantity, amount):
    return CouponLine(category_id=category.pk, quantity=quantity, amount=D(amount))


# --- the owner's terms: clear messages, and the database refuses the same ---------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount_off": None}, "amount_off", "Enter the amount"),
        ({"max_discount": D("10")}, "max_discount", "needs no cap"),
        ({"value_type": "percent", "amount_off": None}, "percent_off", "Enter the percent"),
        (
            {"value_type": "percent", "amount_off": None, "percent_off": D("20")},
            "max_discount",
            "needs a cap",
        ),
        ({"value_type": "percent", "percent_off": D("101")}, "percent_off", "100"),
        ({"value_type": "free_item", "amount_off": None}, "free_category", "Choose the service"),
        ({"valid_days": None}, "valid_days", "fixed dates"),
        ({"ends_on": date(2026, 12, 31)}, "valid_days", "Choose one"),
        (
            {"valid_days": None, "starts_on": date(2027, 1, 2), "ends_on": date(2027, 1, 1)},
            "ends_on",
            "before the first day",
        ),
        ({"uses_per_coupon": 0}, "uses_per_coupon", "greater than or equal to 1"),
        ({"per_member_limit": 0}, "per_member_limit", "greater than or equal to 1"),
    ],
)
def test_the_owner_gets_a_clear_message_for_terms_that_make_no_sense(fields, field, message):
    with pytest.raises(ValidationError) as caught:
        template(**fields)
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])


def test_free_item_with_a_scope_is_refused(shop):
    with pytest.raises(ValidationError, match="already names its service"):
        template(
            value_type="free_item",
            amount_off=None,
            free_category=shop["shirt"],
            scope_category=shop["suit"],
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"value_type": "fixed", "amount_off": None},
        {"value_type": "percent", "amount_off": None, "percent_off": D("20")},  # no cap
        {"value_type": "percent", "amount_off": None, "percent_off": D("120"), "max_discount": 9},
        {"value_type": "free_item", "amount_off": None},
        {"valid_days": None},
        {"valid_days": 30, "ends_on": date(2027, 1, 1)},
        {"uses_per_coupon": 0},
    ],
)
def test_the_database_refuses_what_clean_refuses(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        CouponTemplate.objects.create(**({"name_zh": "券", "amount_off": D("50")} | fields))


# --- issuing: a snapshot of the terms -------------------------------------------------------


def test_an_issued_coupon_keeps_its_terms_when_the_template_changes(shop):
    tpl = template(
        value_type="percent",
        amount_off=None,
        percent_off=D("20"),
        max_discount=D("30"),
        scope_category=shop["curtain"],
        min_spend=D("100"),
        uses_per_coupon=3,
        per_member_limit=5,
    )
    coupon = give(shop["member"], tpl)
    CouponTemplate.objects.filter(pk=tpl.pk).update(percent_off=D("50"), max_discount=D("99"))

    coupon.refresh_from_db()
    assert (coupon.value_type, coupon.percent_off, coupon.max_discount) == (
        "percent",
        D("20"),
        D("30"),
    )
    assert coupon.scope_category == shop["curtain"] and coupon.min_spend == D("100")
    assert coupon.uses_total == coupon.uses_left == 3 and coupon.per_member_limit == 5
    assert coupon.face_value == D("30")


def test_fixed_dates_are_whole_days_on_the_shops_calendar(shop):
    today = timezone.localdate()
    tpl = template(
        valid_days=None, starts_on=today + timedelta(days=2), ends_on=today + timedelta(days=9)
    )
    coupon = give(shop["member"], tpl)
    tz = timezone.get_current_timezone()
    assert coupon.valid_from == datetime.combine(today + timedelta(days=2), datetime.min.time(), tz)
    assert coupon.valid_until == datetime.combine(
        today + timedelta(days=10), datetime.min.time(), tz
    )
    assert coupon.last_day == today + timedelta(days=9)


def test_a_template_whose_last_day_has_passed_is_not_given(shop):
    tpl = template(valid_days=None, ends_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError, match="last day has passed"):
        give(shop["member"], tpl)
    assert not MemberCoupon.objects.exists()


def test_a_free_item_coupon_is_worth_the_items_list_price(shop):
    tpl = template(value_type="free_item", amount_off=None, free_category=shop["shirt"])
    assert give(shop["member"], tpl).face_value == D("18")


# --- redemption: uses, release, the per-member limit ----------------------------------------


def test_a_multi_use_coupon_counts_down_and_a_release_gives_one_use_back(shop):
    coupon = give(shop["member"], template(uses_per_coupon=2, min_spend=D("0")))
    first = coupon_redeem(coupon=coupon, order_total=D("80"), idempotency_key="o1")
    assert first.discount == D("50") and first.coupon.uses_left == 1
    assert first.coupon.status == MemberCoupon.Status.AVAILABLE
    second = coupon_redeem(coupon=coupon, order_total=D("80"), idempotency_key="o2")
    assert second.coupon.uses_left == 0 and second.coupon.status == MemberCoupon.Status.REDEEMED
    with pytest.raises(ValidationError, match="already been used"):
        coupon_redeem(coupon=coupon, order_total=D("80"), idempotency_key="o3")

    coupon_release(coupon=coupon, redemption=first.event, idempotency_key="r1")
    coupon.refresh_from_db()
    assert coupon.uses_left == 1 and coupon.status == MemberCoupon.Status.AVAILABLE
    with pytest.raises(ValidationError, match="not been used"):  # that use is back already
        coupon_release(coupon=coupon, redemption=first.event, idempotency_key="r2")
    assert coupon_release(coupon=coupon, redemption=first.event, idempotency_key="r1")  # retry
    coupon_release(coupon=coupon, idempotency_key="r3")  # the other use
    coupon.refresh_from_db()
    assert coupon.uses_left == 2
    with pytest.raises(ValidationError, match="not been used"):
        coupon_release(coupon=coupon, idempotency_key="r4")


def test_the_database_never_lets_uses_go_below_zero_or_above_the_total(shop):
    coupon = give(shop["member"], template())
    for uses_left in (-1, 2):
        with pytest.raises(IntegrityError), transaction.atomic():
            MemberCoupon.objects.filter(pk=coupon.pk).update(uses_left=uses_left)
    with pytest.raises(IntegrityError), transaction.atomic():  # used up but still available
        MemberCoupon.objects.filter(pk=coupon.pk).update(uses_left=0)


def test_the_per_member_limit_counts_every_coupon_of_the_template(shop):
    tpl = template(per_member_limit=1)
    first, second = give(shop["member"], tpl, "a"), give(shop["member"], tpl, "b")
    used = coupon_redeem(coupon=first, order_total=D("100"), idempotency_key="o1")
    with pytest.raises(ValidationError, match="1 times per member"):
        coupon_redeem(coupon=second, order_total=D("100"), idempotency_key="o2")
    coupon_release(coupon=first, redemption=used.event, idempotency_key="r1")  # refunded
    assert coupon_redeem(coupon=second, order_total=D("100"), idempotency_key="o2").discount
    # another member's coupons of the same template are theirs
    other = give(MemberFactory(), tpl, "x")
    assert coupon_redeem(coupon=other, order_total=D("100"), idempotency_key="o3").discount


def test_redemption_is_decided_by_the_engine_on_the_lines(shop):
    tpl = template(scope_category=shop["curtain"], min_spend=D("100"))
    coupon = give(shop["member"], tpl)
    with pytest.raises(ValidationError, match="at least 100.00 of Category"):
        coupon_redeem(
            coupon=coupon,
            lines=[line(shop["suit"], 3, "300"), line(shop["curtain"], 1, "80")],
            idempotency_key="o1",
        )
    with pytest.raises(ValidationError, match="only for"):
        coupon_redeem(coupon=coupon, lines=[line(shop["suit"], 3, "300")], idempotency_key="o1")
    done = coupon_redeem(
        coupon=coupon,
        lines=[line(shop["suit"], 3, "300"), line(shop["curtain"], 2, "160")],
        idempotency_key="o1",
    )
    assert done.discount == D("50") and done.event.order_total == D("460")
    assert CouponEvent.objects.filter(kind="redeem").count() == 1


def test_a_coupon_not_yet_valid_is_refused(shop):
    today = timezone.localdate()
    tpl = template(
        valid_days=None, starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=5)
    )
    coupon = give(shop["member"], tpl)
    with pytest.raises(ValidationError, match="not valid today"):
        coupon_redeem(coupon=coupon, order_total=D("100"), idempotency_key="o")


# --- checkout with every value type ---------------------------------------------------------


def order_lines(shop, *, shirts=2, suits=1, curtains=0):
    lines = []
    for key, count, price in (
        ("shirt", shirts, 18),
        ("suit", suits, 45),
        ("curtain", curtains, 80),
    ):
        if count:
            lines.append(
                OrderLineInput(category=shop[key], quantity=count, amount=D(price * count))
            )
    return lines


def checkout_with(shop, coupon, lines, *, key="k"):
    """Record the order, the amount due paid in cash."""
    price = checkout_price(member=shop["member"], lines=lines, coupon=coupon)
    return checkout_order(
        member=shop["member"],
        store=shop["staff"].store,
        lines=lines,
        payments=PaymentSplit(cash=price.due),
        coupon=coupon,
        acting_user=shop["staff"],
        idempotency_key=key,
    )


def test_checkout_with_a_percent_coupon_takes_its_capped_share(shop):
    tpl = template(value_type="percent", amount_off=None, percent_off=D("20"), max_discount=D("10"))
    coupon = give(shop["member"], tpl)
    order = checkout_with(shop, coupon, order_lines(shop, shirts=2, suits=0))  # 36 -> 7.20
    assert order.coupon_discount == D("7.20") and order.total == D("28.80")


def test_checkout_with_a_free_shirt_takes_one_shirt_off(shop):
    tpl = template(value_type="free_item", amount_off=None, free_category=shop["shirt"])
    coupon = give(shop["member"], tpl)
    order = checkout_with(shop, coupon, order_lines(shop, shirts=3, suits=1))
    assert order.coupon_discount == D("18.00") and order.total == D("81.00")
    coupon.refresh_from_db()
    assert coupon.uses_left == 0


def test_checkout_refuses_a_free_shirt_without_a_shirt_and_a_scoped_coupon_off_scope(shop):
    free = give(
        shop["member"],
        template(value_type="free_item", amount_off=None, free_category=shop["shirt"]),
        "free",
    )
    with pytest.raises(ValidationError, match="which is not in this order"):
        checkout_with(shop, free, order_lines(shop, shirts=0, suits=2))
    scoped = give(shop["member"], template(scope_category=shop["curtain"]), "scoped")
    with pytest.raises(ValidationError, match="only for"):
        checkout_with(shop, scoped, order_lines(shop, shirts=0, suits=2))


def test_a_refund_gives_a_multi_use_coupon_its_use_back(shop):
    coupon = give(shop["member"], template(uses_per_coupon=3, amount_off=D("5")))
    first = checkout_with(shop, coupon, order_lines(shop), key="k1")
    checkout_with(shop, coupon, order_lines(shop), key="k2")
    coupon.refresh_from_db()
    assert coupon.uses_left == 1

    order_refund(order=first, reason="Complaint", acting_user=shop["staff"])

    coupon.refresh_from_db()
    assert coupon.uses_left == 2
    release = CouponEvent.objects.get(kind="release")
    assert release.reverses.source_id == first.number


# --- goodwill coupon by hand ----------------------------------------------------------------


def test_staff_give_a_goodwill_coupon_once_per_form_with_an_audit_row(shop):
    tpl = template(name_zh="补偿券")
    given = [
        coupon_give_goodwill(
            member=shop["member"],
            template=tpl,
            reason="Stain not removed",
            acting_user=shop["staff"],
            idempotency_key="form-1",
        )
        for _ in range(2)  # a double submit
    ]
    assert given[0].pk == given[1].pk and MemberCoupon.objects.count() == 1
    audit = StaffAction.objects.get(action="coupon.goodwill")
    assert audit.actor == shop["staff"] and audit.member == shop["member"]
    assert audit.details["reason"] == "Stain not removed" and audit.details["coupon"] == "补偿券"
    assert given[0].source_type == "goodwill"
    assert CouponEvent.objects.get(kind="issue").acting_user == shop["staff"]


@pytest.mark.parametrize(("reason", "message"), [("  ", "Say why"), ("x" * 256, "under 255")])
def test_a_goodwill_coupon_needs_a_short_reason(shop, reason, message):
    with pytest.raises(ValidationError, match=message):
        coupon_give_goodwill(
            member=shop["member"],
            template=template(),
            reason=reason,
            acting_user=shop["staff"],
            idempotency_key="k",
        )
    assert not MemberCoupon.objects.exists() and not StaffAction.objects.exists()


def test_an_inactive_template_is_not_given_and_nothing_is_audited(shop):
    with pytest.raises(ValidationError, match="no longer handed out"):
        coupon_give_goodwill(
            member=shop["member"],
            template=template(is_active=False),
            reason="Late",
            acting_user=shop["staff"],
            idempotency_key="k",
        )
    assert not StaffAction.objects.filter(action="coupon.goodwill").exists()


# --- the owner's snippet in /cms/ -----------------------------------------------------------

COUPON_ADD = "/cms/snippets/loyalty/coupontemplate/add/"


def snippet_data(**fields):
    return {
        "name_zh": "八折券",
        "name_en": "20% off",
        "value_type": "percent",
        "min_spend": "0",
        "valid_days": "30",
        "uses_per_coupon": "1",
        "is_active": "on",
    } | fields


def test_the_owner_creates_a_percent_coupon_with_a_cap_in_the_back_office(client, owner_user, shop):
    client.force_login(owner_user)
    response = client.post(
        COUPON_ADD,
        snippet_data(percent_off="20", max_discount="30", scope_category=shop["curtain"].pk),
    )
    assert response.status_code == 302
    made = CouponTemplate.objects.get()
    assert (made.percent_off, made.max_discount, made.scope_category) == (
        D("20"),
        D("30"),
        shop["curtain"],
    )


def test_the_back_office_says_what_is_missing_and_saves_nothing(client, owner_user):
    client.force_login(owner_user)
    response = client.post(COUPON_ADD, snippet_data(percent_off="20"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "A percent coupon needs a cap" in response.content.decode()
    both = client.post(
        COUPON_ADD,
        snippet_data(value_type="fixed", amount_off="5", ends_on="2027-01-31"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Choose one: a number of days or fixed dates" in both.content.decode()
    assert not CouponTemplate.objects.exists()
