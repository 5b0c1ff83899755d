"""A member exchanges points for a coupon on the phone (390x844): the catalogue fits the screen,
the exchange asks to confirm, and the coupon is on My coupons afterwards."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from loyalty.models import CouponTemplate, PointsReward
from loyalty.services.points import points_earn
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TAP = 44


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_member_exchanges_points_for_a_coupon(live_server, phone_page, save_screenshot):
    member = MemberFactory(name="林晓雨", user=UserFactory(email="lin@example.com", username="lin"))
    points_earn(member=member, base_amount=Decimal("800"), idempotency_key="seed")
    for name, cost in (("洗衣 10 元券", 500), ("西装免费熨烫一次", 2000)):
        template = CouponTemplate.objects.create(name_zh=name, amount_off=Decimal("10"))
        PointsReward.objects.create(name_zh=name, points_cost=cost, coupon_template=template)

    log_in_with_password(phone_page, live_server.url, "lin@example.com")
    phone_page.goto(live_server.url + "/me/points/")
    phone_page.get_by_test_id("points-rewards-link").click()
    expect(phone_page.get_by_test_id("points-reward")).to_have_count(2)
    expect(phone_page.get_by_test_id("reward-not-affordable")).to_have_count(1)
    assert fits_the_phone(phone_page)
    button = phone_page.get_by_test_id("exchange")
    assert button.bounding_box()["height"] >= TAP
    save_screenshot(phone_page, "catalogue")

    button.click()
    expect(phone_page.get_by_test_id("exchange-confirm")).to_be_visible()
    save_screenshot(phone_page, "confirm")
    phone_page.get_by_test_id("exchange-confirm-button").click()
    phone_page.wait_for_url(lambda url: url.endswith("/me/coupons/"))
    expect(phone_page.locator("body")).to_contain_text("洗衣 10 元券")
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "coupons")
