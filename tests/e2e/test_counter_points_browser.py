"""A clerk takes part of an order in points on a phone-sized screen (390x844): the points box,
the review with the most usable points, and the receipt with the part paid with points."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from loyalty.models import LoyaltySettings, PointsAccount
from loyalty.services.points import points_earn
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_clerk_takes_points_as_part_payment(live_server, phone_page, save_screenshot):
    row = LoyaltySettings.load()
    row.points_payment_enabled = True
    row.save()  # 100 points pay 1.00, for up to 50 % of the amount due
    member = MemberFactory()
    points_earn(member=member, base_amount=Decimal("3000"), idempotency_key="seed")
    suit = ServiceCategoryFactory(code="suit", default_price=Decimal("45"))
    StaffFactory(email="clerk@example.com", username="clerk")

    log_in_with_password(phone_page, live_server.url, "clerk@example.com")
    phone_page.goto(live_server.url + reverse("counter:checkout", args=[member.number]))
    expect(phone_page.get_by_test_id("points-pay")).to_contain_text("3000")
    phone_page.locator(f"[name='qty_{suit.pk}']").fill("2")
    phone_page.locator("input[name='pay_with'][value='cash']").check()
    phone_page.locator("[name='points']").fill("2000")
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "form")
    phone_page.get_by_test_id("checkout-review").click()

    expect(phone_page.get_by_test_id("confirm-points-used")).to_contain_text("20.00")
    expect(phone_page.get_by_test_id("confirm-cash")).to_contain_text("70.00")
    expect(phone_page.get_by_test_id("confirm-points-cap")).to_contain_text("3000")
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "review")
    phone_page.get_by_test_id("checkout-confirm-button").click()

    expect(phone_page.get_by_test_id("order-points-used")).to_contain_text("2000")
    expect(phone_page.get_by_test_id("receipt-points-used")).to_contain_text("20.00")
    save_screenshot(phone_page, "order")
    assert PointsAccount.objects.get(member=member).balance == 3000 - 2000 + 70
