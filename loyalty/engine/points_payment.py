"""Paying with points: how much points are worth and how many an order can take. No ORM.

The owner sets a rate (points per currency unit), the largest share of an order points may
pay, and the fewest points used at once. Points are worth ``points / rate``, rounded DOWN to
the cent, so the shop never gives more money than the points are worth; the most points an
order can take is the largest count whose value stays within the share of the amount due and
within the member's balance.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PointsPaymentRule:
    enabled: bool
    rate: int  # points per currency unit (≥ 1)
    max_percent: int  # 0–100, of the amount due
    minimum: int  # fewest points used at once (0: any)


@dataclass(frozen=True)
class PointsPaymentCap:
    """The most this member may pay with points on this order, and why."""

    max_points: int
    max_amount: Decimal
    share_amount: Decimal  # the share of the amount due that points may pay
    balance: int
    rule: PointsPaymentRule

    @property
    def usable(self) -> bool:
        return self.max_points > 0


def points_value(*, points: int, rate: int) -> Decimal:
    """What `points` pay, rounded down to the cent."""
    if points <= 0:
        return ZERO
    return (Decimal(points) / Decimal(rate)).quantize(CENT, rounding=ROUND_DOWN)


def points_payment_cap(*, due: Decimal, balance: int, rule: PointsPaymentRule) -> PointsPaymentCap:
    """The most money points can pay on this order, and the fewest points that pay it.

    The most: the largest value (rounded down to the cent) that stays within the share of the
    amount due and that the balance reaches. The fewest: with fewer than 100 points to the
    unit, several counts round down to the same cents; the member spends the smallest.
    Below the owner's minimum, or worth nothing, no points can be used.
    """
    balance = max(balance, 0)
    share = _share(due, rule.max_percent) if rule.enabled else ZERO
    if share <= 0 or balance <= 0:
        return PointsPaymentCap(0, ZERO, share, balance, rule)
    # The largest p with floor_cent(p / rate) ≤ share: p / rate < share + 0.01.
    by_share = int(((share + CENT) * rule.rate).to_integral_value(rounding=ROUND_CEILING)) - 1
    most = min(balance, by_share)
    amount = points_value(points=most, rate=rule.rate)
    if amount <= 0 or most < rule.minimum:
        return PointsPaymentCap(0, ZERO, share, balance, rule)
    fewest = int((amount * rule.rate).to_integral_value(rounding=ROUND_CEILING))
    return PointsPaymentCap(max(fewest, rule.minimum), amount, share, balance, rule)


def _share(due: Decimal, percent: int) -> Decimal:
    if due <= 0:
        return ZERO
    return (due * Decimal(percent) / Decimal(100)).quantize(CENT, rounding=ROUND_DOWN)


__all__ = ["PointsPaymentCap", "PointsPaymentRule", "points_payment_cap", "points_value"]
