"""Per-tier member counts of one calendar month: the numbers behind the distribution,
repurchase and retention reports.

A member's tier at a month's end is the tier of their last tier change before it; without
one, the tier they left at their first change after it; without any change, their tier now.
Only completed orders count (refunded and voided ones do not), dated by ``created_at`` (when
they were paid), in calendar months of the shop's time zone.

Computing a month reads every member once (a few queries per store, none per member): the
monthly review stores the result of each closed month in ``ReportMonthSummary``, and reports
read those rows, computing here only the months not stored yet.
"""

import datetime
from dataclasses import dataclass, fields

from django.db.models import BigIntegerField, Case, Count, Exists, F, OuterRef, Q, Subquery, When

from loyalty.models import ReportMonthSummary, TierChange
from membership.models import Member, Order

from .months import current_month, month_add, month_end, month_start

# A member is active in a month when they completed an order in it or the months just before.
ACTIVE_MONTHS = 3
# With a store, the distribution counts the store's customers: members who completed an order
# there in the 12 months up to the month's end.
CUSTOMER_MONTHS = 12


@dataclass
class TierMonthCounts:
    month: datetime.date
    tier_id: int
    members: int = 0
    buyers: int = 0
    active: int = 0
    previous_buyers: int = 0
    repurchasers: int = 0
    previous_active: int = 0
    retained: int = 0


COUNT_FIELDS = [f.name for f in fields(TierMonthCounts) if f.name not in ("month", "tier_id")]


def tier_at(moment: datetime.datetime):
    """An expression for a member's tier id at ``moment`` (see the module docstring)."""
    before = TierChange.objects.filter(member=OuterRef("pk"), occurred_at__lt=moment).order_by(
        "-occurred_at", "-id"
    )
    after = TierChange.objects.filter(member=OuterRef("pk"), occurred_at__gte=moment).order_by(
        "occurred_at", "id"
    )
    return Case(
        When(Exists(before), then=Subquery(before.values("to_tier_id")[:1])),
        When(Exists(after), then=Subquery(after.values("from_tier_id")[:1])),
        default=F("tier_id"),
        output_field=BigIntegerField(),
    )


def bought(start: datetime.datetime, end: datetime.datetime, store_id: int | None):
    orders = Order.objects.filter(
        member=OuterRef("pk"),
        status=Order.Status.COMPLETED,
        created_at__gte=start,
        created_at__lt=end,
    )
    return Exists(orders.filter(store_id=store_id) if store_id else orders)


def month_counts_live(month: datetime.date, store_id: int | None) -> list[TierMonthCounts]:
    """One month's counts per tier, straight from orders and tier changes (two queries)."""
    previous = month_add(month, -1)
    end, previous_end = month_end(month), month_start(month)
    bought_now = bought(month_start(month), end, store_id)
    bought_before = bought(month_start(previous), previous_end, store_id)
    active_now = bought(month_start(month_add(month, 1 - ACTIVE_MONTHS)), end, store_id)
    active_before = bought(
        month_start(month_add(previous, 1 - ACTIVE_MONTHS)), previous_end, store_id
    )
    counts: dict[int, TierMonthCounts] = {}

    def row(tier_id: int) -> TierMonthCounts:
        return counts.setdefault(tier_id, TierMonthCounts(month=month, tier_id=tier_id))

    at_end = (
        Member.objects.filter(joined_at__lt=end)
        .annotate(tier_then=tier_at(end))
        .alias(bought_now=bought_now, active_now=active_now)
    )
    members = Count("pk")
    if store_id:
        customer_start = month_start(month_add(month, 1 - CUSTOMER_MONTHS))
        at_end = at_end.alias(customer=bought(customer_start, end, store_id))
        members = Count("pk", filter=Q(customer=True))
    for values in (
        at_end.filter(tier_then__isnull=False)
        .values("tier_then")
        .annotate(
            members=members,
            buyers=Count("pk", filter=Q(bought_now=True)),
            active=Count("pk", filter=Q(active_now=True)),
        )
        .order_by()
    ):
        counted = row(values["tier_then"])
        counted.members, counted.buyers = values["members"], values["buyers"]
        counted.active = values["active"]

    before = (
        Member.objects.filter(joined_at__lt=previous_end)
        .annotate(tier_then=tier_at(previous_end))
        .alias(
            bought_now=bought_now,
            bought_before=bought_before,
            active_now=active_now,
            active_before=active_before,
        )
    )
    for values in (
        before.filter(tier_then__isnull=False)
        .filter(Q(bought_before=True) | Q(active_before=True))
        .values("tier_then")
        .annotate(
            previous_buyers=Count("pk", filter=Q(bought_before=True)),
            repurchasers=Count("pk", filter=Q(bought_before=True, bought_now=True)),
            previous_active=Count("pk", filter=Q(active_before=True)),
            retained=Count("pk", filter=Q(active_before=True, active_now=True)),
        )
        .order_by()
    ):
        counted = row(values["tier_then"])
        for name in ("previous_buyers", "repurchasers", "previous_active", "retained"):
            setattr(counted, name, values[name])
    return list(counts.values())


def month_is_closed(month: datetime.date) -> bool:
    return month < current_month()


def month_counts(
    months: list[datetime.date], store_id: int | None
) -> dict[datetime.date, list[TierMonthCounts]]:
    """Counts per tier of each month: stored ones for closed months that the review has
    summarised, computed for the others (the current month, or months not filled yet)."""
    stored: dict[datetime.date, list[TierMonthCounts]] = {}
    summaries = ReportMonthSummary.objects.filter(
        month__in=[month for month in months if month_is_closed(month)]
    )
    summaries = (
        summaries.filter(store_id=store_id) if store_id else summaries.filter(store__isnull=True)
    )
    for summary in summaries.values("month", "tier_id", *COUNT_FIELDS):
        stored.setdefault(summary["month"], []).append(TierMonthCounts(**summary))
    return {
        month: stored[month] if month in stored else month_counts_live(month, store_id)
        for month in months
    }
