"""Coupons on the pages: the member's My coupons and dashboard, the counter's goodwill coupon."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from loyalty.models import CouponTemplate, MemberCoupon
from loyalty.services.coupons import coupon_issue, coupon_redeem
from membership.models import StaffAction
from portal.customer.coupons import PAGE_SIZE
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db

COUPONS = reverse("customer:coupons")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the counter's lookup limits
    yield
    cache.clear()


@pytest.fixture
def member():
    return MemberFactory(tier=TierFactory())


def template(name, **kwargs):
    return CouponTemplate.objects.create(name_zh=name, name_en=name, **kwargs)


def give(member, tpl, key, **kwargs):
    return coupon_issue(member=member, template=tpl, idempotency_key=key, **kwargs)


@pytest.fixture
def wallet_of_coupons(member):
    """Usable ones of different values, one used, one expired, one not valid yet."""
    shirt = ServiceCategoryFactory(code="shirt", name_en="Shirt", default_price=D("18"))
    small = give(member, template("Five off", amount_off=D("5")), "small")
    big = give(member, template("Fifty off", amount_off=D("50"), min_spend=D("200")), "big")
    free = give(
        member,
        template("Free shirt", value_type="free_item", amount_off=None, free_category=shirt),
        "free",
    )
    percent = give(
        member,
        template(
            "Twenty percent",
            value_type="percent",
            amount_off=None,
            percent_off=D("20"),
            max_discount=D("30"),
        ),
        "percent",
    )
    used = give(member, template("Used one", amount_off=D("99")), "used")
    coupon_redeem(coupon=used, order_total=D("200"), idempotency_key="o")
    expired = give(member, template("Expired one", amount_off=D("80")), "expired")
    MemberCoupon.objects.filter(pk=expired.pk).update(valid_until=timezone.now())
    today = timezone.localdate()
    later = give(
        member,
        template(
            "Next week",
            amount_off=D("70"),
            valid_days=None,
            starts_on=today + timedelta(days=7),
            ends_on=today + timedelta(days=14),
        ),
        "later",
    )
    return {"small": small, "big": big, "free": free, "percent": percent, "later": later}


# --- My coupons -----------------------------------------------------------------------------


def names(response) -> list[str]:
    return [row.coupon.template.name_en for row in response.context["rows"]]


def test_my_coupons_lists_usable_ones_first_by_value_then_the_rest(
    client, member, wallet_of_coupons
):
    client.force_login(member.user)
    response = client.get(COUPONS, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert names(response) == [
        "Fifty off",
        "Twenty percent",  # worth up to 30
        "Free shirt",  # worth 18
        "Five off",
        "Used one",
        "Expired one",
        "Next week",
    ]
    html = response.content.decode()
    assert html.count('data-usable="1"') == 4 and html.count('data-usable="0"') == 3
    assert "20% off, up to ¥30.00" in html and "One free Shirt" in html
    assert "on orders from ¥200.00" in html
    assert 'class="coupon-state">Used<' in html and 'class="coupon-state">Expired<' in html


def test_my_coupons_is_paginated(client, member):
    tpl = template("Five off", amount_off=D("5"))
    for n in range(PAGE_SIZE + 3):
        give(member, tpl, f"c{n}")
    client.force_login(member.user)

    first = client.get(COUPONS)
    second = client.get(COUPONS + "?page=2")

    assert len(first.context["rows"]) == PAGE_SIZE and len(second.context["rows"]) == 3
    assert 'data-testid="older"' in first.content.decode()


def test_my_coupons_says_when_the_members_limit_is_reached(client, member):
    tpl = template("Once each", amount_off=D("5"), per_member_limit=1)
    first, second = give(member, tpl, "a"), give(member, tpl, "b")
    coupon_redeem(coupon=first, order_total=D("50"), idempotency_key="o")
    client.force_login(member.user)

    response = client.get(COUPONS, HTTP_ACCEPT_LANGUAGE="en")

    rows = {row.coupon.pk: row for row in response.context["rows"]}
    assert rows[second.pk].state == "member_limit" and not rows[second.pk].usable
    assert "Limit reached" in response.content.decode()


def test_my_coupons_costs_the_same_queries_with_a_long_history(
    client, member, django_assert_max_num_queries
):
    tpl = template("Five off", amount_off=D("5"), per_member_limit=500)
    client.force_login(member.user)
    give(member, tpl, "only")
    client.get(COUPONS)
    with django_assert_max_num_queries(6) as short:
        client.get(COUPONS)
    for n in range(120):
        coupon = give(member, tpl, f"c{n}")
        if n % 2:
            coupon_redeem(coupon=coupon, order_total=D("50"), idempotency_key=f"o{n}")
    with django_assert_max_num_queries(len(short.captured_queries)):
        response = client.get(COUPONS + "?page=3")
    assert response.status_code == 200


def test_my_coupons_when_there_are_none(client, member):
    client.force_login(member.user)
    response = client.get(COUPONS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "No coupons yet." in response.content.decode()


def test_my_coupons_needs_a_member_login(client):
    anonymous = client.get(COUPONS)
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]
    client.force_login(StaffFactory())  # a login without a member archive
    assert client.get(COUPONS).status_code == 404


def test_my_coupons_only_shows_my_own(client, member, wallet_of_coupons):
    other = MemberFactory()
    client.force_login(other.user)
    assert client.get(COUPONS).context["rows"] == []


# --- dashboard ------------------------------------------------------------------------------


def test_the_dashboard_shows_the_best_two_usable_coupons_and_links_to_all(
    client, member, wallet_of_coupons
):
    client.force_login(member.user)
    response = client.get(reverse("customer:dashboard"), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert [c.template.name_en for c in response.context["best_coupons"]] == [
        "Fifty off",
        "Twenty percent",
    ]
    assert html.count('data-testid="best-coupon"') == 2
    assert f'href="{COUPONS}" data-testid="coupons-more"' in html


def test_the_dashboard_without_coupons(client, member):
    client.force_login(member.user)
    html = client.get(reverse("customer:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No coupon to use right now." in html


# --- the counter: a goodwill coupon by hand -------------------------------------------------


def give_url(member):
    return reverse("counter:member-coupon-give", kwargs={"number": member.number})


def test_the_panel_shows_coupon_values_and_links_to_the_goodwill_page(
    client, member, wallet_of_coupons
):
    client.force_login(StaffFactory())
    html = client.get(
        reverse("counter:member", kwargs={"number": member.number}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert html.count('data-testid="coupon"') == 4
    assert "One free Shirt" in html and "¥50.00 off" in html
    assert f'href="{give_url(member)}"' in html


def test_staff_give_a_goodwill_coupon_from_the_counter(client, member):
    active = template("Sorry coupon", amount_off=D("20"))
    template("Retired", amount_off=D("20"), is_active=False)
    staff = StaffFactory()
    client.force_login(staff)

    page = client.get(give_url(member), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sorry coupon: ¥20.00 off" in html and "Retired" not in html
    key = page.context["form"].initial["key"]

    data = {"template": active.pk, "reason": "Stain not removed", "key": key}
    first = client.post(give_url(member), data, HTTP_ACCEPT_LANGUAGE="en")
    again = client.post(give_url(member), data, HTTP_ACCEPT_LANGUAGE="en")  # a double tap

    panel = reverse("counter:member", kwargs={"number": member.number})
    assert first.status_code == again.status_code == 302 and first["Location"] == panel
    coupon = MemberCoupon.objects.get()
    assert coupon.member == member and coupon.source_type == "goodwill"
    audit = StaffAction.objects.get(action="coupon.goodwill")
    assert audit.actor == staff and audit.details["reason"] == "Stain not removed"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "Late"}, "Choose a coupon."),
        ({"template": "retired", "reason": "Late"}, "no longer handed out"),
        ({"template": "active", "reason": ""}, "Say why"),
        ({"template": "active", "reason": "x" * 256}, "at most 255"),
        ({"template": "active", "reason": "Late\x00"}, "Null characters are not allowed"),
        ({"template": "9" * 30, "reason": "Late"}, "no longer handed out"),
    ],
)
def test_the_goodwill_form_refuses_bad_input_with_a_message(client, member, data, message):
    templates = {
        "active": template("Sorry coupon", amount_off=D("20")).pk,
        "retired": template("Retired", amount_off=D("20"), is_active=False).pk,
    }
    client.force_login(StaffFactory())
    data = data | {"key": "k1"}
    if data.get("template") in templates:
        data["template"] = templates[data["template"]]

    response = client.post(give_url(member), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MemberCoupon.objects.exists() and not StaffAction.objects.exists()


def test_the_goodwill_page_is_for_staff_only(client, member):
    url = give_url(member)
    assert client.get(url).status_code == 302
    client.force_login(member.user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"template": 1, "reason": "x", "key": "k"}).status_code == 403
    assert not MemberCoupon.objects.exists()


def test_the_goodwill_page_for_an_unknown_member_is_404(client):
    client.force_login(StaffFactory())
    url = reverse("counter:member-coupon-give", kwargs={"number": "M000000009"})
    assert client.get(url).status_code == 404
