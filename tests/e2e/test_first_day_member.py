"""What a member and a clerk see on the first day, in a real phone-sized browser (390x844):
a styled 403 with a way back, a packages page that leads back and sells, no coordinate boxes
on the profile, counter buttons that keep their spacing and one-line labels, and a receipt
that prints on receipt-printer paper without the page around it."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from loyalty.models import Package, PackageItem, TopUpMethod
from loyalty.services.checkout import PaymentSplit, checkout_order
from loyalty.services.wallet import wallet_top_up
from membership.services.orders import OrderLineInput
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, ServiceCategoryFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TAP = 44  # smallest comfortable tap target, CSS px


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.fixture
def member(db):
    return MemberFactory(name="林晓雨", user=UserFactory(email="lin@example.com", username="lin"))


def test_member_on_a_staff_page_gets_a_styled_page_and_a_way_back(
    live_server, phone_page, member, save_screenshot
):
    log_in_with_password(phone_page, live_server.url, "lin@example.com")

    response = phone_page.goto(live_server.url + reverse("counter:home"))

    assert response.status == 403
    expect(phone_page.get_by_test_id("error-page")).to_be_visible()
    expect(phone_page.locator("h1")).to_have_text("当前账号无权访问")
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "403")
    phone_page.get_by_test_id("error-home").click()
    expect(phone_page).to_have_url(live_server.url + reverse("customer:dashboard"))


def test_packages_page_leads_back_and_sells(live_server, phone_page, member, save_screenshot):
    suit = ServiceCategoryFactory(code="suit", name_zh="西装", name_en="Suits")
    package = Package.objects.create(
        code="suit-month", name_zh="西装护理月卡", name_en="Suit card", price=Decimal("399")
    )
    PackageItem.objects.create(package=package, category=suit, quantity=4)
    wallet_top_up(
        member=member, amount=Decimal("500"), method=TopUpMethod.CASH, idempotency_key="t"
    )
    log_in_with_password(phone_page, live_server.url, "lin@example.com")

    phone_page.goto(live_server.url + reverse("customer:wallet"))
    phone_page.get_by_role("link", name="全部套餐服务").click()
    buy = phone_page.get_by_test_id("buy-package")
    expect(buy).to_have_text("¥399.00 购买")
    assert buy.bounding_box()["height"] >= TAP
    buy.click()
    expect(phone_page.get_by_role("status")).to_contain_text("西装护理月卡 购买成功")
    expect(phone_page.get_by_test_id("packages")).to_contain_text("4 / 4")
    save_screenshot(phone_page, "packages")
    phone_page.get_by_test_id("back").click()
    expect(phone_page).to_have_url(live_server.url + reverse("customer:wallet"))
    expect(phone_page.get_by_test_id("wallet-balance")).to_have_text("¥101.00")


def test_profile_shows_the_address_not_coordinates(live_server, phone_page, member):
    member.latitude, member.longitude = Decimal("31.2296"), Decimal("121.4559")
    member.save()
    log_in_with_password(phone_page, live_server.url, "lin@example.com")

    phone_page.goto(live_server.url + reverse("customer:profile"))

    expect(phone_page.locator("#id_address")).to_be_visible()
    expect(phone_page.locator("#id_latitude")).to_be_hidden()
    expect(phone_page.locator("#id_longitude")).to_be_hidden()
    expect(phone_page.get_by_test_id("locate-status")).to_have_text(
        "已保存您的位置，用于上门取送。"
    )
    expect(phone_page.locator("label[for=id_name]")).to_have_text("姓名：")


def test_counter_buttons_keep_their_spacing_and_labels_stay_on_one_line(
    live_server, phone_page, member, save_screenshot
):
    staff = StaffFactory(email="clerk@example.com", username="clerk")
    wallet_top_up(
        member=member, amount=Decimal("200"), method=TopUpMethod.CASH, idempotency_key="t"
    )
    order = checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=ServiceCategoryFactory(), quantity=1, amount=Decimal("50"))],
        payments=PaymentSplit(stored_value=Decimal("50")),
        acting_user=staff,
        idempotency_key="o",
    )
    log_in_with_password(phone_page, live_server.url, "clerk@example.com")

    # the member panel: 跟进 no longer touches the follow-ups card below it
    phone_page.goto(live_server.url + reverse("counter:member", kwargs={"number": member.number}))
    follow_up = box(phone_page, "[data-testid=panel-followup]")
    below = box(phone_page, "[data-testid=panel-followups]")
    assert below["y"] - (follow_up["y"] + follow_up["height"]) >= 8
    assert follow_up["height"] >= TAP
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "panel")

    # the order page: 作废（录入错误） on one line, and the receipt says what is left
    phone_page.goto(live_server.url + reverse("counter:order", kwargs={"number": order.number}))
    void = phone_page.get_by_test_id("void-button")
    expect(void).to_have_text("作废（录入错误）")
    line_height = void.evaluate("b => parseFloat(getComputedStyle(b).lineHeight) || 24")
    text_height = void.evaluate(
        "b => { const r = document.createRange(); r.selectNodeContents(b);"
        " return r.getBoundingClientRect().height; }"
    )
    assert text_height < 1.5 * line_height  # one line, not two
    refund = box(phone_page, "[data-testid=refund-button]")
    assert void.bounding_box()["y"] - (refund["y"] + refund["height"]) >= 4
    expect(phone_page.get_by_test_id("receipt-balance-after")).to_have_text("¥150.00")
    assert fits_the_phone(phone_page)
    save_screenshot(phone_page, "order")


def test_receipt_prints_alone_on_58mm_paper_in_the_language_chosen(
    live_server, new_phone_page, member
):
    staff = StaffFactory(email="clerk@example.com", username="clerk")
    order = checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(category=ServiceCategoryFactory(), quantity=2, amount=Decimal("88"))],
        payments=PaymentSplit(cash=Decimal("88")),
        acting_user=staff,
        idempotency_key="o",
    )
    page = new_phone_page()
    log_in_with_password(page, live_server.url, "clerk@example.com")
    url = reverse("counter:order", kwargs={"number": order.number})
    page.goto(live_server.url + url)
    expect(page.get_by_test_id("print-receipt")).to_be_visible()  # shown once the script runs

    page.get_by_test_id("receipt-lang-en").click()
    page.set_viewport_size({"width": 219, "height": 800})  # 58 mm at 96 dpi
    page.emulate_media(media="print")

    expect(page.get_by_test_id("receipt")).to_be_visible()
    expect(page.get_by_test_id("receipt")).to_contain_text("Points earned")
    for hidden in (
        ".topbar",
        ".footer",
        "[data-testid=order-cancel]",
        "[data-testid=print-receipt]",
    ):
        expect(page.locator(hidden).first).to_be_hidden()
    assert fits_the_phone(page)
