"""Pure decisions for the points and stored-value ledgers (no ORM, no I/O)."""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize_money(amount: Decimal, places: int = 2) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def points_for_amount(
    *, base_amount: Decimal, points_per_unit: Decimal, multiplier: Decimal
) -> int:
    """Points earned on a spend: amount × rule × tier multiplier, fractions dropped."""
    if base_amount <= 0 or points_per_unit <= 0 or multiplier <= 0:
        return 0
    return int((base_amount * points_per_unit * multiplier).to_integral_value(rounding=ROUND_DOWN))


def stored_value_discount(*, list_amount: Decimal, discount_percent: Decimal) -> Decimal:
    """The tier's discount on a stored-value payment, rounded to the cent (half up)."""
    if discount_percent <= 0:
        return Decimal("0.00")
    percent = min(discount_percent, Decimal("100"))
    return quantize_money(list_amount * percent / Decimal("100"))


@dataclass(frozen=True)
class Split:
    principal: Decimal
    bonus: Decimal


def split_payment(*, amount: Decimal, principal: Decimal, bonus: Decimal) -> Split:
    """Take a payment from principal and bonus in proportion to what the wallet holds.

    The bonus share is rounded to the cent; each part stays within what is held.
    """
    total = principal + bonus
    if amount > total:
        raise ValueError("amount exceeds balance")
    if total == 0:
        return Split(Decimal("0.00"), Decimal("0.00"))
    bonus_part = quantize_money(amount * bonus / total)
    bonus_part = min(bonus_part, bonus)
    principal_part = amount - bonus_part
    if principal_part > principal:  # rounding pushed principal over: move the cent to bonus
        principal_part = principal
        bonus_part = amount - principal_part
    return Split(principal_part, bonus_part)


def bonus_to_take_back(
    *, refund_principal: Decimal, top_up_principal: Decimal, top_up_bonus: Decimal
) -> Decimal:
    """Bonus given with a top-up, in proportion to how much of its principal is refunded."""
    if top_up_principal <= 0 or top_up_bonus <= 0 or refund_principal <= 0:
        return Decimal("0.00")
    if refund_principal >= top_up_principal:
        return top_up_bonus
    return quantize_money(top_up_bonus * refund_principal / top_up_principal)


@dataclass(frozen=True)
class BonusRuleView:
    id: int
    min_amount: Decimal
    bonus_amount: Decimal
    package_id: int | None


def choose_bonus_rule(*, amount: Decimal, rules: Iterable[BonusRuleView]) -> BonusRuleView | None:
    """The matching rule with the highest threshold (ties: the larger bonus, then lower id)."""
    matching = [r for r in rules if r.min_amount <= amount]
    if not matching:
        return None
    return max(matching, key=lambda r: (r.min_amount, r.bonus_amount, -r.id))


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def points_expiry(*, earned_at: datetime, policy: str, months: int) -> datetime | None:
    """When points earned at `earned_at` (an aware local time) expire, or None."""
    if policy == "months":
        return add_months(earned_at, max(1, months))
    if policy == "end_of_year":
        start_of_next_year = earned_at.replace(
            year=earned_at.year + 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        return start_of_next_year
    return None


@dataclass(frozen=True)
class Lot:
    id: int
    remaining: int
    expires_at: datetime | None
    created_at: datetime


def lot_spending_order(lot: Lot) -> tuple:
    # Soonest to expire first; lots that never expire last; then oldest first.
    return (lot.expires_at is None, lot.expires_at or lot.created_at, lot.created_at, lot.id)


def allocate_points(
    *, points: int, lots: Sequence[Lot], first: int | None = None
) -> list[tuple[int, int]]:
    """Which lots to take `points` from: [(lot_id, points)], soonest-to-expire first.

    `first` names a lot to take from before the others (a reversal takes its own lot first).
    """
    if points <= 0:
        return []
    ordered = sorted((lot for lot in lots if lot.remaining > 0), key=lot_spending_order)
    if first is not None:
        ordered.sort(key=lambda lot: lot.id != first)
    allocations: list[tuple[int, int]] = []
    left = points
    for lot in ordered:
        if left == 0:
            break
        take = min(left, lot.remaining)
        allocations.append((lot.id, take))
        left -= take
    if left:
        raise ValueError("not enough points in the lots")
    return allocations


def decimal_places_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
