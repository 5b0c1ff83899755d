"""A member's first visit on a phone: sign up by SMS code, log out, log back in by code,
see the dashboard, switch the language to English and back."""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from membership import sms
from membership.models import Member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_NATIONAL = "13912345678"
PHONE_E164 = "+8613912345678"


def wait_for_code(page: Page, *, count: int) -> str:
    """The code of the `count`-th SMS (sent after the request's transaction commits)."""
    deadline = time.monotonic() + 10
    while len(sms.outbox) < count and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(sms.outbox) == count, [m.body for m in sms.outbox]
    message = sms.outbox[count - 1]
    assert message.to == PHONE_E164
    match = re.search(r"\b([A-Z0-9]{4,8})\b", message.body)
    assert match, message.body
    return match.group(1)


def submit(page: Page, form_field: str) -> None:
    """Submit the form holding the named field with its submit button."""
    form = page.locator("form", has=page.locator(f"[name='{form_field}']"))
    form.locator("button[type='submit'], input[type='submit']").first.click()


def test_member_signs_up_logs_in_by_code_and_switches_language(
    live_server, phone_page: Page, save_screenshot
):
    page = phone_page

    # Sign up with a phone number only (no password): a code is sent by SMS.
    page.goto(live_server.url + "/accounts/signup/")
    page.locator("[name='name']").fill("王小明")
    page.locator("[name='phone']").fill(PHONE_NATIONAL)
    page.locator("[name='accept_terms']").check()
    submit(page, "phone")
    code = wait_for_code(page, count=1)
    page.locator("[name='code']").fill(code)
    submit(page, "code")

    expect(page.get_by_test_id("member-card")).to_be_visible()
    member = Member.objects.select_related("user").get(user__phone=PHONE_E164)
    assert member.user.phone_verified
    expect(page.get_by_test_id("member-card")).to_contain_text(member.number)

    # Log out.
    page.get_by_test_id("logout").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/me/")
    expect(page.locator("[name='login'], [name='phone']").first).to_be_visible()

    # Log back in with a one-time code sent to the phone.
    page.goto(live_server.url + "/accounts/login/code/")
    page.locator("[name='phone']").fill(PHONE_NATIONAL)
    submit(page, "phone")
    code = wait_for_code(page, count=2)
    page.locator("[name='code']").fill(code)
    submit(page, "code")

    expect(page.get_by_test_id("member-card")).to_contain_text(member.number)
    expect(page.get_by_test_id("points")).to_be_visible()
    expect(page.get_by_test_id("wallet-balance")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # Switch to English and back.
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("member-card")).to_contain_text(member.number)
    expect(page.get_by_text("Stored value")).to_be_visible()
    save_screenshot(page, "dashboard-en")

    page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("member-card")).to_contain_text(member.number)
    path = save_screenshot(page, "dashboard")
    assert path.stat().st_size > 10_000
