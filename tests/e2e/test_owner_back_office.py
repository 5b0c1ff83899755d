"""The owner's first day in the back office, in a real browser at laptop size: the Pages menu,
an offer edited in Chinese, translated into English, and a listing row opened; then a member
reads that offer on a phone in each language."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from wagtail.models import Locale, Site
from wagtail.models import Page as WagtailPage

from membership.services.roles import roles_sync
from portal.content.models import HomePage, OfferPage
from portal.content.services import OfferText, home_page_translate, offer_page_create
from tests.e2e.accounts import log_in_with_password
from tests.factories import MemberFactory, OwnerFactory, TierFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}


def shop_site() -> HomePage:
    """What migrate and the seed give a shop (a transactional test starts from a flushed
    database): both content locales, the tree root, the Chinese home page and its English
    translation as the site, and the owner's page permissions on the root."""
    for code in ("zh-hans", "en"):
        Locale.objects.get_or_create(language_code=code)
    root = WagtailPage.get_first_root_node() or WagtailPage.add_root(
        instance=WagtailPage(
            title="Root", slug="root", locale=Locale.objects.get(language_code="zh-hans")
        )
    )
    home = HomePage(title="净衣坊", slug="shop", locale=Locale.objects.get(language_code="zh-hans"))
    root.add_child(instance=home)
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    home_page_translate(home=home, language="en", title="Pure Laundry")
    roles_sync()
    return home


def publish(page: Page) -> None:
    """Wagtail's publish action sits in the footer's dropdown; submit the form with it."""
    with page.expect_navigation():
        page.locator("button[name='action-publish']").evaluate("b => b.form.requestSubmit(b)")


def test_owner_edits_an_offer_in_chinese_then_english_and_members_read_their_language(
    live_server, browser, new_phone_page, save_screenshot, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    home = shop_site()
    tier = TierFactory(code="core", name_zh="核心", name_en="Core")
    owner = OwnerFactory(email="owner@example.com")
    member = MemberFactory(tier=tier, user=UserFactory(email="member@example.com"))
    offer = offer_page_create(
        home=home,
        slug="coats",
        texts={"zh-hans": OfferText(title="大衣 8 折", summary="大衣清洗 8 折。")},
        valid_from=timezone.now(),
    )
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    owner_page = context.new_page()
    log_in_with_password(owner_page, live_server.url, owner.email)

    # The Pages menu and the tree under the home page.
    owner_page.goto(live_server.url + "/cms/")
    owner_page.get_by_role("button", name="分页").click()  # Wagtail's Chinese for "Pages"
    expect(owner_page.get_by_role("link", name="净衣坊").first).to_be_visible()
    owner_page.goto(f"{live_server.url}/cms/pages/{home.pk}/")
    expect(owner_page.get_by_role("link", name="大衣 8 折").first).to_be_visible()
    save_screenshot(owner_page, "owner-page-tree", full_page=False)

    # Edit the Chinese offer and publish it.
    owner_page.goto(f"{live_server.url}/cms/pages/{offer.pk}/edit/")
    owner_page.locator("[name='summary']").fill("羊毛大衣、羽绒服清洗 8 折。")
    publish(owner_page)
    offer.refresh_from_db()
    assert offer.summary == "羊毛大衣、羽绒服清洗 8 折。" and not offer.has_unpublished_changes

    # Translate it into English, write the English text and publish.
    owner_page.goto(f"{live_server.url}/cms/translation/submit/page/{offer.pk}/")
    locale = owner_page.locator("input[name='locales']").first
    locale.check()
    with owner_page.expect_navigation(url=re.compile(r"/cms/pages/\d+/edit/")):
        locale.evaluate("box => box.form.requestSubmit()")
    save_screenshot(owner_page, "owner-english-translation", full_page=False)
    owner_page.locator("[name='title']").fill("Coats: 20% off")
    owner_page.locator("[name='summary']").fill("Wool coats and down jackets cleaned at 20% off.")
    publish(owner_page)
    english = OfferPage.objects.get(
        translation_key=offer.translation_key, locale__language_code="en"
    )
    assert english.live and english.title == "Coats: 20% off"

    # A listing opens its rows.
    owner_page.goto(live_server.url + "/cms/snippets/membership/tier/")
    owner_page.locator("table.listing tbody td.title a").first.click()
    expect(owner_page).to_have_url(re.compile(rf"/cms/snippets/membership/tier/edit/{tier.pk}/"))
    context.close()

    # The member reads the offer in Chinese, switches to English and reads it in English.
    phone = new_phone_page()
    log_in_with_password(phone, live_server.url, member.user.email)
    phone.goto(live_server.url + offer.url)
    expect(phone.get_by_test_id("offer")).to_contain_text("羊毛大衣、羽绒服清洗 8 折。")
    expect(phone.get_by_test_id("offer")).not_to_contain_text("Wool coats")
    expect(phone.locator(".tabbar")).to_be_visible()
    save_screenshot(phone, "member-offer-zh")
    phone.get_by_test_id("lang-en").click()
    phone.wait_for_load_state()
    expect(phone.get_by_test_id("offer")).to_contain_text("Wool coats and down jackets")
    expect(phone.get_by_test_id("offer")).not_to_contain_text("大衣")
    expect(phone.get_by_test_id("offer-cta")).to_be_visible()
    save_screenshot(phone, "member-offer-en")
