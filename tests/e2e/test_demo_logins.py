"""The demo logins printed by scripts/demo work in a real browser."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.management.commands.demo_seed import (
    DEMO_MEMBER_PHONE,
    DEMO_NUMBER,
    DEMO_PASSWORD,
    OWNER_EMAIL,
    STAFF_EMAIL,
)
from tests.e2e.accounts import log_in_with_password

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_staff_and_owner_demo_logins(live_server, new_phone_page, save_screenshot):
    call_command("demo_seed", members=20, stdout=StringIO())

    cases = [
        (DEMO_MEMBER_PHONE.removeprefix("+86"), "/me/", "member-card"),
        (STAFF_EMAIL, "/counter/", None),
        (OWNER_EMAIL, "/cms/", None),
    ]
    for login, where, testid in cases:
        page = new_phone_page()  # each login in its own fresh browser context
        log_in_with_password(page, live_server.url, login, DEMO_PASSWORD)
        response = page.goto(live_server.url + where)
        assert response.status == 200, (login, where, response.status)
        assert "/login" not in page.url, (login, page.url)
        if testid:
            expect(page.get_by_test_id(testid)).to_contain_text(DEMO_NUMBER)
            save_screenshot(page, "demo-member-dashboard")
