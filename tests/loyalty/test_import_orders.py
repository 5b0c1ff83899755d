"""Past orders from the old till: kept for the books (tier spend) without points, rewards or
stored-value movements; bad rows named and never written; re-runs add nothing."""

from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import PointsEntry, WalletEntry
from loyalty.selectors.stats import member_rolling_stats_one
from membership.models import MemberEvent, Order
from tests.factories import MemberFactory, OwnerFactory, ServiceCategoryFactory, StoreFactory

from .import_helpers import csv_bytes, preview, run, whys

pytestmark = pytest.mark.django_db

HEADER = ["phone", "order_number", "date", "store", "total", "category"]


@pytest.fixture
def owner():
    return OwnerFactory()


@pytest.fixture
def member():
    return MemberFactory(user__phone="+8613900000101")


@pytest.fixture
def store():
    ServiceCategoryFactory(code="suit", name_en="Suit")
    return StoreFactory(code="east", name="East Road")


def test_bad_order_rows_are_named_and_good_ones_kept_for_the_books(owner, member, store):
    last_month = timezone.localtime() - timezone.timedelta(days=20)
    when = last_month.strftime("%Y-%m-%d %H:%M")
    data = csv_bytes(
        [
            HEADER,
            ["13900000101", "A-1", when, "east", "120.00", "suit"],
            ["13900000101", "A-2", last_month.strftime("%Y/%m/%d"), "East Road", "30", ""],
            ["13900000999", "A-3", when, "east", "10", ""],
            ["13900000101", "A-4", when, "west", "10", ""],
            ["13900000101", "A-5", "yesterday", "east", "10", ""],
            ["13900000101", "A-6", when, "east", "-10", ""],
            ["13900000101", "A-7", when, "east", "10", ""],
            ["13900000101", "A-7", when, "east", "11", ""],
            ["13900000101", "A-9", "2999-01-01 10:00", "east", "10", ""],
        ]
    )
    job = preview("orders", data, owner)

    assert (job.created, job.failed) == (2, 7)
    reasons = whys(job)
    assert "Unknown member 13900000999" in reasons[4]
    assert "Unknown store west" in reasons[5]
    assert "yesterday is not a date" in reasons[6]
    assert "The total is negative" in reasons[7]
    assert "several rows of the file (rows 8, 9)" in reasons[8]
    assert "several rows of the file (rows 8, 9)" in reasons[9]
    assert "in the future" in reasons[10]
    assert not Order.objects.exists()

    job = run(job, owner)

    orders = {o.number: o for o in Order.objects.filter(member=member)}
    assert set(orders) == {"IMP-A-1", "IMP-A-2"}
    first = orders["IMP-A-1"]
    assert first.status == Order.Status.COMPLETED
    assert (first.total, first.points_earned, first.wallet_amount) == (
        Decimal("120.00"),
        0,
        Decimal("0"),
    )
    assert timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M") == when
    assert [line.category.code for line in first.lines.all()] == ["suit"]
    # Settled by the old till: no points, no stored value, no event a reward rule reads.
    assert not PointsEntry.objects.exists()
    assert not WalletEntry.objects.exists()
    assert not MemberEvent.objects.filter(kind=MemberEvent.Kind.ORDER_COMPLETED).exists()
    member.refresh_from_db()
    assert member.first_visit_at == min(o.created_at for o in orders.values())
    # They count for the tier: the rolling spend reads completed orders.
    stats = member_rolling_stats_one(member_id=member.pk, as_of=timezone.now(), months=12)
    assert sum(m.spend for m in stats.months) == Decimal("150.00")


def test_running_the_same_orders_again_adds_nothing(owner, member, store):
    data = csv_bytes([HEADER, ["13900000101", "B-1", "2024-03-31 14:05", "east", "88", ""]])
    run(preview("orders", data, owner), owner)

    again = preview("orders", data, owner)

    assert (again.created, again.skipped, again.failed) == (0, 1, 0)
    assert again.outcomes == [["skip", "Already imported."]]
    assert Order.objects.count() == 1


def test_an_order_number_ours_cannot_carry_is_refused(owner, member, store):
    data = csv_bytes(
        [
            HEADER,
            ["13900000101", "X" * 40, "2024-03-31", "east", "1", ""],
            ["13900000101", "2024/001", "2024-03-31", "east", "1", ""],
        ]
    )
    job = preview("orders", data, owner)
    assert "longer than 28 characters" in whys(job)[2]
    assert "only letters, digits, - and _" in whys(job)[3]
