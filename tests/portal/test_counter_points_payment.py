"""The counter takes part of an order in points: the form, the confirmation, the order page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import EntryKind, LoyaltySettings, PointsAccount, PointsEntry
from loyalty.services.points import points_earn
from membership.models import Order
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shop(client):
    row = LoyaltySettings.load()
    row.points_payment_enabled = True
    row.points_payment_rate = 100
    row.points_payment_max_percent = 50
    row.points_payment_minimum = 100
    row.save()
    member = MemberFactory()
    points_earn(member=member, base_amount=D("3000"), idempotency_key="seed")
    staff = StaffFactory()
    client.force_login(staff)
    return {
        "member": member,
        "staff": staff,
        "suit": ServiceCategoryFactory(code="suit", default_price=D("45")),
    }


def url(member):
    return reverse("counter:checkout", kwargs={"number": member.number})


def data(shop, **extra):
    return {
        f"qty_{shop['suit'].pk}": "2",
        f"amt_{shop['suit'].pk}": "",
        "pay_with": "cash",
        "key": "points-form-1",
    } | extra


def points(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def test_the_form_offers_points_when_the_owner_allows_them(client, shop):
    response = client.get(url(shop["member"]))
    assert response.status_code == 200
    assert b'data-testid="points-pay"' in response.content
    assert b"3000" in response.content


def test_no_points_box_when_the_owner_turned_points_off(client, shop):
    row = LoyaltySettings.load()
    row.points_payment_enabled = False
    row.save()
    response = client.get(url(shop["member"]))
    assert b'data-testid="points-pay"' not in response.content


def test_review_shows_the_points_and_the_most_usable(client, shop):
    response = client.post(url(shop["member"]), data(shop, points="1000"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="confirm-points-used"' in page
    assert 'data-testid="confirm-points-cap"' in page
    assert response.context["quote"].points_amount == D("10.00")
    assert response.context["quote"].payments.cash == D("80.00")
    assert response.context["quote"].points_cap.max_points == 3000
    assert not Order.objects.exists()


def test_confirm_records_the_order_with_points_then_refund_gives_them_back(client, shop):
    response = client.post(url(shop["member"]), data(shop, points="2000", confirm="1"))
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.points_redeemed, order.points_amount, order.cash_amount) == (
        2000,
        D("20.00"),
        D("70.00"),
    )
    assert points(shop["member"]) == 3000 - 2000 + 70
    page = client.get(reverse("counter:order", kwargs={"number": order.number}))
    assert b'data-testid="order-points-used"' in page.content
    response = client.post(
        reverse("counter:order-refund", kwargs={"number": order.number}), {"reason": "torn"}
    )
    assert response.status_code == 302
    assert points(shop["member"]) == 3000
    assert PointsEntry.objects.filter(kind=EntryKind.REVERSAL, amount=2000).exists()
    assert_ledger_consistent(PointsAccount.objects.get(member=shop["member"]))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("3001", "3000 points to spend"),  # more than the balance
        ("-5", "greater than or equal to 0"),
        ("50", "at least 100 points"),  # below the minimum
        ("4600", "3000 points to spend"),
        ("12\x00", "whole number"),
        ("1e3", "whole number"),
        ("abc", "whole number"),
    ],
)
def test_wrong_points_are_refused_with_a_clear_message(client, shop, value, words):
    response = client.post(url(shop["member"]), data(shop, points=value, confirm="1"))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Order.objects.exists()
    assert points(shop["member"]) == 3000


def test_points_above_the_share_are_refused(client, shop):
    points_earn(member=shop["member"], base_amount=D("10000"), idempotency_key="more")
    response = client.post(url(shop["member"]), data(shop, points="4600", confirm="1"))
    assert response.status_code == 400
    assert "At most 4500 points" in response.content.decode()
    assert not Order.objects.exists()


def test_the_form_with_points_costs_a_fixed_number_of_queries(
    client, shop, django_assert_max_num_queries
):
    for i in range(30):  # a long points history
        points_earn(member=shop["member"], base_amount=D("10"), idempotency_key=f"h{i}")
    client.get(url(shop["member"]))  # settings rows are created on first use
    # the counter's budget for this page (9) + the points that can be spent (2)
    with django_assert_max_num_queries(11):
        response = client.get(url(shop["member"]))
    assert response.status_code == 200
    assert b"3300" in response.content


def test_the_members_receipt_shows_the_part_paid_with_points(client, shop):
    client.post(url(shop["member"]), data(shop, points="2000", confirm="1"))
    order = Order.objects.get()
    client.force_login(shop["member"].user)
    page = client.get(reverse("customer:order", kwargs={"number": order.number}))
    assert page.status_code == 200
    html = page.content.decode()
    row = html[html.index('data-testid="receipt-points-used"') :].split("</tr>")[0]
    assert "2000" in row and "20.00" in row
