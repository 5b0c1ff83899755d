"""End to end, at 390×844: a reward rule gives a member a coupon; the member finds it in the
inbox and in My coupons; a clerk takes it off an order at the counter; the member sees it
used."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from loyalty.flows.reward_rules import rules_run_scheduled
from loyalty.models import MemberCoupon
from membership.models import Order
from tests.e2e.accounts import log_in_with_password
from tests.e2e.conftest import new_phone_context
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, UserFactory
from tests.loyalty.rule_helpers import coupon_template, make_rule

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rule_coupon_reaches_the_phone_is_used_at_the_counter_and_shows_used(
    live_server, browser, save_screenshot
):
    member = MemberFactory(name="王芳", user=UserFactory(email="wang@example.com", username="wang"))
    shirt = ServiceCategoryFactory(code="shirt", name_zh="衬衫", name_en="Shirt", sort_order=1)
    shirt.default_price = Decimal("30")
    shirt.save()
    StaffFactory(email="clerk@example.com", username="clerk")
    template = coupon_template("20", name_zh="回馈券：减20", name_en="Thank-you: 20 off")
    make_rule(
        "daily",
        period="month",
        name_zh="月度回馈",
        name_en="Monthly thank-you",
        effects=[{"kind": "coupon", "coupon_template": template}],
    )
    assert rules_run_scheduled(trigger="daily") == 1
    coupon = MemberCoupon.objects.get(member=member)

    phone_context = new_phone_context(browser)
    counter_context = new_phone_context(browser)
    try:
        phone = phone_context.new_page()
        log_in_with_password(phone, live_server.url, "wang@example.com")
        phone.goto(live_server.url + reverse("customer:dashboard"))
        expect(phone.get_by_test_id("inbox-unread")).to_have_text("1")
        phone.get_by_test_id("inbox-entry").locator("a").click()
        expect(phone.get_by_test_id("message").first).to_contain_text("回馈券：减20")
        save_screenshot(phone, "reward-inbox")
        phone.goto(live_server.url + reverse("customer:coupons"))
        mine = phone.get_by_test_id("my-coupon").first
        expect(mine).to_have_attribute("data-usable", "1")
        expect(mine).to_contain_text("回馈券：减20")
        save_screenshot(phone, "reward-my-coupons")

        counter = counter_context.new_page()
        log_in_with_password(counter, live_server.url, "clerk@example.com")
        counter.goto(live_server.url + reverse("counter:checkout", args=[member.number]))
        counter.locator(".item-row[data-category='shirt'] button[data-step='1']").click()
        save_screenshot(counter, "reward-counter-form")
        counter.locator(f"input[name='coupon'][value='{coupon.pk}']").check()
        counter.locator("input[name='pay_with'][value='cash']").check()
        counter.get_by_test_id("checkout-review").click()
        save_screenshot(counter, "reward-counter-confirm")
        counter.get_by_test_id("checkout-confirm-button").click()
        expect(counter.get_by_test_id("receipt")).to_be_visible()

        order = Order.objects.get(member=member)
        assert order.coupon_discount == Decimal("20.00") and order.total == Decimal("10.00")

        phone.goto(live_server.url + reverse("customer:coupons"))
        used = phone.get_by_test_id("my-coupon").first
        expect(used).to_have_attribute("data-usable", "0")
        expect(used).to_contain_text("已使用")
        save_screenshot(phone, "reward-coupon-used")
    finally:
        phone_context.close()
        counter_context.close()
