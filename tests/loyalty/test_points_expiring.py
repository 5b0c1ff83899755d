"""Points about to expire: a bounded list and a total the database adds up."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import LoyaltySettings, PointsAccount
from loyalty.selectors.points import EXPIRING_SHOWN, points_expiring, points_expiring_soon
from loyalty.services.points import points_earn, points_redeem
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monthly_expiry():
    row = LoyaltySettings.load()
    row.points_expiry_policy = "months"
    row.points_expiry_months = 1
    row.points_warning_days = 14
    row.save()


def earn(member, points: int, *, days_ago: int, key: str) -> None:
    points_earn(
        member=member,
        base_amount=Decimal(points),
        idempotency_key=key,
        now=timezone.now() - timedelta(days=days_ago),
    )


def member_with_lots(expiring: int):
    """A member with `expiring` lots expiring in the window (10, 11, 12... points, soonest
    first), one expiring after it and one already spent."""
    member = MemberFactory()
    for n in range(expiring):
        earn(member, 10 + n, days_ago=26 - (n % 9), key=f"soon-{n}")  # expire in 2 to 13 days
    earn(member, 500, days_ago=1, key="later")  # expires in about a month
    return member


def test_total_covers_every_expiring_lot_and_the_list_only_the_soonest():
    member = member_with_lots(12)
    account = PointsAccount.objects.get(member=member)

    expiring = points_expiring(account=account)

    assert expiring.lots == 12
    assert expiring.points == sum(10 + n for n in range(12))
    assert len(expiring.soonest) == EXPIRING_SHOWN
    dates = [when for when, _points in expiring.soonest]
    assert dates == sorted(dates)
    assert expiring.soonest[0][1] == 10  # the first earned: the first to expire
    assert expiring.days == 14


def test_points_already_spent_do_not_count():
    member = member_with_lots(3)  # 10, 11, 12 expiring; 500 later
    points_redeem(member=member, points=15, idempotency_key="r")  # the soonest lots pay first
    account = PointsAccount.objects.get(member=member)

    expiring = points_expiring(account=account)

    assert (expiring.points, expiring.lots) == (18, 2)  # 10 gone, 11 -> 6, 12 untouched
    assert [points for _when, points in expiring.soonest] == [6, 12]
    assert points_expiring_soon(account=account) == expiring.soonest


def test_nothing_expiring_is_one_query_and_empty():
    member = MemberFactory()
    earn(member, 50, days_ago=0, key="fresh")
    account = PointsAccount.objects.get(member=member)

    expiring = points_expiring(account=account)

    assert (expiring.points, expiring.lots, expiring.soonest) == (0, 0, [])


@pytest.mark.parametrize("lots", [2, 40])
def test_the_cost_does_not_grow_with_the_lots(lots, django_assert_num_queries):
    account = PointsAccount.objects.get(member=member_with_lots(lots))
    LoyaltySettings.load()

    with django_assert_num_queries(2):
        points_expiring(account=account, days=14)


def test_points_page_lists_the_soonest_lots_and_the_total(client):
    member = member_with_lots(12)
    client.force_login(member.user)

    html = client.get(reverse("customer:points"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    total = sum(10 + n for n in range(12))
    assert f"{total} points expire within 14 days" in html
    assert html.count(" points expire on ") == EXPIRING_SHOWN
    assert f"The soonest {EXPIRING_SHOWN} of 12 are listed." in html
