"""The owner works in the Wagtail admin at /cms/; counter staff and members do not get in."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.models import Tier
from tests.factories import MemberFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db

TIER_LIST = "wagtailsnippets_membership_tier:list"
TIER_ADD = "wagtailsnippets_membership_tier:add"
MEMBER_LIST = "wagtailsnippets_membership_member:list"


def refused(response) -> bool:
    """403, or a redirect to a login page (Wagtail's way of refusing logged-in non-admins)."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "login" in response["Location"]


def test_owner_reaches_the_back_office_and_the_tier_admin(client, owner_user):
    TierFactory(code="core", name_zh="核心", name_en="Core", rank=3)
    client.force_login(owner_user)

    assert client.get("/cms/").status_code == 200
    response = client.get(reverse(TIER_LIST), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "core" in response.content.decode()
    for name in ("store", "servicecategory"):
        assert client.get(reverse(f"wagtailsnippets_membership_{name}:list")).status_code == 200


def test_owner_creates_a_tier_with_benefits_inline(client, owner_user):
    client.force_login(owner_user)
    data = {
        "name_zh": "核心",
        "name_en": "Core",
        "code": "core",
        "rank": "3",
        "badge_color": "#0f5c4d",
        "target_share_percent": "20",
        "window_months": "12",
        "min_spend": "3000",
        "min_orders": "0",
        "min_orders_per_recent_month": "0",
        "recent_months": "0",
        "stored_value_discount_percent": "10",
        "points_multiplier": "2",
        "pickup_response_hours": "2",
        "benefits-TOTAL_FORMS": "2",
        "benefits-INITIAL_FORMS": "0",
        "benefits-MIN_NUM_FORMS": "0",
        "benefits-MAX_NUM_FORMS": "1000",
        "benefits-0-title_zh": "优先排队",
        "benefits-0-title_en": "Priority queue",
        "benefits-0-sort_order": "1",
        "benefits-0-DELETE": "",
        "benefits-0-id": "",
        "benefits-1-title_zh": "2小时内上门取件",
        "benefits-1-title_en": "Pickup within 2 hours",
        "benefits-1-sort_order": "2",
        "benefits-1-DELETE": "",
        "benefits-1-id": "",
    }

    response = client.post(reverse(TIER_ADD), data)

    assert response.status_code == 302, getattr(response, "context", {}) and (
        response.context["form"].errors,
        [f.errors for f in response.context["form"].formsets["benefits"].forms],
    )
    tier = Tier.objects.get(code="core")
    assert tier.points_multiplier == 2
    assert [b.title_en for b in tier.benefits.all()] == ["Priority queue", "Pickup within 2 hours"]


@pytest.mark.parametrize("who", ["staff", "member"])
def test_staff_and_members_do_not_get_into_the_back_office(client, who, staff_user, member):
    client.force_login(staff_user if who == "staff" else member.user)
    for url in ("/cms/", reverse(TIER_LIST), reverse(TIER_ADD), reverse(MEMBER_LIST)):
        response = client.get(url)
        assert refused(response), (url, response.status_code)
    assert not Tier.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/cms/", reverse(TIER_LIST)):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_owner_is_not_a_django_admin_user(client, owner_user):
    client.force_login(owner_user)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_member_list_is_searchable_by_name_phone_and_number(client, owner_user):
    alice = MemberFactory(name="Alice Zhang", user=UserFactory(phone="+8613911112222"))
    bob = MemberFactory(name="Bob Li", number="M900000001")
    client.force_login(owner_user)

    def found(query):
        html = client.get(reverse(MEMBER_LIST), {"q": query}).content.decode()
        return {m.number for m in (alice, bob) if m.number in html}

    assert found("Alice") == {alice.number}
    assert found("13911112222") == {alice.number}
    assert found("M900000001") == {bob.number}


def test_member_list_is_paginated_with_a_fixed_number_of_queries(
    client, owner_user, django_assert_max_num_queries
):
    tier = TierFactory()
    MemberFactory.create_batch(3, tier=tier)
    client.force_login(owner_user)
    client.get(reverse(MEMBER_LIST))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(MEMBER_LIST)).status_code == 200
    MemberFactory.create_batch(70, tier=tier)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(MEMBER_LIST))

    assert response.status_code == 200
    assert "?p=2" in response.content.decode()  # 73 members, 50 a page


def test_members_are_read_only_in_the_back_office(client, owner_user, member):
    client.force_login(owner_user)
    inspect = reverse("wagtailsnippets_membership_member:inspect", args=[member.pk])
    assert client.get(inspect).status_code == 200
    edit = reverse("wagtailsnippets_membership_member:edit", args=[member.pk])
    response = client.post(edit, {"name": "Changed"})
    assert response.status_code in (302, 403) and response.get("Location") != edit
    member.refresh_from_db()
    assert member.name != "Changed"
    add = client.get(reverse("wagtailsnippets_membership_member:add"))
    assert add.status_code in (302, 403)
