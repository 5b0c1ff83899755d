"""End to end: scan -> order -> pay with balance -> points credited -> the member's phone shows
the new balance, points and the receipt.

Staff log in on a phone-sized browser, open the member's panel through the scan page's
barcode-scanner field (the card's current code followed by Enter), ring up two suits and a
shirt paid from stored value (Core: 10% off, double points), and confirm. A second browser
context logged in as the member then sees the new balance, points and the receipt.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from loyalty.models import PointsAccount, TopUpMethod, WalletAccount
from loyalty.services.wallet import wallet_top_up
from membership.models import Order, StaffAction
from membership.services.cards import card_codes, card_get_or_create
from tests.e2e.accounts import log_in_with_password
from tests.e2e.conftest import new_phone_context
from tests.factories import (
    MemberFactory,
    ServiceCategoryFactory,
    StaffFactory,
    TierFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_scan_order_pay_with_balance_and_the_member_sees_it(live_server, browser, save_screenshot):
    # given: a Core member (10% off with stored value, double points) holding 200
    core = TierFactory(
        code="core",
        name_zh="核心",
        name_en="Core",
        stored_value_discount_percent=Decimal("10"),
        points_multiplier=Decimal("2"),
    )
    member = MemberFactory(
        tier=core, name="李华", user=UserFactory(email="li@example.com", username="li")
    )
    wallet_top_up(
        member=member, amount=Decimal("200"), method=TopUpMethod.CASH, idempotency_key="seed"
    )
    suit = ServiceCategoryFactory(code="suit", name_zh="西装", name_en="Suit", sort_order=1)
    suit.default_price = Decimal("45")
    suit.save()
    shirt = ServiceCategoryFactory(code="shirt", name_zh="衬衫", name_en="Shirt", sort_order=2)
    shirt.default_price = Decimal("12")
    shirt.save()
    staff = StaffFactory(email="clerk@example.com", username="clerk")
    code = card_codes(card=card_get_or_create(member=member))[0].code

    staff_context = new_phone_context(browser)
    member_context = new_phone_context(browser)
    try:
        counter = staff_context.new_page()
        log_in_with_password(counter, live_server.url, "clerk@example.com")

        # scan: the barcode scanner types the card's code and presses Enter
        counter.goto(live_server.url + reverse("counter:home"))
        counter.get_by_test_id("scan-code").fill(f"{member.number} {code}")
        counter.get_by_test_id("scan-code").press("Enter")
        expect(counter.get_by_test_id("member-panel")).to_have_attribute(
            "data-member-number", member.number
        )

        # order: two suits and a shirt, paid from the balance
        counter.get_by_test_id("panel-checkout").click()
        suit_row = counter.locator(".item-row[data-category='suit']")
        suit_row.locator("button[data-step='1']").click()
        suit_row.locator("button[data-step='1']").click()
        counter.locator(".item-row[data-category='shirt'] button[data-step='1']").click()
        expect(counter.get_by_test_id("live-subtotal")).to_contain_text("102.00")
        expect(counter.locator("input[name='pay_with'][value='stored_value']")).to_be_checked()
        save_screenshot(counter, "counter-order-form")
        counter.get_by_test_id("checkout-review").click()

        # the confirmation shows the tier discount, what is charged and the points
        expect(counter.get_by_test_id("confirm-tier-discount")).to_contain_text("10.20")
        expect(counter.get_by_test_id("confirm-wallet")).to_contain_text("91.80")
        expect(counter.get_by_test_id("confirm-points")).to_contain_text("+183")
        expect(counter.get_by_test_id("confirm-balance-after")).to_contain_text("108.20")
        save_screenshot(counter, "counter-confirm")
        counter.get_by_test_id("checkout-confirm-button").click()

        expect(counter.get_by_test_id("receipt")).to_be_visible()
        order = Order.objects.get(member=member)
        expect(counter.get_by_test_id("receipt")).to_have_attribute(
            "data-order-number", order.number
        )
        save_screenshot(counter, "counter-receipt")

        # points credited, balance charged, the action audited
        assert order.wallet_amount == Decimal("91.80") and order.points_earned == 183
        assert WalletAccount.objects.get(member=member).balance == Decimal("108.20")
        assert PointsAccount.objects.get(member=member).balance == 183
        assert StaffAction.objects.filter(action="order.checkout", actor=staff).count() == 1

        # the member's phone shows the new balance, points and the receipt
        phone = member_context.new_page()
        log_in_with_password(phone, live_server.url, "li@example.com")
        phone.goto(live_server.url + reverse("customer:dashboard"))
        expect(phone.get_by_test_id("wallet-balance")).to_contain_text("108.20")
        expect(phone.get_by_test_id("points")).to_have_text("183")
        phone.get_by_test_id("tab-orders").click()
        phone.get_by_test_id("order-row").first.click()
        receipt = phone.get_by_test_id("receipt")
        expect(receipt).to_have_attribute("data-order-number", order.number)
        expect(phone.get_by_test_id("receipt-stored-value")).to_contain_text("91.80")
        expect(phone.get_by_test_id("receipt-tier-discount")).to_contain_text("10.20")
        expect(phone.get_by_test_id("receipt-points")).to_have_text("+183")
        expect(phone.get_by_test_id("feedback-form")).to_be_visible()
        path = save_screenshot(phone, "member-receipt")
        assert path.stat().st_size > 10_000
    finally:
        staff_context.close()
        member_context.close()
