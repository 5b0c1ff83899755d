"""A member reads the inbox on the phone (390x844): the dashboard's line shows the unread count
and the newest notice, the inbox fits the screen, and its messages are read afterwards."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from loyalty.services.wallet import wallet_pay, wallet_top_up
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TAP = 44


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_member_reads_balance_notices_on_the_phone(live_server, phone_page, save_screenshot):
    member = MemberFactory(name="林晓雨", user=UserFactory(email="lin@example.com", username="lin"))
    wallet_top_up(member=member, amount=Decimal("500"), method="cash", idempotency_key="t")
    wallet_pay(
        member=member,
        amount=Decimal("45"),
        idempotency_key="p",
        source_type="order",
        source_id="O2611230001",
    )

    log_in_with_password(phone_page, live_server.url, "lin@example.com")
    phone_page.goto(live_server.url + "/me/")
    expect(phone_page.get_by_test_id("inbox-unread")).to_have_text("2")
    expect(phone_page.get_by_test_id("inbox-newest")).to_contain_text("455.00")
    entry = phone_page.get_by_test_id("inbox-entry").locator("a")
    assert entry.bounding_box()["height"] >= TAP
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "dashboard")

    entry.click()
    phone_page.wait_for_url(lambda url: url.endswith("/me/inbox/"))
    expect(phone_page.get_by_test_id("message")).to_have_count(2)
    expect(phone_page.locator("[data-unread]")).to_have_count(2)
    assert fits_the_phone(phone_page)
    assert phone_page.get_by_test_id("mark-all-read").bounding_box()["height"] >= TAP
    save_screenshot(phone_page, "inbox")

    phone_page.goto(live_server.url + "/me/")
    expect(phone_page.get_by_test_id("inbox-unread")).to_have_count(0)
