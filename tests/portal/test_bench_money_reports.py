"""The money reports' benchmark at a tiny size: the rows the reports read made set-based,
each report's page timed next to its bare aggregate with its query count. Its figures are not
checked here: a benchmark is a command, not a timed test."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loyalty.models import CouponEvent, MemberCoupon, PointsEntry, RuleFiring, WalletEntry
from membership.models import FollowUpTask, OrderFeedback
from portal.content.models import OfferStat
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(r"^([\w-]+)\s+([\d.]+) s\s+([\d.]+) s\s+([\d.]+)x\s+(\d+)$", re.M)


def test_the_benchmark_times_each_report_next_to_a_bare_aggregate():
    out = StringIO()

    call_command("bench_money_reports", members=60, orders_per_member=10, runs=1, stdout=out)

    text = out.getvalue()
    rows = {name: int(queries) for name, _b, _p, _r, queries in ROW.findall(text)}
    assert set(rows) == {
        "satisfaction",
        "coupons",
        "reward-rules",
        "stored-value",
        "points",
        "points-expiring",
        "offers",
    }, text
    assert all(0 < queries <= 25 for queries in rows.values()), rows
    for model in (OrderFeedback, FollowUpTask, MemberCoupon, CouponEvent, RuleFiring, OfferStat):
        assert model.objects.exists(), model
    assert PointsEntry.objects.filter(kind="redeem").exists()
    assert WalletEntry.objects.filter(kind="pay").exists()


def test_the_benchmark_refuses_a_database_with_real_members():
    MemberFactory()

    with pytest.raises(CommandError):
        call_command("bench_money_reports", members=10, runs=1, stdout=StringIO())
