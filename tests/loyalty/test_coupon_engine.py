"""The coupon engine: every value type, scope, minimum and validity edge (no database)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.engine.coupons import (
    CouponLine,
    CouponOrder,
    CouponTerms,
    Reason,
    ValueType,
    coupon_evaluate,
    coupon_face_value,
    coupon_state,
    coupon_window,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SHIRT, SUIT, CURTAIN = 1, 2, 3


def terms(**kwargs) -> CouponTerms:
    defaults = {
        "value_type": ValueType.FIXED,
        "amount_off": D("50"),
        "valid_from": NOW - timedelta(days=1),
        "valid_until": NOW + timedelta(days=29),
    }
    return CouponTerms(**(defaults | kwargs))


def order(*lines, at=NOW) -> CouponOrder:
    return CouponOrder(
        lines=tuple(CouponLine(category_id=c, quantity=q, amount=D(a)) for c, q, a in lines), at=at
    )


def decide(coupon, *lines, at=NOW):
    return coupon_evaluate(coupon, order(*lines, at=at))


# --- fixed amount ---------------------------------------------------------------------------


def test_fixed_amount_takes_its_amount_off():
    decision = decide(terms(min_spend=D("200")), (SUIT, 2, "260"))
    assert decision.applicable and decision.reason is Reason.OK
    assert decision.discount == D("50") and decision.base == D("260")


def test_fixed_amount_never_exceeds_the_order():
    decision = decide(terms(amount_off=D("50")), (SHIRT, 1, "18"))
    assert decision.discount == D("18")


# --- minimum spend --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "applies"), [("199.99", False), ("200.00", True), ("200.01", True)]
)
def test_minimum_spend_is_inclusive(total, applies):
    decision = decide(terms(min_spend=D("200")), (SUIT, 1, total))
    assert decision.applicable is applies
    if not applies:
        assert decision.reason is Reason.MIN_SPEND and decision.base == D(total)
        assert decision.discount == 0


def test_minimum_spend_counts_every_line_of_an_unscoped_coupon():
    decision = decide(terms(min_spend=D("200")), (SUIT, 1, "150"), (SHIRT, 3, "54"))
    assert decision.applicable and decision.base == D("204")


def test_no_minimum_but_nothing_to_pay_is_refused():
    decision = decide(terms(min_spend=D("0")), (SUIT, 1, "0"))
    assert decision.reason is Reason.NOTHING_TO_DISCOUNT and decision.discount == 0
    assert decide(terms()).reason is Reason.NOTHING_TO_DISCOUNT  # no line at all


# --- percent with a cap ---------------------------------------------------------------------


def test_percent_takes_its_share_rounded_half_up():
    coupon = terms(
        value_type=ValueType.PERCENT, amount_off=None, percent_off=D("15"), max_discount=D("100")
    )
    # 15% of 33.30 = 4.995 -> 5.00 (half up)
    assert decide(coupon, (SHIRT, 1, "33.30")).discount == D("5.00")


def test_percent_stops_at_its_cap():
    coupon = terms(
        value_type=ValueType.PERCENT, amount_off=None, percent_off=D("20"), max_discount=D("30")
    )
    assert decide(coupon, (SUIT, 1, "100")).discount == D("20.00")  # under the cap
    assert decide(coupon, (SUIT, 1, "150")).discount == D("30.00")  # exactly the cap
    assert decide(coupon, (SUIT, 1, "400")).discount == D("30")  # capped


def test_a_hundred_percent_takes_the_whole_base_and_no_more():
    coupon = terms(
        value_type=ValueType.PERCENT, amount_off=None, percent_off=D("100"), max_discount=D("999")
    )
    assert decide(coupon, (SUIT, 1, "88")).discount == D("88.00")


def test_a_percent_so_small_it_rounds_to_nothing_is_refused():
    coupon = terms(
        value_type=ValueType.PERCENT, amount_off=None, percent_off=D("1"), max_discount=D("5")
    )
    assert decide(coupon, (SHIRT, 1, "0.40")).reason is Reason.NOTHING_TO_DISCOUNT


# --- free item ------------------------------------------------------------------------------


def free_shirt(**kwargs):
    return terms(value_type=ValueType.FREE_ITEM, amount_off=None, free_category_id=SHIRT, **kwargs)


def test_free_item_takes_one_unit_of_its_category_off():
    decision = decide(free_shirt(), (SHIRT, 3, "54"), (SUIT, 1, "120"))
    assert decision.applicable and decision.discount == D("18.00")


def test_free_item_unit_of_an_uneven_line_is_rounded_down():
    assert decide(free_shirt(), (SHIRT, 3, "50")).discount == D("16.66")


def test_free_item_takes_the_cheapest_unit_when_several_lines_have_it():
    decision = decide(free_shirt(), (SHIRT, 1, "25"), (SHIRT, 2, "36"))
    assert decision.discount == D("18.00")


def test_free_item_is_refused_without_its_item():
    decision = decide(free_shirt(), (SUIT, 1, "120"))
    assert decision.reason is Reason.NO_FREE_ITEM and not decision.applicable
    # a line of the item with nothing left to pay (a package covered it) does not count
    assert decide(free_shirt(), (SHIRT, 1, "0"), (SUIT, 1, "120")).reason is Reason.NO_FREE_ITEM


def test_free_item_respects_a_cap_and_the_minimum_on_the_whole_order():
    capped = free_shirt(max_discount=D("10"))
    assert decide(capped, (SHIRT, 1, "18")).discount == D("10")
    with_minimum = free_shirt(min_spend=D("100"))
    assert decide(with_minimum, (SHIRT, 1, "18")).reason is Reason.MIN_SPEND
    assert decide(with_minimum, (SHIRT, 1, "18"), (SUIT, 1, "82")).discount == D("18.00")


# --- category scope -------------------------------------------------------------------------


def test_a_scoped_coupon_needs_a_line_of_its_category():
    coupon = terms(scope_category_id=CURTAIN)
    assert decide(coupon, (SUIT, 1, "300")).reason is Reason.OUT_OF_SCOPE


def test_a_scoped_coupon_counts_only_its_category_for_minimum_and_discount():
    coupon = terms(scope_category_id=CURTAIN, min_spend=D("100"), amount_off=D("50"))
    # 300 of suits do not help a curtain coupon reach its minimum
    below = decide(coupon, (SUIT, 1, "300"), (CURTAIN, 1, "80"))
    assert below.reason is Reason.MIN_SPEND and below.base == D("80")
    # the discount stops at the curtains' amount
    small = terms(scope_category_id=CURTAIN, amount_off=D("50"))
    assert decide(small, (SUIT, 1, "300"), (CURTAIN, 1, "30")).discount == D("30")


def test_a_scoped_percent_coupon_takes_its_share_of_the_category_only():
    coupon = terms(
        value_type=ValueType.PERCENT,
        amount_off=None,
        percent_off=D("10"),
        max_discount=D("100"),
        scope_category_id=CURTAIN,
    )
    assert decide(coupon, (SUIT, 1, "300"), (CURTAIN, 2, "200")).discount == D("20.00")


# --- validity, uses, per-member limit -------------------------------------------------------


def test_validity_window_includes_its_start_and_excludes_its_end():
    coupon = terms(valid_from=NOW, valid_until=NOW + timedelta(days=1))
    line = (SUIT, 1, "300")
    assert decide(coupon, line, at=NOW).applicable
    assert decide(coupon, line, at=NOW - timedelta(microseconds=1)).reason is Reason.NOT_YET
    last = NOW + timedelta(days=1) - timedelta(microseconds=1)
    assert decide(coupon, line, at=last).applicable
    assert decide(coupon, line, at=NOW + timedelta(days=1)).reason is Reason.EXPIRED


def test_a_coupon_with_no_use_left_is_used_up_whatever_else():
    coupon = terms(uses_left=0, valid_until=NOW)  # used up and expired: used up wins
    assert decide(coupon, (SUIT, 1, "300")).reason is Reason.USED_UP


def test_the_per_member_limit():
    line = (SUIT, 1, "300")
    assert decide(terms(member_limit=2, member_uses=1), line).applicable
    assert decide(terms(member_limit=2, member_uses=2), line).reason is Reason.MEMBER_LIMIT
    assert decide(terms(member_limit=None, member_uses=99), line).applicable


def test_state_without_an_order_is_what_the_lists_show():
    assert coupon_state(terms(), NOW) is Reason.OK
    assert coupon_state(terms(uses_left=0), NOW) is Reason.USED_UP
    assert coupon_state(terms(valid_from=NOW + timedelta(hours=1)), NOW) is Reason.NOT_YET
    assert coupon_state(terms(valid_until=NOW), NOW) is Reason.EXPIRED
    assert coupon_state(terms(member_limit=1, member_uses=1), NOW) is Reason.MEMBER_LIMIT


# --- window and face value ------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_window_n_days_from_issue():
    assert coupon_window(
        issued_at=NOW, valid_days=30, starts_on=None, ends_on=None, tz=SHANGHAI
    ) == (NOW, NOW + timedelta(days=30))


def test_window_fixed_dates_are_whole_days_on_the_shops_calendar():
    start, end = coupon_window(
        issued_at=NOW,
        valid_days=None,
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 31),
        tz=SHANGHAI,
    )
    assert start == datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert end == datetime(2027, 1, 1, tzinfo=SHANGHAI)  # the last day is included


def test_window_a_start_already_past_starts_at_issue_and_an_end_past_is_empty():
    start, end = coupon_window(
        issued_at=NOW,
        valid_days=None,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 11, 30),
        tz=SHANGHAI,
    )
    assert start == NOW and end == datetime(2026, 12, 1, tzinfo=SHANGHAI)
    start, end = coupon_window(
        issued_at=NOW, valid_days=None, starts_on=None, ends_on=date(2026, 11, 1), tz=SHANGHAI
    )
    assert end <= start  # the caller refuses to issue it


def test_window_needs_days_or_an_end():
    with pytest.raises(ValueError):
        coupon_window(issued_at=NOW, valid_days=None, starts_on=None, ends_on=None, tz=SHANGHAI)


def test_face_value_ranks_the_types_by_the_most_they_take_off():
    assert coupon_face_value(terms(amount_off=D("50"))) == D("50")
    percent = terms(
        value_type=ValueType.PERCENT, amount_off=None, percent_off=D("20"), max_discount=D("30")
    )
    assert coupon_face_value(percent) == D("30")
    assert coupon_face_value(free_shirt(), free_item_price=D("18")) == D("18")
    assert coupon_face_value(free_shirt(max_discount=D("10")), free_item_price=D("18")) == D("10")


# --- properties -----------------------------------------------------------------------------

money = st.decimals(min_value=D("0"), max_value=D("5000"), places=2)


@given(
    kind=st.sampled_from(list(ValueType)),
    amount=st.decimals(min_value=D("0.01"), max_value=D("500"), places=2),
    percent=st.decimals(min_value=D("0.01"), max_value=D("100"), places=2),
    cap=st.decimals(min_value=D("0.01"), max_value=D("500"), places=2),
    min_spend=money,
    scope=st.sampled_from([None, SHIRT, SUIT]),
    lines=st.lists(
        st.tuples(st.sampled_from([SHIRT, SUIT, CURTAIN]), st.integers(1, 20), money), max_size=4
    ),
)
def test_the_discount_is_never_negative_nor_more_than_the_base_or_the_order(
    kind, amount, percent, cap, min_spend, scope, lines
):
    coupon = terms(
        value_type=kind,
        amount_off=amount if kind is ValueType.FIXED else None,
        percent_off=percent if kind is ValueType.PERCENT else None,
        max_discount=cap if kind is not ValueType.FIXED else None,
        free_category_id=SHIRT if kind is ValueType.FREE_ITEM else None,
        scope_category_id=scope if kind is not ValueType.FREE_ITEM else None,
        min_spend=min_spend,
    )
    the_order = order(*lines)
    decision = coupon_evaluate(coupon, the_order)
    if decision.applicable:
        assert D("0") < decision.discount <= decision.base <= the_order.total
        assert decision.base >= min_spend
        assert decision.discount == decision.discount.quantize(D("0.01"))
        if kind is not ValueType.FIXED:
            assert decision.discount <= cap
    else:
        assert decision.discount == 0
    # the same coupon with no use left never applies
    assert not coupon_evaluate(replace(coupon, uses_left=0), the_order).applicable
