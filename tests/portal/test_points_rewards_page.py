"""/me/points/rewards/: the points catalogue on the phone and the exchange with confirmation."""

from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import CouponTemplate, MemberCoupon, PointsAccount, PointsReward
from loyalty.services.points import points_earn
from tests.factories import MemberFactory, OwnerFactory, StaffFactory
from tests.loyalty.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/me/points/rewards/"
KEY = "0123456789abcdef0123456789abcdef"


def reward(name="Ten off", cost=500, **kwargs) -> PointsReward:
    template = CouponTemplate.objects.create(name_zh=name, name_en=name, amount_off=D("10"))
    return PointsReward.objects.create(
        name_zh=name, name_en=name, points_cost=cost, coupon_template=template, **kwargs
    )


@pytest.fixture
def member(client):
    member = MemberFactory()
    points_earn(member=member, base_amount=D("1200"), idempotency_key="seed")
    client.force_login(member.user)
    return member


def balance(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def test_the_url_is_the_one_the_points_page_links_to(client, member):
    assert reverse("customer:points-rewards") == URL
    page = client.get(reverse("customer:points")).content.decode()
    assert f'href="{URL}"' in page


def test_lists_active_rewards_with_what_the_member_can_afford(client, member):
    cheap = reward("Ten off", 500)
    dear = reward("Fifty off", 5000)
    reward("Retired", 100, is_active=False)
    taken = reward("Once only", 100, per_member_limit=1)
    client.post(URL, {"reward": taken.pk, "key": KEY, "confirm": "1"})
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Retired" not in html
    assert f'data-reward="{cheap.pk}"' in html and f'data-reward="{dear.pk}"' in html
    assert html.count('data-testid="exchange"') == 1  # only the one affordable and not used up
    assert 'data-testid="reward-not-affordable"' in html
    assert 'data-testid="reward-limit-reached"' in html
    assert "You have 1100 points to spend." in html


def test_exchange_asks_to_confirm_then_gives_the_coupon(client, member):
    offer = reward()
    response = client.post(URL, {"reward": offer.pk, "key": KEY}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-testid="exchange-confirm"' in response.content.decode()
    assert balance(member) == 1200 and not MemberCoupon.objects.exists()

    response = client.post(URL, {"reward": offer.pk, "key": KEY, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("customer:coupons")
    assert balance(member) == 700
    coupons = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "500 points exchanged" in coupons
    assert "Ten off" in coupons

    # a double tap: the same key exchanges once
    again = client.post(URL, {"reward": offer.pk, "key": KEY, "confirm": "1"})
    assert again.status_code == 302
    assert balance(member) == 700 and MemberCoupon.objects.count() == 1
    assert_ledger_consistent(PointsAccount.objects.get(member=member))


def test_not_enough_points_is_said_and_nothing_is_spent(client, member):
    offer = reward(cost=5000)
    response = client.post(
        URL, {"reward": offer.pk, "key": KEY, "confirm": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "This reward costs 5000 points; you have 1200." in response.content.decode()
    assert balance(member) == 1200 and not MemberCoupon.objects.exists()


@pytest.mark.parametrize(
    "post",
    [
        {"reward": "999999", "key": KEY, "confirm": "1"},
        {"reward": "1\x00", "key": KEY, "confirm": "1"},
        {"reward": "abc", "key": KEY, "confirm": "1"},
        {"key": KEY, "confirm": "1"},
        {"reward": "REWARD", "key": "not-a-key\x00", "confirm": "1"},
        {"reward": "REWARD", "confirm": "1"},
    ],
)
def test_hostile_input_is_refused_without_spending(client, member, post):
    offer = reward()
    post = {k: (str(offer.pk) if v == "REWARD" else v) for k, v in post.items()}
    response = client.post(URL, post, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "No points were spent" in response.content.decode()
    assert balance(member) == 1200 and not MemberCoupon.objects.exists()


def test_an_inactive_reward_is_refused_on_confirm(client, member):
    offer = reward(is_active=False)
    response = client.post(
        URL, {"reward": offer.pk, "key": KEY, "confirm": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "no longer offered" in response.content.decode()
    assert balance(member) == 1200


def test_anonymous_visitors_are_sent_to_log_in(client):
    for method in (client.get, client.post):
        response = method(URL)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.parametrize("make", [StaffFactory, OwnerFactory])
def test_staff_and_owner_without_a_membership_see_the_no_member_page(client, make):
    offer = reward()
    client.force_login(make())
    assert client.get(URL).status_code == 404
    response = client.post(URL, {"reward": offer.pk, "key": KEY, "confirm": "1"})
    assert response.status_code == 404
    assert not MemberCoupon.objects.exists()


def test_a_member_spends_only_their_own_points(client, member):
    other = MemberFactory()
    points_earn(member=other, base_amount=D("900"), idempotency_key="other")
    offer = reward()
    client.force_login(other.user)
    client.post(URL, {"reward": offer.pk, "key": KEY, "confirm": "1"})
    assert balance(other) == 400 and balance(member) == 1200
    assert MemberCoupon.objects.get().member == other


def test_the_page_costs_a_fixed_number_of_queries(client, member, django_assert_max_num_queries):
    for i in range(45):
        reward(f"Reward {i}", 100 + i, per_member_limit=3)
    client.get(URL)  # settings rows are created on first use
    for page in ("", "?page=2", "?page=3"):
        with django_assert_max_num_queries(12):
            response = client.get(URL + page)
        assert response.status_code == 200
    assert response.content.decode().count('data-testid="points-reward"') == 5
