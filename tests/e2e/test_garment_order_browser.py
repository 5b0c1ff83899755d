"""End to end: clothes taken in at the counter, cleaned, ready, then collected and paid.

Staff on a phone-sized browser open the member's panel, take in two suits (one with a stain
noted) and a shirt to be paid on collection, move the order to cleaning and to ready from
the order page. The member's phone (390x844) shows the order ready with its due date and the
inbox has "your clothes are ready". Staff then collect it, paying from stored value (Core:
10% off, double points), and the member's phone shows the points and the receipt.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from loyalty.models import PointsAccount, PointsEntry, TopUpMethod, WalletAccount
from loyalty.services.wallet import wallet_top_up
from membership.models import MemberMessage, Order, StaffAction
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


def test_take_in_clean_ready_then_collect_and_pay(live_server, browser, save_screenshot):
    # given: a Core member (10% off with stored value, double points) holding 200
    core = TierFactory(
        code="core",
        name_zh="核心",
        name_en="Core",
        stored_value_discount_percent=Decimal("10"),
        points_multiplier=Decimal("2"),
    )
    member = MemberFactory(
        tier=core, name="王芳", user=UserFactory(email="wang@example.com", username="wang")
    )
    wallet_top_up(
        member=member, amount=Decimal("200"), method=TopUpMethod.CASH, idempotency_key="seed"
    )
    ServiceCategoryFactory(
        code="suit", name_zh="西装", name_en="Suit", sort_order=1, default_price=Decimal("45")
    )
    ServiceCategoryFactory(
        code="shirt", name_zh="衬衫", name_en="Shirt", sort_order=2, default_price=Decimal("12")
    )
    staff = StaffFactory(email="clerk@example.com", username="clerk")

    staff_context = new_phone_context(browser)
    member_context = new_phone_context(browser)
    try:
        counter = staff_context.new_page()
        log_in_with_password(counter, live_server.url, "clerk@example.com")
        counter.goto(live_server.url + reverse("counter:member", kwargs={"number": member.number}))

        # take in: two suits (one stained) and a shirt, paid on collection
        counter.get_by_test_id("panel-take-in").click()
        suit = counter.locator(".item-row[data-category='suit']")
        suit.locator("button[data-step='1']").click()
        suit.locator("button[data-step='1']").click()
        counter.get_by_test_id("note-suit").fill("领口有油渍")
        counter.locator(".item-row[data-category='shirt'] button[data-step='1']").click()
        expect(counter.get_by_test_id("live-subtotal")).to_contain_text("102.00")
        expect(
            counter.locator("input[name='payment_timing'][value='on_collection']")
        ).to_be_checked()
        expect(counter.locator("[data-pay-now]")).to_be_hidden()
        save_screenshot(counter, "counter-take-in")
        counter.get_by_test_id("take-in-submit").click()

        expect(counter.get_by_test_id("order-stage-card")).to_have_attribute(
            "data-stage", "received"
        )
        order = Order.objects.get(member=member)
        assert order.status == Order.Status.UNPAID
        expect(counter.get_by_test_id("receipt-to-pay")).to_contain_text("102.00")
        expect(counter.get_by_test_id("line-note")).to_have_text("领口有油渍")

        # cleaning, then ready (the member is told)
        counter.get_by_test_id("stage-cleaning").click()
        expect(counter.get_by_test_id("order-stage-card")).to_have_attribute(
            "data-stage", "cleaning"
        )
        counter.get_by_test_id("stage-ready").click()
        expect(counter.get_by_test_id("order-stage-card")).to_have_attribute("data-stage", "ready")
        save_screenshot(counter, "counter-order-ready")
        assert MemberMessage.objects.filter(member=member, kind="order_ready").count() == 1

        # the member's phone: the order is ready, with its due date; the inbox says so
        phone = member_context.new_page()
        log_in_with_password(phone, live_server.url, "wang@example.com")
        phone.goto(live_server.url + reverse("customer:orders"))
        row = phone.locator(f"[data-testid='order-row'][href$='/{order.number}/']")
        expect(row).to_have_attribute("data-stage", "ready")
        expect(row.get_by_test_id("order-row-stage")).to_have_text("可取件")
        expect(row.get_by_test_id("order-row-due")).to_be_visible()
        save_screenshot(phone, "member-orders-ready")
        row.click()
        expect(phone.get_by_test_id("order-stage-label")).to_have_text("可取件")
        expect(phone.get_by_test_id("order-to-pay")).to_contain_text("102.00")
        expect(phone.get_by_test_id("order-due")).to_be_visible()
        save_screenshot(phone, "member-order-ready")
        phone.goto(live_server.url + reverse("customer:inbox"))
        message = phone.get_by_test_id("message").filter(has_text=order.number)
        expect(message).to_contain_text("您的衣物已洗好")
        save_screenshot(phone, "member-inbox-ready")

        # collect and pay from stored value: Core pays 91.80 for 102.00 and earns 183 points
        counter.get_by_test_id("collect-and-pay").click()
        expect(counter.locator("input[name='pay_with'][value='stored_value']")).to_be_checked()
        counter.get_by_test_id("collect-review").click()
        expect(counter.get_by_test_id("confirm-wallet")).to_contain_text("91.80")
        expect(counter.get_by_test_id("confirm-points")).to_contain_text("+183")
        save_screenshot(counter, "counter-collect-confirm")
        counter.get_by_test_id("checkout-confirm-button").click()
        expect(counter.get_by_test_id("order-stage-card")).to_have_attribute(
            "data-stage", "collected"
        )
        expect(counter.get_by_test_id("receipt-points")).to_have_text("+183")

        order.refresh_from_db()
        assert order.status == Order.Status.COMPLETED and order.points_earned == 183
        assert WalletAccount.objects.get(member=member).balance == Decimal("108.20")
        assert PointsAccount.objects.get(member=member).balance == 183
        earned = PointsEntry.objects.filter(account__member=member, kind="earn")
        assert earned.count() == 1
        assert StaffAction.objects.filter(action="order.collect", actor=staff).count() == 1

        # the member's phone: points and the receipt
        phone.goto(live_server.url + reverse("customer:dashboard"))
        expect(phone.get_by_test_id("points")).to_have_text("183")
        phone.goto(live_server.url + reverse("customer:order", kwargs={"number": order.number}))
        expect(phone.get_by_test_id("receipt")).to_have_attribute("data-order-number", order.number)
        expect(phone.get_by_test_id("order-stage-label")).to_have_text("已取件")
        expect(phone.get_by_test_id("receipt-stored-value")).to_contain_text("91.80")
        expect(phone.get_by_test_id("receipt-points")).to_have_text("+183")
        expect(phone.get_by_test_id("feedback-form")).to_be_visible()
        path = save_screenshot(phone, "member-receipt-collected")
        assert path.stat().st_size > 10_000
    finally:
        staff_context.close()
        member_context.close()
