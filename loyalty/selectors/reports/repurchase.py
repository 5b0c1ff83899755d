"""Repurchase rate per tier and month against the tier's target.

Of the members in a tier at the end of month M-1 who completed an order in M-1, the share who
completed another order in M.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from membership.models import Tier

from .month_counts import month_counts
from .months import ReportScope
from .percent import percent


@dataclass
class RepurchaseRow:
    month: datetime.date
    tier: Tier
    buyers_before: int
    bought_again: int
    rate: Decimal | None
    target: Decimal | None
    shortfall: bool


def repurchase_rates(scope: ReportScope) -> list[RepurchaseRow]:
    """Closed months only (a month under way would understate the rate)."""
    tiers = list(Tier.objects.order_by("-rank"))
    counted = month_counts(scope.months, scope.store_id)
    rows = []
    for month in scope.months:
        by_tier = {counts.tier_id: counts for counts in counted[month]}
        for tier in tiers:
            counts = by_tier.get(tier.pk)
            before = counts.previous_buyers if counts else 0
            again = counts.repurchasers if counts else 0
            rate = percent(again, before)
            target = tier.repurchase_target_percent
            rows.append(
                RepurchaseRow(
                    month=month,
                    tier=tier,
                    buyers_before=before,
                    bought_again=again,
                    rate=rate,
                    target=target,
                    shortfall=rate is not None and target is not None and rate < target,
                )
            )
    return rows
