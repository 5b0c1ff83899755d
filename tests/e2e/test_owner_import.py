"""The owner imports customers from the old till in a real browser at laptop size: the
preview names each bad row, confirming imports the good ones, and the outcome lists the rest
(the background task runs inline with the test settings' immediate backend)."""

import pytest
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from membership.models import Member
from tests.e2e.accounts import log_in_with_password
from tests.e2e.test_owner_back_office import LAPTOP, shop_site
from tests.factories import OwnerFactory, TierFactory
from tests.loyalty.import_helpers import csv_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_previews_and_confirms_an_import(
    live_server, browser, new_phone_page, save_screenshot, settings, tmp_path
):
    settings.LANGUAGE_CODE = "en"
    shop_site()
    TierFactory(code="gold", rank=2, name_zh="金卡", name_en="Gold")
    owner = OwnerFactory(email="owner@example.com")
    profile = UserProfile.get_for_user(owner)  # the admin in English, for the words below
    profile.preferred_language = "en"
    profile.save()
    till = tmp_path / "old-till.csv"
    till.write_bytes(
        csv_bytes(
            [
                ["phone", "name", "birthday", "tier", "balance", "points"],
                ["13900000601", "Chen Jing", "1988-04-12", "gold", "320.00", "1500"],
                ["13900000602", "Lin Hui", "", "", "45.50", ""],
                ["12345", "Bad Phone", "", "", "", ""],
                ["13900000604", "Twin A", "", "", "", ""],
                ["13900000604", "Twin B", "", "", "", ""],
                ["13900000606", "Minus", "", "", "-20", ""],
                ["13900000607", "Platinum", "", "platinum", "", ""],
            ]
        )
    )
    page = new_phone_page(viewport=LAPTOP, is_mobile=False, has_touch=False)
    log_in_with_password(page, live_server.url, owner.email)

    page.goto(live_server.url + "/cms/import/")
    page.locator("[name='kind']").select_option("customers")
    page.locator("[name='file']").set_input_files(str(till))
    page.get_by_role("button", name="Check the file").click()

    preview = page.get_by_test_id("import-preview")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("count-error")).to_have_text("5")
    expect(preview).to_contain_text("12345 is not a valid mobile number.")
    expect(preview).to_contain_text("several rows of the file (rows 5, 6)")
    expect(preview).to_contain_text("Unknown tier platinum")
    save_screenshot(page, "preview", full_page=False)
    assert not Member.objects.exists()

    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("count-new")).to_have_text("2")
    expect(page.get_by_test_id("import-errors")).to_contain_text("The balance is negative.")
    save_screenshot(page, "done", full_page=False)
    assert set(Member.objects.values_list("name", flat=True)) == {"Chen Jing", "Lin Hui"}
