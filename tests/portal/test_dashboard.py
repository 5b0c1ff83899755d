from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import PointsAccount, WalletAccount
from membership.models import MemberMessage
from membership.services.messages import member_message_post
from tests.factories import BookingFactory, MemberFactory, OrderFactory, TierFactory

pytestmark = pytest.mark.django_db


def test_dashboard_shows_real_tier_points_balance_and_booking(client):
    tier = TierFactory(name_zh="核心", name_en="Core", rank=3)
    member = MemberFactory(tier=tier)
    PointsAccount.objects.create(member=member, balance=1234)
    WalletAccount.objects.create(member=member, principal=Decimal("300"), bonus=Decimal("20.5"))
    BookingFactory(member=member)
    client.force_login(member.user)

    response = client.get(reverse("customer:dashboard"), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Core" in html
    assert "1234" in html
    assert "320.50" in html
    assert "Pickup" in html


def test_dashboard_query_count_does_not_grow_with_history(client, django_assert_max_num_queries):
    member = MemberFactory(tier=TierFactory())
    PointsAccount.objects.create(member=member, balance=10)
    for days in range(300):
        OrderFactory(member=member, created_at=timezone.now() - timedelta(days=days))
    for days in range(1, 40):
        BookingFactory(member=member, slot_start=timezone.now() + timedelta(days=days))
    for n in range(200):
        member_message_post(
            member_id=member.pk,
            kind=MemberMessage.Kind.CUSTOM,
            data={"subject_en": f"Note {n}"},
            idempotency_key=f"dashboard-{n}",
        )
    client.force_login(member.user)
    client.get(reverse("customer:dashboard"))  # the site's settings row is created on first use

    with django_assert_max_num_queries(11):  # the inbox line is one query
        response = client.get(reverse("customer:dashboard"))

    assert response.status_code == 200


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("customer:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_member_gets_403_on_counter_and_anonymous_is_sent_to_log_in(client, member):
    anonymous = client.get(reverse("counter:home"))
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]
    client.force_login(member.user)
    assert client.get(reverse("counter:home")).status_code == 403


def test_staff_reach_the_counter(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("counter:home")).status_code == 200
