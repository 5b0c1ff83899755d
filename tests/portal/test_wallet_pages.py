from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import LoyaltySettings, Package, PackageItem
from loyalty.services.packages import package_consume, package_grant
from loyalty.services.points import points_earn, points_redeem
from loyalty.services.wallet import wallet_pay, wallet_top_up
from tests.factories import MemberFactory, ServiceCategoryFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_member(client):
    member = MemberFactory(tier=TierFactory())
    wallet_top_up(member=member, amount="5000", method="cash", idempotency_key="t")
    for i in range(60):
        wallet_pay(
            member=member,
            amount="1.50",
            idempotency_key=f"p{i}",
            source_type="order",
            source_id=f"O-{i}",
        )
        points_earn(
            member=member,
            base_amount=Decimal("10"),
            idempotency_key=f"e{i}",
            source_type="order",
            source_id=f"O-{i}",
        )
    client.force_login(member.user)
    return member


def test_wallet_page_shows_balance_parts_and_paginated_history_newest_first(client, busy_member):
    html = client.get(reverse("customer:wallet"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "¥4,910.00" in html and "CN¥" not in html  # the shop's own symbol in English too
    assert html.count('class="ledger-row"') == 20
    assert html.index("Order O-59") < html.index("Order O-58")
    assert "Page 1 of 4" in html
    last = client.get(
        reverse("customer:wallet") + "?page=4", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Top-up (Cash)" in last


def test_wallet_and_points_pages_cost_a_fixed_number_of_queries(
    client, busy_member, django_assert_max_num_queries
):
    for name in ("customer:wallet", "customer:points", "customer:packages"):
        client.get(reverse(name))  # settings rows are created on first use
        with django_assert_max_num_queries(12):
            response = client.get(reverse(name) + "?page=2")
        assert response.status_code == 200


def test_points_page_shows_history_and_points_about_to_expire(client):
    row = LoyaltySettings.load()
    row.points_expiry_policy = "months"
    row.points_expiry_months = 1
    row.points_warning_days = 14
    row.save()
    member = MemberFactory()
    points_earn(
        member=member,
        base_amount=Decimal("42"),
        idempotency_key="e",
        now=timezone.now() - timedelta(days=25),
        source_type="order",
        source_id="O-1",
    )
    points_earn(
        member=member,
        base_amount=Decimal("8"),
        idempotency_key="e2",
        source_type="order",
        source_id="O-2",
    )
    points_redeem(member=member, points=5, idempotency_key="r")
    client.force_login(member.user)

    html = client.get(reverse("customer:points"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="points-balance">45<' in html
    assert 'data-testid="points-expiring"' in html
    assert "37 points expire on" in html  # the soonest lot paid the 5 redeemed
    assert "Order O-1" in html and "Redeemed" in html


def test_packages_page_lists_what_is_left(client):
    cleaning = ServiceCategoryFactory(name_en="Suit cleaning")
    package = Package.objects.create(
        code="suit", name_zh="西装月卡", name_en="Suit care month card", price=Decimal("399")
    )
    PackageItem.objects.create(package=package, category=cleaning, quantity=4)
    member = MemberFactory()
    package_grant(member=member, package=package, idempotency_key="g")
    package_consume(member=member, category=cleaning, idempotency_key="u")
    client.force_login(member.user)

    html = client.get(reverse("customer:packages"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    wallet = client.get(reverse("customer:wallet"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Suit cleaning" in html and "3 of 4" in html and "Suit care month card" in html
    assert "3 left" in wallet


def test_member_without_any_ledger_sees_empty_pages(client):
    member = MemberFactory()
    client.force_login(member.user)
    for name in ("customer:wallet", "customer:points", "customer:packages"):
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert (
            "Nothing yet." in response.content.decode()
            or "No package services left." in response.content.decode()
        )


def test_pages_need_a_login(client):
    response = client.get(reverse("customer:wallet"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
