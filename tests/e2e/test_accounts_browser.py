"""Account and profile pages in a real phone browser: the bits that need JavaScript."""

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from membership import sms
from membership.models import Member
from tests.e2e.conftest import new_phone_context
from tests.factories import MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_enter_in_the_password_field_logs_in_with_the_password(live_server, phone_page: Page):
    member = MemberFactory(user__phone="+8613912345678")  # password "correct horse battery"
    page = phone_page
    page.goto(live_server.url + "/accounts/login/")

    page.locator("[name='login']").fill("13912345678")
    page.locator("details.more summary").click()
    page.locator("[name='password']").fill("correct horse battery")
    page.locator("[name='password']").press("Enter")

    expect(page.get_by_test_id("member-card")).to_contain_text(member.number)
    assert sms.outbox == []


def test_use_my_location_fills_the_coordinates_and_they_are_saved(live_server, browser: Browser):
    member = MemberFactory()
    context = new_phone_context(
        browser,
        geolocation={"latitude": 31.2304161, "longitude": 121.4737012},
        permissions=["geolocation"],
    )
    try:
        context.add_cookies(_session_cookie(live_server, member))
        page = context.new_page()
        page.goto(live_server.url + "/me/profile/")

        page.get_by_test_id("use-location").click()
        expect(page.locator("#id_latitude")).to_have_value("31.230416")
        expect(page.locator("#id_longitude")).to_have_value("121.473701")
        page.get_by_test_id("profile-save").click()
        page.wait_for_load_state()
    finally:
        context.close()

    member = Member.objects.get(pk=member.pk)
    assert (member.latitude, member.longitude) == (Decimal("31.230416"), Decimal("121.473701"))


def _session_cookie(live_server, member) -> list[dict]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(member.user)
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }
    ]
