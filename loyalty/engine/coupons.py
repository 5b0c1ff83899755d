"""The coupon engine: does a coupon apply to an order, and what does it take off.

Pure Python over dataclasses (no ORM, no clock): the checkout, the counter form, the
member's coupon list and the redemption service all ask here, so the rules are written once.

The terms (``CouponTerms``) are the snapshot an issued coupon keeps, plus how often the
member has already used coupons of the same template (the per-member limit). The order
(``CouponOrder``) is its lines after a package has covered what it covers, and the time.

How a coupon is decided, in this order (the first failing check is the reason):

1. it has uses left;
2. ``valid_from <= at < valid_until``;
3. the member is under the template's per-member limit;
4. a scoped coupon needs a line of its category; a free-item coupon a line of its item;
5. the base (the scoped lines, or the whole order) reaches the minimum spend;
6. something is left to take off.

The discount: a fixed amount; a percent of the base, rounded to the cent (half up), at most
the cap; or one unit of the free item's category (its cheapest unit, at most the cap). It
never exceeds the base, so it never exceeds the order.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")


class ValueType(StrEnum):
    FIXED = "fixed"
    PERCENT = "percent"
    FREE_ITEM = "free_item"


class Reason(StrEnum):
    """Why a coupon does (``OK``) or does not apply."""

    OK = "ok"
    USED_UP = "used"
    NOT_YET = "not_yet"
    EXPIRED = "expired"
    MEMBER_LIMIT = "member_limit"
    OUT_OF_SCOPE = "out_of_scope"
    NO_FREE_ITEM = "no_free_item"
    MIN_SPEND = "min_spend"
    NOTHING_TO_DISCOUNT = "nothing_to_discount"


@dataclass(frozen=True)
class CouponTerms:
    value_type: ValueType
    valid_from: datetime
    valid_until: datetime
    amount_off: Decimal | None = None
    percent_off: Decimal | None = None
    max_discount: Decimal | None = None  # the cap (percent, free item)
    free_category_id: int | None = None
    scope_category_id: int | None = None
    min_spend: Decimal = ZERO
    uses_left: int = 1
    member_limit: int | None = None  # uses of this template per member; None: no limit
    member_uses: int = 0  # uses of this template by the member so far (net of refunds)


@dataclass(frozen=True)
class CouponLine:
    """One order line: a category, how many, and the line's amount (after package cover)."""

    category_id: int | None
    quantity: int
    amount: Decimal

    @property
    def unit_price(self) -> Decimal:
        """One unit's share of the line, rounded down (a free unit never exceeds the line)."""
        if self.quantity <= 0:
            return ZERO
        return (self.amount / self.quantity).quantize(CENT, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class CouponOrder:
    lines: tuple[CouponLine, ...]
    at: datetime

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass(frozen=True)
class CouponDecision:
    reason: Reason
    discount: Decimal = ZERO
    base: Decimal = ZERO  # what the minimum spend was checked against

    @property
    def applicable(self) -> bool:
        return self.reason is Reason.OK


def coupon_state(terms: CouponTerms, at: datetime) -> Reason:
    """Usable at ``at`` on some order (checks 1-3), whatever the order: the coupon lists."""
    if terms.uses_left <= 0:
        return Reason.USED_UP
    if at < terms.valid_from:
        return Reason.NOT_YET
    if at >= terms.valid_until:
        return Reason.EXPIRED
    if terms.member_limit is not None and terms.member_uses >= terms.member_limit:
        return Reason.MEMBER_LIMIT
    return Reason.OK


def _cap(terms: CouponTerms, amount: Decimal) -> Decimal:
    if terms.max_discount is not None:
        return min(amount, terms.max_discount)
    return amount


def coupon_evaluate(terms: CouponTerms, order: CouponOrder) -> CouponDecision:
    """The decision for this coupon on this order: a reason and, if it applies, the discount."""
    state = coupon_state(terms, order.at)
    if state is not Reason.OK:
        return CouponDecision(reason=state)
    lines = [line for line in order.lines if line.quantity > 0 and line.amount > 0]
    if terms.value_type is ValueType.FREE_ITEM:
        items = [line for line in lines if line.category_id == terms.free_category_id]
        if not items:
            return CouponDecision(reason=Reason.NO_FREE_ITEM)
        base = order.total
    elif terms.scope_category_id is not None:
        scoped = [line for line in lines if line.category_id == terms.scope_category_id]
        if not scoped:
            return CouponDecision(reason=Reason.OUT_OF_SCOPE)
        base = sum((line.amount for line in scoped), ZERO)
    else:
        base = order.total
    if base < terms.min_spend:
        return CouponDecision(reason=Reason.MIN_SPEND, base=base)
    if base <= 0:
        return CouponDecision(reason=Reason.NOTHING_TO_DISCOUNT, base=base)
    if terms.value_type is ValueType.FIXED:
        discount = terms.amount_off or ZERO
    elif terms.value_type is ValueType.PERCENT:
        percent = min(max(terms.percent_off or ZERO, ZERO), HUNDRED)
        discount = _cap(terms, (base * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP))
    else:
        discount = _cap(terms, min(line.unit_price for line in items))
    discount = min(max(discount, ZERO), base)
    if discount <= 0:
        return CouponDecision(reason=Reason.NOTHING_TO_DISCOUNT, base=base)
    return CouponDecision(reason=Reason.OK, discount=discount, base=base)


def coupon_face_value(terms: CouponTerms, *, free_item_price: Decimal | None = None) -> Decimal:
    """The most the coupon can take off, for ranking coupons: the amount, the percent's cap,
    or the free item's list price (at most the cap)."""
    if terms.value_type is ValueType.FIXED:
        return terms.amount_off or ZERO
    if terms.value_type is ValueType.PERCENT:
        return terms.max_discount or ZERO
    return _cap(terms, free_item_price or ZERO)


def coupon_window(
    *,
    issued_at: datetime,
    valid_days: int | None,
    starts_on: date | None,
    ends_on: date | None,
    tz: tzinfo,
) -> tuple[datetime, datetime]:
    """When an issued coupon may be used: N days from issue, or the template's dates (whole
    days on the shop's calendar, the end date included). A start date already past starts
    at issue."""
    if ends_on is None:
        if not valid_days or valid_days < 1:
            raise ValueError("A coupon needs a number of days or an end date.")
        return issued_at, issued_at + timedelta(days=valid_days)
    start = issued_at
    if starts_on is not None:
        start = max(issued_at, datetime.combine(starts_on, time.min, tzinfo=tz))
    end = datetime.combine(ends_on + timedelta(days=1), time.min, tzinfo=tz)
    return start, end
