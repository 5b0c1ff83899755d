from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from membership.models import Order, OrderLine
from membership.services.orders import (
    OrderLineInput,
    OrderSettlement,
    order_mark_cancelled,
    order_record,
)
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    staff = StaffFactory()
    return {
        "member": MemberFactory(),
        "store": staff.store,
        "staff": staff,
        "suit": ServiceCategoryFactory(code="suit", default_price=Decimal("45")),
        "shirt": ServiceCategoryFactory(code="shirt", default_price=Decimal("12")),
    }


def _lines(s):
    return [
        OrderLineInput(category=s["suit"], quantity=2, amount=Decimal("90.00")),
        OrderLineInput(category=s["shirt"], quantity=3, amount=Decimal("36.00")),
    ]


def test_order_record_writes_order_and_lines_paid_in_cash_by_default(setting):
    order = order_record(
        member=setting["member"],
        store=setting["store"],
        lines=_lines(setting),
        is_express=True,
        acting_user=setting["staff"],
    )

    order.refresh_from_db()
    assert order.subtotal == Decimal("126.00")
    assert order.total == Decimal("126.00")
    assert order.cash_amount == Decimal("126.00")
    assert order.is_express is True and order.needs_pickup_delivery is False
    assert order.created_by == setting["staff"]
    assert order.number.startswith("O") and len(order.number) == 13
    assert sorted(order.lines.values_list("quantity", flat=True)) == [2, 3]
    setting["member"].refresh_from_db()
    assert setting["member"].first_visit_at == order.created_at


def test_order_record_keeps_the_settlement_breakdown(setting):
    settlement = OrderSettlement(
        coupon_discount=Decimal("20.00"),
        coupon_label="20 off",
        tier_discount_percent=Decimal("10"),
        tier_discount=Decimal("6.00"),
        wallet_amount=Decimal("54.00"),
        cash_amount=Decimal("46.00"),
        points_earned=200,
    )
    order = order_record(
        member=setting["member"],
        store=setting["store"],
        lines=_lines(setting),
        settlement=settlement,
    )
    order.refresh_from_db()
    assert order.discount == Decimal("26.00")
    assert order.total == Decimal("100.00")
    assert (order.wallet_amount, order.cash_amount, order.card_amount) == (
        Decimal("54.00"),
        Decimal("46.00"),
        Decimal("0.00"),
    )
    assert order.points_earned == 200 and order.coupon_label == "20 off"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "at least one item"),
        ([("suit", 0, "10")], "between 1 and"),
        ([("suit", 1, "-5")], "cannot be negative"),
        ([("suit", 1, "0")], "greater than zero"),
        ([("suit", 1, "1.234")], "2 decimal places"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(setting, lines, message):
    bad = [
        OrderLineInput(category=setting[code], quantity=qty, amount=Decimal(amount))
        for code, qty, amount in lines
    ]
    with pytest.raises(ValidationError) as error:
        order_record(member=setting["member"], store=setting["store"], lines=bad)
    assert message in str(error.value)
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_settlement_that_does_not_add_up_is_refused(setting):
    with pytest.raises(ValidationError, match="must add up"):
        order_record(
            member=setting["member"],
            store=setting["store"],
            lines=_lines(setting),
            settlement=OrderSettlement(cash_amount=Decimal("100")),
        )
    with pytest.raises(ValidationError, match="cannot be negative"):
        order_record(
            member=setting["member"],
            store=setting["store"],
            lines=_lines(setting),
            settlement=OrderSettlement(cash_amount=Decimal("136"), card_amount=Decimal("-10")),
        )
    assert Order.objects.count() == 0


def test_the_database_refuses_a_total_that_is_not_the_sum_of_payments(setting):
    with pytest.raises(IntegrityError):
        Order.objects.create(
            member=setting["member"],
            store=setting["store"],
            number="X1",
            subtotal=Decimal("10"),
            total=Decimal("10"),
            cash_amount=Decimal("5"),
        )


def test_the_same_idempotency_key_cannot_record_two_orders(setting):
    order_record(
        member=setting["member"],
        store=setting["store"],
        lines=_lines(setting),
        idempotency_key="k1",
    )
    with pytest.raises(IntegrityError):
        order_record(
            member=setting["member"],
            store=setting["store"],
            lines=_lines(setting),
            idempotency_key="k1",
        )
    assert Order.objects.count() == 1


def test_mark_cancelled_records_who_when_why_and_refuses_twice(setting):
    order = order_record(member=setting["member"], store=setting["store"], lines=_lines(setting))

    with pytest.raises(ValidationError, match="Say why"):
        order_mark_cancelled(
            order=order, status=Order.Status.REFUNDED, reason="  ", acting_user=setting["staff"]
        )
    done = order_mark_cancelled(
        order=order, status=Order.Status.REFUNDED, reason="Stain", acting_user=setting["staff"]
    )
    assert done.status == Order.Status.REFUNDED
    assert done.cancelled_by == setting["staff"] and done.cancelled_at is not None
    assert done.cancel_reason == "Stain"
    with pytest.raises(ValidationError, match="already refunded"):
        order_mark_cancelled(
            order=order, status=Order.Status.VOIDED, reason="Again", acting_user=setting["staff"]
        )
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.cancel_reason == "Stain"


def test_a_line_without_an_amount_is_priced_at_list_price_times_the_count():
    from decimal import Decimal

    from membership.services.orders import order_line_priced
    from tests.factories import ServiceCategoryFactory

    shirts = ServiceCategoryFactory.build(default_price=Decimal("12.50"))

    assert order_line_priced(category=shirts, quantity=3, amount=None).amount == Decimal("37.50")
    assert order_line_priced(category=shirts, quantity=3, amount=Decimal("30")).amount == 30
