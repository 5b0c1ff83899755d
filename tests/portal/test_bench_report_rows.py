"""The rows the money, marketing and satisfaction reports read, made for bench members at a
tiny size, and the bare aggregate bench_reports times each of those reports against. Figures
are not checked: a benchmark is a command, not a timed test."""

import pytest
from django.db import connection

from loyalty.models import CouponEvent, MemberCoupon, PointsEntry, RuleFiring, WalletEntry
from loyalty.selectors.reports.months import current_month, month_add, month_end, month_start
from membership.models import FollowUpTask, OrderFeedback, Store
from portal.content.models import OfferStat
from portal.management.bench_data import bench_members_create_sql, bench_reference_data
from portal.management.bench_report_rows import bench_report_rows_bare, bench_report_rows_seed

pytestmark = pytest.mark.django_db

SLUGS = {
    "satisfaction",
    "coupons",
    "reward-rules",
    "stored-value",
    "points",
    "points-expiring",
    "offers",
}


def test_the_rows_are_made_once_and_every_bare_aggregate_runs():
    store, tiers, _categories = bench_reference_data()
    bench_members_create_sql(wanted=60, store=store, tiers=tiers, orders_per_member=10)

    assert bench_report_rows_seed(tiers=tiers) is True
    counts = [m.objects.count() for m in (PointsEntry, WalletEntry, OrderFeedback, OfferStat)]
    assert bench_report_rows_seed(tiers=tiers) is False
    assert counts == [
        m.objects.count() for m in (PointsEntry, WalletEntry, OrderFeedback, OfferStat)
    ]

    for model in (FollowUpTask, MemberCoupon, CouponEvent, RuleFiring):
        assert model.objects.exists(), model
    assert PointsEntry.objects.filter(kind="redeem").exists()
    assert WalletEntry.objects.filter(kind="pay").exists()
    last = current_month()
    start, end = month_start(month_add(last, -11)), month_end(last)
    for store_id in (None, Store.objects.get().pk):
        bare = bench_report_rows_bare(start, end, store_id)
        assert set(bare) == SLUGS
        for sql, params in bare.values():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                assert cursor.fetchall()
