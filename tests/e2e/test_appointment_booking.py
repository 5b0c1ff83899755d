"""A salon member books an appointment with a chosen stylist on the phone (390x844): picks the
service, taps the stylist, sees that stylist's places per time, books, reads it back, and
cancels it; every tap target is big enough and nothing is wider than the screen."""

import re
from datetime import time

import pytest
from playwright.sync_api import Page, expect

from membership.models import Booking
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, UserFactory
from tests.membership.appointment_helpers import salon

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TAP = 44


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_salon_member_books_an_appointment_with_a_chosen_stylist(
    live_server, phone_page, save_screenshot
):
    store, (tony, amy) = salon(
        capacity=2, starts=(time(10), time(13), time(15), time(17)), name="美发沙龙 · 静安店"
    )
    store.address = "上海市静安区南京西路 1266 号"
    store.save()
    member = MemberFactory(name="林晓雨", user=UserFactory(email="lin@example.com"))

    log_in_with_password(phone_page, live_server.url, "lin@example.com")
    phone_page.goto(live_server.url + "/me/appointments/new/")

    who = phone_page.get_by_test_id("who")
    expect(who.get_by_test_id("who-any")).to_have_attribute("aria-current", "true")
    expect(who.get_by_test_id("who-staff")).to_have_count(2)
    for chip in who.locator("a").all():
        assert chip.bounding_box()["height"] >= TAP
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "anyone")

    who.get_by_text("Amy").click()
    phone_page.wait_for_url(lambda url: f"staff={amy.user_id}" in url)
    expect(who.get_by_test_id("who-staff").first).not_to_have_attribute("aria-current", "true")
    expect(who.get_by_test_id("who-staff").nth(1)).to_have_attribute("aria-current", "true")
    phone_page.locator("select[name=service]").select_option(label="染发")
    slot = phone_page.locator("[data-testid=slot]:not(.slot-off)").first
    assert slot.bounding_box()["height"] >= TAP
    expect(slot.locator(".slot-left")).to_contain_text("2")  # Amy's own two places
    slot.click()
    phone_page.locator("textarea[name=note]").fill("想染浅棕色")
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "amy-picked")
    submit = phone_page.get_by_test_id("appointment-submit")
    assert submit.bounding_box()["height"] >= TAP
    submit.click()

    phone_page.wait_for_url(
        lambda url: "/me/appointments/" in url and url.rstrip("/")[-1].isdigit()
    )
    booking = Booking.objects.get(member=member)
    assert booking.slot.staff == amy.user and booking.staff_requested
    assert booking.service.code == "colour" and booking.note == "想染浅棕色"
    expect(phone_page.get_by_test_id("appointment-with")).to_contain_text("Amy")
    expect(phone_page.get_by_test_id("appointment")).to_contain_text("染发")
    expect(phone_page.get_by_test_id("appointment")).to_contain_text("想染浅棕色")
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "booked")

    phone_page.goto(live_server.url + "/me/appointments/")
    row = phone_page.get_by_test_id("appointment-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Amy")
    assert row.bounding_box()["height"] >= TAP
    save_screenshot(phone_page, "list")

    row.click()
    phone_page.get_by_test_id("cancel").click()
    expect(phone_page.get_by_test_id("appointment-status")).to_have_class(
        re.compile("status-cancelled")
    )
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.slot.booked == 0
    save_screenshot(phone_page, "cancelled")
