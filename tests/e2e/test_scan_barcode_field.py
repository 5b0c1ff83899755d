"""Real browser: a USB or Bluetooth barcode scanner types what the card's QR code holds into
the scan page's field and presses Enter; the member's panel opens. A stale code is refused."""

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from membership.services.cards import CODE_STEP_SECONDS, card_codes, card_get_or_create
from tests.e2e.accounts import log_in_with_password
from tests.e2e.conftest import new_phone_context
from tests.factories import MemberFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def counter_page(live_server, browser):
    StaffFactory(email="clerk@example.com", username="clerk")
    context = new_phone_context(browser)
    page = context.new_page()
    log_in_with_password(page, live_server.url, "clerk@example.com")
    yield page
    context.close()


def test_scanner_typing_the_card_url_and_enter_opens_the_panel(
    live_server, counter_page, save_screenshot
):
    member = MemberFactory(name="Zhao Lei")
    code = card_codes(card=card_get_or_create(member=member))[0].code
    card_url = live_server.url + reverse(
        "counter:verify", kwargs={"number": member.number, "code": code}
    )

    counter_page.goto(live_server.url + reverse("counter:home"))
    field = counter_page.get_by_test_id("scan-code")
    expect(field).to_be_focused()  # a scanner types wherever the focus is
    counter_page.keyboard.type(card_url)
    counter_page.keyboard.press("Enter")

    expect(counter_page.get_by_test_id("member-panel")).to_have_attribute(
        "data-member-number", member.number
    )
    expect(counter_page.get_by_test_id("panel-name")).to_have_text("Zhao Lei")
    save_screenshot(counter_page, "panel")


def test_scanner_typing_number_and_code_opens_the_panel(live_server, counter_page):
    member = MemberFactory(name="Sun Li")
    code = card_codes(card=card_get_or_create(member=member))[0].code

    counter_page.goto(live_server.url + reverse("counter:home"))
    counter_page.get_by_test_id("scan-code").fill(f"{member.number} {code}")
    counter_page.get_by_test_id("scan-code").press("Enter")

    expect(counter_page.get_by_test_id("member-panel")).to_have_attribute(
        "data-member-number", member.number
    )


def test_a_stale_code_is_refused_and_the_field_is_ready_again(live_server, counter_page):
    member = MemberFactory(name="Qian Hui")
    card = card_get_or_create(member=member)
    stale = card_codes(card=card, for_time=time.time() - 10 * CODE_STEP_SECONDS)[0].code

    counter_page.goto(live_server.url + reverse("counter:home"))
    counter_page.get_by_test_id("scan-code").fill(f"{member.number} {stale}")
    counter_page.get_by_test_id("scan-code").press("Enter")

    expect(counter_page.get_by_test_id("scan-error")).to_be_visible()
    expect(counter_page.get_by_test_id("member-panel")).to_have_count(0)
    assert "Qian Hui" not in counter_page.content()
    expect(counter_page.get_by_test_id("scan-code")).to_be_focused()
