"""The owner writes reward rules in /cms/, tries them with a dry run and sees their effect;
staff and members do not get in."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.flows.reward_rules import rules_run_scheduled
from loyalty.models import RewardRule
from loyalty.services.coupons import coupon_redeem
from tests.factories import MemberFactory
from tests.loyalty.rule_helpers import coupon_template, make_rule, start_of_today
from tests.portal.test_owner_admin import form_as_posted, refused

pytestmark = pytest.mark.django_db

LIST = "wagtailsnippets_loyalty_rewardrule:list"
ADD = "wagtailsnippets_loyalty_rewardrule:add"
EDIT = "wagtailsnippets_loyalty_rewardrule:edit"
RESULTS = "wagtailsnippets_loyalty_rewardrule:inspect"


def rule_form(client, **fields) -> dict:
    data = form_as_posted(client.get(reverse(ADD)).context["form"])
    template = coupon_template("50")
    data |= {
        "name_zh": "满300送50",
        "name_en": "Step coupon",
        "trigger": "order_completed",
        "period": "month",
        "spend_window": "this_month",
        "min_spend": "300",
        "effects-TOTAL_FORMS": "1",
        "effects-0-kind": "coupon",
        "effects-0-coupon_template": str(template.pk),
        "effects-0-due_days": "1",
        "effects-0-id": "",
        "effects-0-DELETE": "",
    }
    data |= fields
    return data


def test_owner_writes_a_rule_and_switching_it_on_dates_it_today(client, owner_user):
    client.force_login(owner_user)
    response = client.post(
        reverse(ADD), rule_form(client, is_enabled="on", lifecycle_stages=["sleeping", "churned"])
    )
    assert response.status_code == 302, response.context["form"].errors
    rule = RewardRule.objects.get()
    assert rule.is_enabled and rule.enabled_at == start_of_today()
    assert rule.stage_list == ["sleeping", "churned"]
    assert rule.effects.get().coupon_template.amount_off == Decimal("50")


@pytest.mark.parametrize(
    ("fields", "field_with_error"),
    [
        ({"min_spend": ""}, "min_spend"),  # a window with nothing to count
        ({"spend_window": "last_days", "window_days": ""}, "window_days"),
        ({"streak_months": "6"}, "streak_min_spend"),
        ({"trigger": "daily", "period": "each"}, "period"),
        ({"min_spend": "-5"}, "min_spend"),
        ({"monthly_budget_amount": "0"}, "monthly_budget_amount"),
        ({"lifecycle_stages": ["bogus"]}, "lifecycle_stages"),
    ],
)
def test_a_wrong_rule_is_refused_with_a_message_and_nothing_saved(
    client, owner_user, fields, field_with_error
):
    client.force_login(owner_user)
    response = client.post(reverse(ADD), rule_form(client, **fields))
    assert response.status_code == 200
    assert field_with_error in response.context["form"].errors
    assert not RewardRule.objects.exists()


def test_an_effect_without_its_coupon_is_refused(client, owner_user):
    client.force_login(owner_user)
    response = client.post(reverse(ADD), rule_form(client, **{"effects-0-coupon_template": ""}))
    assert response.status_code == 200
    assert not RewardRule.objects.exists()


def test_the_results_page_shows_the_dry_run_and_the_rules_effect(
    client, owner_user, django_assert_max_num_queries
):
    rule = make_rule("daily", period="month", enabled=False, name_en="Monthly hello")
    members = [MemberFactory() for _ in range(60)]
    client.force_login(owner_user)
    url = reverse(RESULTS, args=[rule.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "60 members would get it" in page
    rule.is_enabled, rule.enabled_at = True, start_of_today()
    rule.save()
    assert rules_run_scheduled(trigger="daily") == 60
    coupon = members[0].coupons.get()
    coupon_redeem(coupon=coupon, order_total=Decimal("280"), idempotency_key="r1")
    with django_assert_max_num_queries(40):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 members would get it" in page  # each got it this month already
    stats = page[page.index("What it has done") :]
    assert ">60<" in stats  # rewards given
    assert "1 (2 %)" in stats  # coupons redeemed, of 60
    assert "280" in stats  # spend of the redeeming order
    listing = client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Monthly hello" in listing
    assert timezone.localdate()  # the page speaks of today


@pytest.mark.parametrize("who", ["staff", "member"])
def test_staff_and_members_cannot_open_rules(client, who, staff_user, member):
    rule = make_rule("daily", period="day")
    client.force_login(staff_user if who == "staff" else member.user)
    for url in (
        reverse(LIST),
        reverse(ADD),
        reverse(EDIT, args=[rule.pk]),
        reverse(RESULTS, args=[rule.pk]),
    ):
        assert refused(client.get(url)), url


def test_anonymous_visitors_are_sent_to_log_in(client):
    rule = make_rule("daily", period="day")
    response = client.get(reverse(RESULTS, args=[rule.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
