"""The owner's dashboard lists the twelve strategies with the screen that sets each up and
whether it is set up, in one query whatever is configured."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import Package, RuleTrigger, TopUpBonusRule
from portal.owner.getting_started import STRATEGIES, strategies_with_marks
from tests.factories import TierFactory
from tests.loyalty.rule_helpers import make_rule

pytestmark = pytest.mark.django_db


def marks(user) -> dict:
    return {s.key: s.done for s in strategies_with_marks(user)}


def test_the_dashboard_lists_the_twelve_strategies_with_working_links(client, owner_user):
    client.force_login(owner_user)
    html = client.get(reverse("wagtailadmin_home")).content.decode()

    panel = html.split('data-testid="getting-started"', 1)[1].split("</table>", 1)[0]
    assert panel.count("data-strategy=") == 12
    links = set(re.findall(r'<a href="([^"]+)"', panel))
    assert links == {s.url for s in STRATEGIES}
    for link in links:
        assert client.get(link).status_code == 200, link


def test_nothing_set_up_shows_every_checked_strategy_as_not_yet(owner_user):
    assert set(marks(owner_user).values()) == {False, None}
    assert [k for k, done in marks(owner_user).items() if done is None] == ["group_deal"]


def test_marks_follow_what_is_set_up(owner_user):
    TierFactory(code="core", rank=2, stored_value_discount_percent=Decimal("10"))
    TopUpBonusRule.objects.create(
        name="100+20", min_amount=Decimal("100"), bonus_amount=Decimal("20")
    )
    Package.objects.create(
        name_zh="月卡", code="month", price=Decimal("399"), validity_days=30, is_active=False
    )
    make_rule(RuleTrigger.BIRTHDAY)
    make_rule(RuleTrigger.REFERRAL_QUALIFIED, enabled=False)

    done = {k for k, v in marks(owner_user).items() if v}

    # A package not on sale and a rule switched off are not set up.
    assert done == {"tier_benefits", "top_up_bonus", "gifts"}


def test_the_marks_take_one_query_whatever_is_set_up(owner_user):
    with CaptureQueriesContext(connection) as empty:
        marks(owner_user)
    TierFactory(code="core", rank=2, priority_booking=True)
    make_rule(RuleTrigger.FIRST_ORDER)
    make_rule(RuleTrigger.DAILY, min_days_since_visit=90)
    with CaptureQueriesContext(connection) as set_up:
        marks(owner_user)
    assert len(empty) == len(set_up) == 1


def test_the_dashboard_query_count_is_fixed(client, owner_user, django_assert_max_num_queries):
    client.force_login(owner_user)
    client.get(reverse("wagtailadmin_home"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("wagtailadmin_home"))
    for code, rank in [("a", 1), ("b", 2), ("c", 3)]:
        TierFactory(code=code, rank=rank, points_multiplier=Decimal("2"))
    make_rule(RuleTrigger.BIRTHDAY)
    with django_assert_max_num_queries(len(before)):
        client.get(reverse("wagtailadmin_home"))
