"""In a real browser: the owner's dashboard shows the getting-started checklist at laptop
size, and a member's page carries the shop's logo and colours under the strict CSP."""

import pytest
from playwright.sync_api import expect
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection

from portal.content.models import ShopSettings
from tests.e2e.accounts import log_in_with_password
from tests.e2e.test_owner_back_office import LAPTOP, shop_site
from tests.factories import MemberFactory, OwnerFactory, TierFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_checklist_and_the_shop_look(live_server, browser, new_phone_page, save_screenshot):
    home = shop_site()
    shop = ShopSettings.for_site(home.get_site())
    shop.brand_name = "Pure Laundry"
    # A transactional test starts from a flushed database: no root collection for the image.
    collection = Collection.get_first_root_node() or Collection.add_root(name="Root")
    shop.logo = Image.objects.create(
        title="Logo", file=get_test_image_file(colour="red"), collection=collection
    )
    shop.primary_colour = "#7a1f5c"
    shop.accent_colour = "#d4a017"
    shop.address = "12 Willow Lane"
    shop.opening_hours = "Mon-Sat 8:00-20:00"
    shop.support_phone = "021 5555 0101"
    shop.save()
    tier = TierFactory(code="core", name_en="Core", stored_value_discount_percent=10)
    owner = OwnerFactory(email="owner@example.com")
    member = MemberFactory(tier=tier, user=UserFactory(email="member@example.com"))

    context = browser.new_context(viewport=LAPTOP, locale="en-GB", timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    page = context.new_page()
    log_in_with_password(page, live_server.url, owner.email)
    page.goto(live_server.url + "/cms/")
    checklist = page.get_by_test_id("getting-started")
    expect(checklist.locator("tr[data-strategy]")).to_have_count(12)
    expect(checklist.locator("[data-done='yes']")).to_have_count(1)
    save_screenshot(page, "getting-started")
    checklist.get_by_role("link", name="Top-up bonus").click()
    expect(page).to_have_url(f"{live_server.url}/cms/snippets/loyalty/topupbonusrule/")
    context.close()

    phone = new_phone_page(locale="en-GB")
    log_in_with_password(phone, live_server.url, member.user.email)
    # The logo's rendition (uploaded files are served by the web server in production, not
    # by this test's server).
    logo = shop.logo.get_rendition("height-80").url
    expect(phone.get_by_test_id("shop-logo")).to_have_attribute("src", logo)
    bar = phone.locator(".topbar").evaluate("e => getComputedStyle(e).backgroundColor")
    assert bar == "rgb(122, 31, 92)"  # #7a1f5c, through the nonce'd <style>
    expect(phone.get_by_test_id("shop-contact")).to_contain_text("12 Willow Lane")
    save_screenshot(phone, "member-shop-look")
