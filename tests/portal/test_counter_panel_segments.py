"""The counter panel shows dynamic tags next to static ones, and the member's lifecycle stage
and value group, for one more query."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import DynamicTagRule
from loyalty.services.segments import segments_recompute_all
from membership.models import MemberTag, Tag
from tests.factories import MemberFactory, OrderFactory
from tests.portal.test_counter_panel import (
    core_member,  # noqa: F401 - fixture
    ensure_default_site,
    give_history,
    give_tags,
    panel_url,
    staff_client,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.django_db


def test_panel_shows_dynamic_tags_stage_and_value_group(staff_client, core_member):  # noqa: F811
    business = Tag.objects.create(code="business", name_zh="商务", name_en="Business")
    MemberTag.objects.create(member=core_member, tag=business)
    vip = Tag.objects.create(
        code="vip", kind=Tag.Kind.DYNAMIC, name_zh="大单", name_en="Big spender"
    )
    DynamicTagRule.objects.create(tag=vip, kind="spent_this_month", amount=Decimal("100"))
    OrderFactory(member=core_member, subtotal=Decimal("300"), total=Decimal("300"))
    OrderFactory(member=MemberFactory(), subtotal=Decimal("50"), total=Decimal("50"))
    segments_recompute_all()

    response = staff_client.get(panel_url(core_member), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-tag="business">Business</li>' in html  # static: no marker
    assert 'data-tag="vip" data-dynamic' in html and "Big spender <span" in html
    assert '<span data-testid="panel-lifecycle">New</span>' in html
    assert "Big customer (frequent, high amount)" in html


def test_panel_before_any_segment_run_shows_no_stage(staff_client, core_member):  # noqa: F811
    html = staff_client.get(panel_url(core_member)).content.decode()
    assert 'data-testid="panel-segment"' not in html


def test_the_segment_costs_one_query_with_a_large_history(
    staff_client,  # noqa: F811
    core_member,  # noqa: F811
    django_assert_max_num_queries,
):
    give_history(core_member, orders=60)
    segments_recompute_all(now=timezone.now() + timedelta(seconds=1))
    give_tags(core_member)  # two dynamic tags (no rule here, so set after the run)
    ensure_default_site()
    staff_client.get(panel_url(core_member))

    with django_assert_max_num_queries(11):
        response = staff_client.get(panel_url(core_member))

    html = response.content.decode()
    assert html.count('data-testid="panel-tag"') == 6
    assert html.count("data-dynamic") == 2
    assert 'data-testid="panel-lifecycle"' in html
