"""Members per tier at each month's end (the current month: now) against the target shares."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef

from membership.models import Member, Order, Tier

from .month_counts import CUSTOMER_MONTHS, month_counts, month_is_closed
from .months import ReportScope, current_month, month_add, month_start
from .percent import percent

# A share further than this from its target (in percentage points) is flagged.
GAP_POINTS = Decimal("2")


@dataclass
class TierShareRow:
    month: datetime.date
    tier: Tier
    members: int
    share: Decimal | None
    target: Decimal
    gap: Decimal | None  # share - target, in percentage points
    off_target: bool


def members_by_tier_now(store_id: int | None) -> dict[int, int]:
    members = Member.objects.filter(tier__isnull=False)
    if store_id:
        since = month_start(month_add(current_month(), 1 - CUSTOMER_MONTHS))
        members = members.filter(
            Exists(
                Order.objects.filter(
                    member=OuterRef("pk"),
                    store_id=store_id,
                    status=Order.Status.COMPLETED,
                    created_at__gte=since,
                )
            )
        )
    return dict(members.values_list("tier_id").annotate(n=Count("pk")).order_by())


def tier_distribution(scope: ReportScope) -> list[TierShareRow]:
    tiers = list(Tier.objects.order_by("-rank"))
    closed = [month for month in scope.months if month_is_closed(month)]
    by_month: dict[datetime.date, dict[int, int]] = {
        month: {counts.tier_id: counts.members for counts in month_rows}
        for month, month_rows in month_counts(closed, scope.store_id).items()
    }
    if scope.last_month >= current_month():
        by_month[current_month()] = members_by_tier_now(scope.store_id)
    rows = []
    for month in sorted(by_month):
        counts = by_month[month]
        total = sum(counts.get(tier.pk, 0) for tier in tiers)
        for tier in tiers:
            members = counts.get(tier.pk, 0)
            share = percent(members, total)
            gap = None if share is None else share - tier.target_share_percent
            rows.append(
                TierShareRow(
                    month=month,
                    tier=tier,
                    members=members,
                    share=share,
                    target=tier.target_share_percent,
                    gap=gap,
                    off_target=gap is not None and abs(gap) > GAP_POINTS,
                )
            )
    return rows
