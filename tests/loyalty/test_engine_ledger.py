from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.engine.ledger import (
    BonusRuleView,
    Lot,
    allocate_points,
    bonus_to_take_back,
    choose_bonus_rule,
    points_for_amount,
    split_payment,
    stored_value_discount,
)

cents = st.integers(min_value=0, max_value=10**8).map(lambda c: Decimal(c).scaleb(-2))


@given(principal=cents, bonus=cents, data=st.data())
def test_split_payment_parts_add_up_and_stay_within_what_is_held(principal, bonus, data):
    total = principal + bonus
    amount = data.draw(
        st.integers(min_value=0, max_value=int(total * 100)).map(lambda c: Decimal(c).scaleb(-2))
    )
    split = split_payment(amount=amount, principal=principal, bonus=bonus)
    assert split.principal + split.bonus == amount
    assert Decimal(0) <= split.principal <= principal
    assert Decimal(0) <= split.bonus <= bonus


def test_split_payment_refuses_more_than_the_balance():
    with pytest.raises(ValueError):
        split_payment(amount=Decimal("10.01"), principal=Decimal("10"), bonus=Decimal("0"))


def test_points_discount_and_bonus_arithmetic():
    assert (
        points_for_amount(
            base_amount=Decimal("99.99"), points_per_unit=Decimal("1"), multiplier=Decimal("2")
        )
        == 199
    )
    assert (
        points_for_amount(
            base_amount=Decimal("10"), points_per_unit=Decimal("0"), multiplier=Decimal("2")
        )
        == 0
    )
    assert stored_value_discount(
        list_amount=Decimal("33.35"), discount_percent=Decimal("10")
    ) == Decimal("3.34")
    assert stored_value_discount(
        list_amount=Decimal("50"), discount_percent=Decimal("0")
    ) == Decimal("0.00")
    assert bonus_to_take_back(
        refund_principal=Decimal("30"), top_up_principal=Decimal("100"), top_up_bonus=Decimal("20")
    ) == Decimal("6.00")
    assert bonus_to_take_back(
        refund_principal=Decimal("100"), top_up_principal=Decimal("100"), top_up_bonus=Decimal("20")
    ) == Decimal("20")


def test_highest_matching_bonus_rule_wins():
    rules = [
        BonusRuleView(1, Decimal("100"), Decimal("20"), None),
        BonusRuleView(2, Decimal("500"), Decimal("0"), 7),
    ]
    assert choose_bonus_rule(amount=Decimal("99.99"), rules=rules) is None
    assert choose_bonus_rule(amount=Decimal("499"), rules=rules).id == 1
    assert choose_bonus_rule(amount=Decimal("500"), rules=rules).package_id == 7


def test_allocation_takes_soonest_expiring_then_never_expiring_last():
    t = datetime(2025, 1, 1, tzinfo=UTC)
    lots = [
        Lot(1, 10, None, t),
        Lot(2, 10, datetime(2025, 6, 1, tzinfo=UTC), t),
        Lot(3, 10, datetime(2025, 3, 1, tzinfo=UTC), t),
    ]
    assert allocate_points(points=25, lots=lots) == [(3, 10), (2, 10), (1, 5)]
    assert allocate_points(points=5, lots=lots, first=1) == [(1, 5)]
    with pytest.raises(ValueError):
        allocate_points(points=31, lots=lots)
