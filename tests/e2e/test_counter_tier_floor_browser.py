"""End to end at 390px: from the member panel staff open the tier floor page, set a floor
that lifts the member, then remove it; in Chinese, no control leaves the screen."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from loyalty.models import MemberTierState
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, StaffFactory, TierFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_set_and_remove_a_floor_on_a_phone(live_server, phone_page, save_screenshot):
    TierFactory(code="basic", rank=1, name_zh="基础", name_en="Basic")
    TierFactory(code="core", rank=2, name_zh="核心", name_en="Core")
    member = MemberFactory(name="李华", tier=TierFactory(code="basic"))
    StaffFactory(email="clerk@example.com", username="clerk")
    page = phone_page
    log_in_with_password(page, live_server.url, "clerk@example.com")

    page.goto(live_server.url + reverse("counter:member", kwargs={"number": member.number}))
    page.get_by_test_id("panel-tier-floor").click()
    expect(page.get_by_test_id("no-floor")).to_be_visible()
    assert fits_the_screen(page)

    page.locator("select[name='tier']").select_option("core")
    page.locator("input[name='until']").fill(timezone.localdate().isoformat())
    page.locator("input[name='reason']").fill("婚礼季贵宾")
    page.get_by_test_id("floor-save").click()

    expect(page.get_by_test_id("floor-tier")).to_have_text("核心")
    expect(page.get_by_test_id("floor-current-tier")).to_have_text("核心")
    assert fits_the_screen(page)
    save_screenshot(page, "floor-set")
    member.refresh_from_db()
    assert member.tier.code == "core"

    page.locator("input[name='clear-reason']").fill("协议结束")
    page.get_by_test_id("floor-remove").click()

    expect(page.get_by_test_id("no-floor")).to_be_visible()
    expect(page.get_by_test_id("floor-current-tier")).to_have_text("核心")
    assert MemberTierState.objects.get(member=member).floor_tier is None
    save_screenshot(page, "floor-removed")
