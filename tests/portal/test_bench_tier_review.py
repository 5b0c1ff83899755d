"""The tier review benchmark's moving parts: set-based bench members with their orders (on
whichever database the tests run), and the two measurements it prints. Its figures are not
checked here: a benchmark is a command, not a timed test."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from loyalty.models import PointsAccount, TierReviewRun, WalletAccount
from membership.models import Member, Order
from membership.roles import MEMBER_GROUP
from portal.management.bench_data import (
    bench_members_create_sql,
    bench_orders_add,
    bench_reference_data,
)
from tests.factories import MemberFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r"^\s*([\d,]+)\s+([\d,]+)\s+([\d.]+) s\s+([\d.]+) s\s+([\d.]+)x\s+([\d.]+) MiB\s+([\d,]+)$",
    re.M,
)


def test_bench_members_and_orders_are_made_set_based_like_real_ones():
    store, tiers, _categories = bench_reference_data()

    made = bench_members_create_sql(wanted=60, store=store, tiers=tiers, orders_per_member=5)
    again = bench_members_create_sql(wanted=60, store=store, tiers=tiers, orders_per_member=5)
    first_round = Order.objects.count()
    added = bench_orders_add(store=store, orders_per_member=5, round_=2)

    assert (made, again) == (60, 0)
    members = Member.objects.select_related("user")
    assert members.count() == 60
    assert all(m.user.groups.filter(name=MEMBER_GROUP).exists() for m in members[:5])
    assert {m.tier_id for m in members} <= {t.pk for t in tiers}
    assert all(m.tier_since == m.joined_at < timezone.now() for m in members)
    # 0 to 10 orders a member, 5 on average, in the two years before now, 20 to 400 each
    assert 60 * 3 <= first_round <= 60 * 7 and added == Order.objects.count() - first_round > 0
    orders = Order.objects.all()
    assert orders.filter(status=Order.Status.COMPLETED).count() == orders.count()
    assert not orders.filter(created_at__gt=timezone.now()).exists()
    assert not orders.filter(created_at__lt=timezone.now() - timezone.timedelta(days=731)).exists()
    assert {o.total for o in orders} <= {Decimal(n) for n in range(20, 401)}
    assert all(o.subtotal == o.total == o.cash_amount for o in orders)
    assert len({o.member_id for o in orders}) > 40
    for account in [*PointsAccount.objects.all()[:5], *WalletAccount.objects.all()[:5]]:
        assert_ledger_consistent(account)


def test_the_benchmark_measures_at_two_order_counts_and_leaves_no_review():
    out = StringIO()

    call_command(
        "bench_tier_review", members=300, orders_per_member=6, runs=1, real=True, stdout=out
    )

    text = out.getvalue()
    rows = [[float(v.replace(",", "")) for v in row] for row in ROW.findall(text)]
    assert len(rows) == 2, text
    (orders_before, *_), (orders_after, *_) = rows
    assert orders_before < orders_after == Order.objects.count()
    assert all(row[1] > 0 and row[5] > 0 for row in rows)  # member-months, peak memory
    assert "300 members reviewed" in text and "Peak memory with" in text
    assert "real run (rolled back)" in text
    assert not TierReviewRun.objects.exists()
    assert Member.objects.count() == 300


def test_the_benchmark_refuses_a_database_with_real_members():
    MemberFactory()

    with pytest.raises(CommandError):
        call_command("bench_tier_review", members=10, runs=1, stdout=StringIO())
