from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from membership.models import FollowUpTask, OrderFeedback, OrderLine
from tests.factories import MemberFactory, OrderFactory, ServiceCategoryFactory, StaffFactory

pytestmark = pytest.mark.django_db


def order_url(order):
    return reverse("customer:order", kwargs={"number": order.number})


def test_history_is_paginated_newest_first(client, member):
    now = timezone.now()
    orders = [
        OrderFactory(member=member, created_at=now - timedelta(days=n), number=f"O-{n:03d}")
        for n in range(25)
    ]
    OrderFactory(number="O-someone-else")
    client.force_login(member.user)

    first = client.get(reverse("customer:orders"))
    third = client.get(reverse("customer:orders") + "?page=3")

    assert [o.number for o in first.context["page"]] == [o.number for o in orders[:10]]
    assert [o.number for o in third.context["page"]] == [o.number for o in orders[20:]]
    assert "O-someone-else" not in first.content.decode() + third.content.decode()
    assert 'data-testid="tab-orders"' in first.content.decode()


def test_history_query_count_does_not_grow(client, member, django_assert_max_num_queries):
    category = ServiceCategoryFactory()
    for n in range(120):
        order = OrderFactory(member=member, created_at=timezone.now() - timedelta(hours=n))
        OrderLine.objects.create(order=order, category=category, quantity=2, amount=order.total)
    client.force_login(member.user)
    client.get(reverse("customer:orders"))

    with django_assert_max_num_queries(8):
        response = client.get(reverse("customer:orders"))
    assert response.status_code == 200 and len(response.context["page"]) == 10


def test_receipt_shows_lines_payments_and_points(client, member):
    category = ServiceCategoryFactory(name_en="Suit")
    order = OrderFactory(
        member=member,
        subtotal=Decimal("100.00"),
        discount=Decimal("10.00"),
        tier_discount=Decimal("10.00"),
        tier_discount_percent=Decimal("10"),
        total=Decimal("90.00"),
        cash_amount=Decimal("0"),
        wallet_amount=Decimal("90.00"),
        points_earned=180,
    )
    OrderLine.objects.create(order=order, category=category, quantity=2, amount=Decimal("100"))
    client.force_login(member.user)

    response = client.get(order_url(order), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert order.number in html and "Suit × 2" in html
    assert "10% off" in html and "90.00" in html and "+180" in html
    assert 'data-testid="feedback-form"' in html


def test_a_member_never_sees_another_members_receipt(client, member):
    other = OrderFactory(member=MemberFactory())
    client.force_login(member.user)
    assert client.get(order_url(other)).status_code == 404
    response = client.post(order_url(other), {"rating": "1", "comment": "spam"})
    assert response.status_code == 404
    assert OrderFeedback.objects.count() == 0 and FollowUpTask.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client, member):
    order = OrderFactory(member=member)
    for url in (reverse("customer:orders"), order_url(order)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_staff_login_without_a_member_archive_gets_404(client):
    client.force_login(StaffFactory())
    assert client.get(reverse("customer:orders")).status_code == 404


def test_a_good_rating_thanks_the_member_and_opens_no_task(client, member):
    order = OrderFactory(member=member)
    client.force_login(member.user)

    response = client.post(order_url(order), {"rating": "5", "comment": "Spotless"}, follow=True)

    assert response.status_code == 200
    feedback = OrderFeedback.objects.get()
    assert (feedback.rating, feedback.comment, feedback.is_complaint) == (5, "Spotless", False)
    assert FollowUpTask.objects.count() == 0
    html = response.content.decode()
    assert 'data-testid="feedback-given"' in html and 'data-testid="feedback-form"' not in html


@pytest.mark.parametrize(
    ("data", "opens_task"),
    [
        ({"rating": "2"}, True),
        ({"rating": "1", "comment": "Late"}, True),
        ({"rating": "4", "comment": "Button lost", "is_complaint": "on"}, True),
        ({"rating": "3"}, False),
    ],
)
def test_a_complaint_or_low_rating_opens_a_follow_up_for_staff(client, member, data, opens_task):
    order = OrderFactory(member=member)
    client.force_login(member.user)
    response = client.post(order_url(order), data)
    assert response.status_code == 302
    tasks = list(FollowUpTask.objects.all())
    assert len(tasks) == (1 if opens_task else 0)
    if opens_task:
        assert tasks[0].order == order and tasks[0].source == FollowUpTask.Source.FEEDBACK
        staff = StaffFactory()
        client.force_login(staff)
        listing = client.get(reverse("counter:followups")).content.decode()
        assert order.number in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a rating from 1 to 5"),
        ({"rating": "9"}, "Select a valid choice"),
        ({"rating": "1", "is_complaint": "on"}, "Tell us what went wrong"),
        ({"rating": "4", "comment": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_feedback_gets_a_message_and_writes_nothing(client, member, data, message):
    order = OrderFactory(member=member)
    client.force_login(member.user)
    response = client.post(order_url(order), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert OrderFeedback.objects.count() == 0 and FollowUpTask.objects.count() == 0


def test_rating_twice_is_refused(client, member):
    order = OrderFactory(member=member)
    client.force_login(member.user)
    client.post(order_url(order), {"rating": "1", "comment": "Bad"})
    response = client.post(
        order_url(order), {"rating": "5"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "already rated" in response.content.decode()
    assert OrderFeedback.objects.get().rating == 1
    assert FollowUpTask.objects.count() == 1


def test_receipt_query_count_is_fixed(client, member, django_assert_max_num_queries):
    order = OrderFactory(member=member)
    for n in range(30):
        OrderLine.objects.create(
            order=order, category=ServiceCategoryFactory(code=f"c{n}"), quantity=1, amount=0
        )
    client.force_login(member.user)
    client.get(order_url(order))

    with django_assert_max_num_queries(7):
        response = client.get(order_url(order))
    assert response.status_code == 200 and response.content.decode().count(" × 1<") == 30
