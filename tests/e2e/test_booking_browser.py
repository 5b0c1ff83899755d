"""A member books a pickup on the phone (390x844): location from the browser, an address
outside the area refused with how far outside, a slot and its return delivery picked, the
booking listed, moved to another time and cancelled."""

from datetime import time
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from membership.models import Booking
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, UserFactory
from tests.membership.booking_helpers import FAR, NEAR, booking_store

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TAP = 44


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def where(point) -> dict:
    return {"latitude": float(point[0]), "longitude": float(point[1])}


def test_a_member_books_a_pickup(live_server, new_phone_page, save_screenshot):
    booking_store(
        capacity=3,
        starts=tuple(time(h) for h in range(8, 21, 2)),
        express_offered=True,
        express_surcharge=Decimal("20"),
        name="净衣坊 · 南京西路店",
    )
    MemberFactory(
        name="林晓雨",
        address="上海市静安区南京西路 1000 弄 5 号",
        user=UserFactory(email="lin@example.com", username="lin"),
    )
    page = new_phone_page(geolocation=where(FAR), permissions=["geolocation"])
    log_in_with_password(page, live_server.url, "lin@example.com")

    page.goto(live_server.url + "/me/")
    page.get_by_test_id("book-pickup").click()
    page.wait_for_url(lambda url: url.endswith("/me/bookings/new/"))
    assert fits_the_phone(page)
    save_screenshot(page, "form")

    # From far away: the location is outside the 3 km area, and nothing is booked.
    page.get_by_test_id("use-location").click()
    expect(page.locator("#id_latitude")).to_have_value(f"{float(FAR[0]):.6f}")
    slots = page.get_by_test_id("slot").filter(has=page.locator("input:not([disabled])"))
    assert slots.first.bounding_box()["height"] >= TAP
    slots.first.click()
    page.get_by_test_id("book-submit").click()
    expect(page.get_by_test_id("booking-errors")).to_contain_text("4.8")  # km outside the area
    assert not Booking.objects.exists()
    save_screenshot(page, "out-of-area")

    # At home: the location is inside; a pickup, its return delivery, express.
    page.context.set_geolocation(where(NEAR))
    page.get_by_test_id("use-location").click()
    expect(page.locator("#id_latitude")).to_have_value(f"{float(NEAR[0]):.6f}")
    slots.first.click()
    returns = page.get_by_test_id("return-slot")
    returns.select_option(index=returns.locator("option").count() - 1)  # the latest one
    page.locator("[name=is_express]").check()
    page.locator("[name=note]").fill("两件西装")
    page.get_by_test_id("book-submit").click()
    expect(page.get_by_test_id("booking-status")).to_be_visible()
    expect(page.get_by_test_id("return-delivery")).to_be_visible()
    assert fits_the_phone(page)
    save_screenshot(page, "booked")
    pickup = Booking.objects.get(kind="pickup")
    assert pickup.is_express and pickup.note == "两件西装"
    assert pickup.return_delivery is not None

    # Listed.
    page.get_by_test_id("back-to-bookings").click()
    expect(page.get_by_test_id("booking-row")).to_have_count(1)
    save_screenshot(page, "list")

    # Moved to another time.
    page.get_by_test_id("booking-row").click()
    page.get_by_test_id("reschedule").click()
    next_day = page.get_by_test_id("slot-day").nth(1)
    next_day.locator("summary").click()
    next_day.get_by_test_id("slot").filter(has=page.locator("input:not([disabled])")).first.click()
    save_screenshot(page, "reschedule")
    page.get_by_test_id("reschedule-submit").click()
    expect(page.get_by_test_id("booking-status")).to_be_visible()
    pickup.refresh_from_db()
    moved_to = pickup.slot_start
    assert moved_to != Booking.objects.get(kind="delivery").slot_start
    assert pickup.slot.booked == 1

    # Cancelled, with its return delivery.
    assert page.get_by_test_id("cancel").bounding_box()["height"] >= TAP
    page.get_by_test_id("cancel").click()
    expect(page.get_by_test_id("booking-status")).to_have_text("已取消")
    save_screenshot(page, "cancelled")
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
