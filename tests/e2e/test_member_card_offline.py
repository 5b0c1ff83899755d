"""Real browser: once the member has opened their card, it opens again with no network
(service worker + the hour of QR codes embedded in the page), and logging out forgets it."""

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.accounts import log_in_with_password
from tests.e2e.conftest import new_phone_context
from tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_card_opens_with_no_network_once_loaded(live_server, browser, save_screenshot):
    member = MemberFactory(user=UserFactory(email="zhou@example.com", username="zhou"))
    context = new_phone_context(browser)
    try:
        page = context.new_page()
        log_in_with_password(page, live_server.url, "zhou@example.com")
        page.goto(live_server.url + reverse("customer:card"))
        expect(page.get_by_test_id("qr-card")).to_have_attribute("data-offline-ready", "1")
        online_step = page.locator(".qr:not([hidden])").get_attribute("data-step")

        context.set_offline(True)
        page.goto(live_server.url + reverse("customer:card"))

        expect(page.get_by_test_id("member-number")).to_contain_text(member.number)
        visible = page.locator(".qr:not([hidden])")
        expect(visible).to_have_count(1)
        assert int(visible.get_attribute("data-step")) >= int(online_step)
        expect(visible.locator("svg path")).to_have_count(1)
        expect(page.get_by_test_id("qr-stale")).to_be_hidden()
        save_screenshot(page, "card-offline")

        # Logging out (a shared phone) forgets the stored card.
        context.set_offline(False)
        page.goto(live_server.url + reverse("customer:dashboard"))
        page.get_by_test_id("logout").click()
        page.wait_for_load_state()
        context.set_offline(True)
        with pytest.raises(PlaywrightError):
            page.goto(live_server.url + reverse("customer:card"))
        # Chromium is still settling on its offline error page: a retrying assertion waits
        # for it instead of reading the content mid-navigation.
        expect(page.locator("body")).not_to_contain_text(member.number)
    finally:
        context.close()
