"""Paying part of an order with points: the caps in the quote, the checkout, refund and void."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty.engine.points_payment import PointsPaymentRule, points_payment_cap, points_value
from loyalty.models import EntryKind, LoyaltySettings, PointsAccount, PointsEntry
from loyalty.services.checkout import (
    PaymentSplit,
    checkout_order,
    checkout_quote,
    order_refund,
    order_void,
)
from loyalty.services.points import points_earn, points_redeem
from membership.models import Order, StaffAction
from membership.services.orders import OrderLineInput
from tests.factories import (
    MemberFactory,
    OrderFactory,
    OwnerFactory,
    ServiceCategoryFactory,
    StaffFactory,
)
from tests.loyalty.helpers import assert_ledger_consistent

D = Decimal


def rule(**kwargs) -> PointsPaymentRule:
    return PointsPaymentRule(
        **({"enabled": True, "rate": 100, "max_percent": 50, "minimum": 0} | kwargs)
    )


# --- the engine: caps ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "balance", "kwargs", "points", "amount"),
    [
        ("100.00", 100_000, {}, 5000, "50.00"),  # the share: 50 % of 100 at 100 points each
        ("100.00", 1234, {}, 1234, "12.34"),  # the balance
        ("100.00", 100_000, {"rate": 3}, 150, "50.00"),  # a rate that does not divide evenly
        ("0.06", 100_000, {"rate": 333}, 10, "0.03"),  # 10 to 13 points all pay 0.03: spend 10
        ("99.99", 100_000, {}, 4999, "49.99"),  # the share rounded down to the cent
        ("100.00", 100_000, {"max_percent": 100}, 10_000, "100.00"),
        ("100.00", 100_000, {"max_percent": 0}, 0, "0.00"),
        ("100.00", 100_000, {"enabled": False}, 0, "0.00"),
        ("100.00", 499, {"minimum": 500}, 0, "0.00"),  # fewer than the minimum: none usable
        ("100.00", 500, {"minimum": 500}, 500, "5.00"),
        ("0.01", 100_000, {"rate": 1000}, 0, "0.00"),  # worth less than a cent
        ("0.00", 100_000, {}, 0, "0.00"),
    ],
)
def test_points_payment_cap(due, balance, kwargs, points, amount):
    cap = points_payment_cap(due=D(due), balance=balance, rule=rule(**kwargs))
    assert (cap.max_points, cap.max_amount) == (points, D(amount))
    assert cap.max_amount <= cap.share_amount


def test_points_value_rounds_down_to_the_cent():
    assert points_value(points=10, rate=3) == D("3.33")
    assert points_value(points=11, rate=3) == D("3.66")
    assert points_value(points=1, rate=100) == D("0.01")
    assert points_value(points=9, rate=1000) == D("0.00")


@pytest.mark.parametrize("rate", [1, 3, 7, 100, 333])
@pytest.mark.parametrize("cents", [1, 7, 99, 1001])
@pytest.mark.parametrize("balance", [0, 5, 40, 10**6])
def test_cap_is_the_most_money_for_the_fewest_points(rate, cents, balance):
    due = D(cents) / 100
    cap = points_payment_cap(due=due, balance=balance, rule=rule(rate=rate))
    values = [points_value(points=p, rate=rate) for p in range(0, min(balance, 30_000) + 1)]
    allowed = [v for v in values if v <= cap.share_amount]
    assert cap.share_amount == (due / 2).quantize(D("0.01"), rounding="ROUND_DOWN")
    assert cap.max_amount == max(allowed)  # the most money within the share and the balance
    assert cap.max_points <= balance
    assert points_value(points=cap.max_points, rate=rate) == cap.max_amount
    if cap.max_points:  # and no fewer points would pay as much
        assert points_value(points=cap.max_points - 1, rate=rate) < cap.max_amount


# --- the checkout -------------------------------------------------------------------------


@pytest.fixture
def points_rule(db):
    row = LoyaltySettings.load()
    row.points_payment_enabled = True
    row.points_payment_rate = 100
    row.points_payment_max_percent = 50
    row.points_payment_minimum = 100
    row.save()
    return row


@pytest.fixture
def shop(points_rule):
    member = MemberFactory()
    staff = StaffFactory()
    points_earn(member=member, base_amount=D("3000"), idempotency_key="seed")  # 3000 points
    return {
        "member": member,
        "staff": staff,
        "suit": ServiceCategoryFactory(code="suit", default_price=D("45")),
    }


def lines(shop, amount="90"):
    return [OrderLineInput(category=shop["suit"], quantity=2, amount=D(amount))]


def quote(shop, payments, amount="90"):
    return checkout_quote(member=shop["member"], lines=lines(shop, amount), payments=payments)


def checkout(shop, payments, *, key="k1", amount="90"):
    return checkout_order(
        member=shop["member"],
        store=shop["staff"].store,
        lines=lines(shop, amount),
        payments=payments,
        acting_user=shop["staff"],
        idempotency_key=key,
    )


def points_account(member) -> PointsAccount:
    return PointsAccount.objects.get(member=member)


def test_quote_shows_the_cap_and_what_the_points_cover(shop):
    q = quote(shop, PaymentSplit(cash=D("80.00"), points=1000))
    assert q.points_cap.max_points == 3000  # the balance; the share would allow 4500
    assert q.points_cap.max_amount == D("30.00")
    assert q.points_amount == D("10.00")
    assert q.paid == D("80.00")
    assert q.total_paid == D("90.00")
    assert q.points == 80  # earned on the 80 paid in money, not on the 10 paid in points


@pytest.mark.parametrize(
    ("points", "cash", "code"),
    [
        (3001, "59.99", "not_enough_points"),  # above the balance
        (50, "89.50", "points_minimum"),
        (4600, "44.00", "not_enough_points"),
    ],
)
def test_quote_refuses_points_beyond_what_is_allowed(shop, points, cash, code):
    with pytest.raises(ValidationError) as exc:
        quote(shop, PaymentSplit(cash=D(cash), points=points))
    assert exc.value.error_dict["points"][0].code == code


def test_quote_refuses_points_above_the_share(shop):
    points_earn(member=shop["member"], base_amount=D("10000"), idempotency_key="more")
    with pytest.raises(ValidationError) as exc:
        quote(shop, PaymentSplit(cash=D("44.00"), points=4600))
    error = exc.value.error_dict["points"][0]
    assert error.code == "points_above_share"
    assert "4500" in error.message


@pytest.mark.parametrize("points", [-1, True, "5"])
def test_quote_refuses_points_that_are_not_a_whole_number(shop, points):
    with pytest.raises(ValidationError):
        quote(shop, PaymentSplit(cash=D("90"), points=points))


def test_quote_refuses_points_when_the_owner_turned_them_off(shop, points_rule):
    points_rule.points_payment_enabled = False
    points_rule.save()
    with pytest.raises(ValidationError) as exc:
        quote(shop, PaymentSplit(cash=D("80"), points=1000))
    assert exc.value.error_dict["points"][0].code == "points_off"


def test_quote_refuses_parts_that_do_not_add_up_with_points(shop):
    with pytest.raises(ValidationError) as exc:
        quote(shop, PaymentSplit(cash=D("90"), points=1000))
    assert exc.value.code == "does_not_add_up"


def test_points_past_their_date_cannot_be_spent(shop, points_rule):
    points_rule.points_expiry_policy = "months"
    points_rule.points_expiry_months = 1
    points_rule.save()
    old = timezone.now() - timedelta(days=400)
    points_earn(member=shop["member"], base_amount=D("500"), idempotency_key="old", now=old)
    assert points_account(shop["member"]).balance == 3500  # the nightly job has not run
    q = quote(shop, PaymentSplit(cash=D("90")))
    assert q.points_cap.balance == 3000  # not 3500: the old lot expires before any spend


def test_checkout_with_points_writes_the_order_and_the_redemption(shop):
    order = checkout(shop, PaymentSplit(cash=D("70.00"), points=2000))
    assert (order.points_redeemed, order.points_amount) == (2000, D("20.00"))
    assert order.total == D("90.00") and order.cash_amount == D("70.00")
    assert order.points_earned == 70
    spent = PointsEntry.objects.get(kind=EntryKind.REDEEM, source_id=order.number)
    assert spent.amount == -2000
    account = points_account(shop["member"])
    assert account.balance == 3000 - 2000 + 70
    audit = StaffAction.objects.get(action="order.checkout", object_id=order.number)
    assert audit.details["points_redeemed"] == 2000
    assert_ledger_consistent(account)


def test_checkout_with_points_is_idempotent(shop):
    first = checkout(shop, PaymentSplit(cash=D("70.00"), points=2000))
    again = checkout(shop, PaymentSplit(cash=D("70.00"), points=2000))
    assert again.pk == first.pk
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM).count() == 1
    assert_ledger_consistent(points_account(shop["member"]))


def test_a_refused_checkout_writes_nothing(shop):
    with pytest.raises(ValidationError):
        checkout(shop, PaymentSplit(cash=D("40.00"), points=5000))
    assert not Order.objects.exists()
    assert points_account(shop["member"]).balance == 3000
    assert_ledger_consistent(points_account(shop["member"]))


@pytest.mark.parametrize("cancel", [order_refund, order_void])
def test_refund_and_void_give_the_points_back(shop, cancel):
    order = checkout(shop, PaymentSplit(cash=D("70.00"), points=2000))
    cancel(order=order, reason="mistake", acting_user=shop["staff"])
    account = points_account(shop["member"])
    assert account.balance == 3000
    given_back = PointsEntry.objects.get(kind=EntryKind.REVERSAL, amount__gt=0)
    assert given_back.amount == 2000
    assert given_back.reverses.kind == EntryKind.REDEEM
    audit = (
        StaffAction.objects.get(object_id=order.number, action__startswith="order.r")
        if (cancel is order_refund)
        else StaffAction.objects.get(object_id=order.number, action="order.voided")
    )
    assert audit.details["points_returned"] == 2000
    assert audit.details["points"] == 70
    assert_ledger_consistent(account)


def test_refund_after_the_earned_points_were_spent_takes_them_from_the_returned(shop):
    order = checkout(shop, PaymentSplit(cash=D("70.00"), points=2000))
    points_redeem(member=shop["member"], points=1070, idempotency_key="spend-all")
    assert points_account(shop["member"]).balance == 0
    order_refund(order=order, reason="damaged", acting_user=shop["staff"])
    account = points_account(shop["member"])
    # 2000 given back, then the 70 earned taken back in full
    assert account.balance == 2000 - 70
    assert_ledger_consistent(account)


def test_the_database_refuses_an_order_whose_points_do_not_add_up(shop):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(
            member=shop["member"],
            subtotal=D("90"),
            total=D("90"),
            cash_amount=D("90"),
            points_amount=D("10"),
            points_redeemed=1000,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(
            member=shop["member"],
            subtotal=D("90"),
            total=D("90"),
            cash_amount=D("80"),
            points_amount=D("10"),
            points_redeemed=0,
        )


# --- the owner's settings ------------------------------------------------------------------


def owner_post(client, row, **fields):
    data = {
        "points_per_currency_unit": "1",
        "points_expiry_policy": "never",
        "points_expiry_months": "12",
        "points_warning_days": "30",
        "tier_warning_days": "7",
        "top_up_amount_choices": "100",
        "top_up_maximum": "1000",
        "pay_by_card": "on",
        "points_payment_enabled": "on",
        "points_payment_rate": "100",
        "points_payment_max_percent": "50",
        "points_payment_minimum": "0",
    } | fields
    return client.post(f"/cms/settings/loyalty/loyaltysettings/{row.pk}/", data)


@pytest.fixture
def owner_client(client, db):
    client.force_login(OwnerFactory())
    return client


def test_owner_sets_how_points_are_spent(owner_client):
    row = LoyaltySettings.load()
    page = owner_client.get(f"/cms/settings/loyalty/loyaltysettings/{row.pk}/")
    assert "Spending points" in page.content.decode()
    response = owner_post(
        owner_client,
        row,
        points_payment_rate="50",
        points_payment_max_percent="30",
        points_payment_minimum="200",
    )
    assert response.status_code == 302
    row = LoyaltySettings.load()
    assert row.points_payment_enabled
    assert (row.points_payment_rate, row.points_payment_max_percent) == (50, 30)
    assert row.points_payment_minimum == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("points_payment_max_percent", "101"),
        ("points_payment_max_percent", "-1"),
        ("points_payment_rate", "0"),
        ("points_payment_rate", "1e3"),
        ("points_payment_minimum", "-5"),
        ("points_payment_minimum", "5\x00"),
    ],
)
def test_owner_cannot_save_spending_settings_out_of_range(owner_client, field, value):
    row = LoyaltySettings.load()
    response = owner_post(owner_client, row, **{field: value})
    assert response.status_code == 200  # the form again, with the error
    assert LoyaltySettings.load().points_payment_enabled is False


@pytest.mark.parametrize(
    "fields",
    [
        {"points_payment_max_percent": 101},
        {"points_payment_rate": 0},
    ],
)
def test_the_database_refuses_spending_settings_out_of_range(db, fields):
    row = LoyaltySettings.load()
    with pytest.raises(IntegrityError), transaction.atomic():
        LoyaltySettings.objects.filter(pk=row.pk).update(**fields)
