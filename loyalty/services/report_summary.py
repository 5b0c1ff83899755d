"""Store each closed month's per-tier counts (ReportMonthSummary) so the owner's reports read a
few rows instead of every order: filled after the monthly review and by
``manage.py report_summary_backfill``."""

import datetime

from django.db import transaction

from loyalty.models import ReportMonthSummary
from loyalty.selectors.reports.month_counts import (
    COUNT_FIELDS,
    TierMonthCounts,
    month_counts_live,
    month_is_closed,
)
from loyalty.selectors.reports.months import current_month, month_add
from membership.models import Store, Tier


@transaction.atomic
def report_summary_fill(*, month: datetime.date) -> int:
    """(Re)write one closed month's rows: every tier, for all stores and for each store.
    Returns the number of rows written."""
    month = month.replace(day=1)
    if not month_is_closed(month):
        raise ValueError("Only a month that has ended can be summarised.")
    tier_ids = list(Tier.objects.values_list("pk", flat=True))
    store_ids = [None, *Store.objects.values_list("pk", flat=True)]
    rows = []
    for store_id in store_ids:
        counted = {counts.tier_id: counts for counts in month_counts_live(month, store_id)}
        for tier_id in tier_ids:
            counts = counted.get(tier_id) or TierMonthCounts(month=month, tier_id=tier_id)
            rows.append(
                ReportMonthSummary(
                    month=month,
                    store_id=store_id,
                    tier_id=tier_id,
                    **{name: getattr(counts, name) for name in COUNT_FIELDS},
                )
            )
    ReportMonthSummary.objects.filter(month=month).delete()
    ReportMonthSummary.objects.bulk_create(rows)
    return len(rows)


def report_summary_fill_missing(*, months: int = 12, refill: bool = False) -> list[datetime.date]:
    """Summarise the last ``months`` closed months that have no rows yet (all of them with
    ``refill``), oldest first. Returns the months written."""
    latest = month_add(current_month(), -1)
    wanted = [month_add(latest, -back) for back in reversed(range(months))]
    done = (
        set()
        if refill
        else set(
            ReportMonthSummary.objects.filter(month__in=wanted).values_list("month", flat=True)
        )
    )
    filled = [month for month in wanted if month not in done]
    for month in filled:
        report_summary_fill(month=month)
    return filled
