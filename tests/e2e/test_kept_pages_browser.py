"""Kept member pages as a member and a clerk see them (390x844): a reload served from the
cache still draws the tier colour under the page's CSP, a top-up at the counter shows on the
member's next reload and on the clerk's panel, and logging out works from a kept page."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from loyalty.services.wallet import wallet_top_up
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, StaffFactory, TierFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def tier_colour(page: Page) -> str:
    return page.evaluate(
        "getComputedStyle(document.querySelector('.member-card'))"
        ".getPropertyValue('--tier-color').trim()"
    )


def test_kept_pages_follow_the_counter_and_keep_working(
    live_server, phone_page, new_phone_page, save_screenshot
):
    tier = TierFactory(name_zh="金卡", name_en="Gold", badge_color="#b8860b")
    member = MemberFactory(name="周敏", tier=tier, user=UserFactory(email="zhou@example.com"))
    StaffFactory(email="clerk@example.com")

    log_in_with_password(phone_page, live_server.url, "zhou@example.com")
    for _visit in range(3):  # the first builds; the shop's settings rows appear; then kept
        phone_page.goto(live_server.url + "/me/")
    expect(phone_page.get_by_test_id("tier-name")).to_have_text("金卡")
    assert tier_colour(phone_page) == "#b8860b"  # the <style> carries this response's nonce
    expect(phone_page.get_by_test_id("wallet-balance")).to_contain_text("0.00")

    counter = new_phone_page()
    log_in_with_password(counter, live_server.url, "clerk@example.com")
    panel = f"{live_server.url}/counter/members/{member.number}/"
    for _visit in range(2):  # the logged opening, then a kept one
        counter.goto(panel)
    expect(counter.get_by_test_id("panel-phone")).to_be_visible()

    wallet_top_up(member=member, amount=Decimal("300"), method="cash", idempotency_key="t")

    phone_page.reload()
    expect(phone_page.get_by_test_id("wallet-balance")).to_contain_text("300.00")
    save_screenshot(phone_page, "dashboard-after-top-up")
    counter.reload()
    expect(counter.locator("body")).to_contain_text("300.00")
    save_screenshot(counter, "panel-after-top-up")

    phone_page.get_by_test_id("logout").click()
    phone_page.wait_for_load_state()
    phone_page.goto(live_server.url + "/me/")
    assert reverse("account_login") in phone_page.url
