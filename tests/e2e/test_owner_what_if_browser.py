"""The owner tries a lower tier threshold in a real browser at laptop size: sees who would move
before saving, saves, and the next review uses the new threshold."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from loyalty.models import TierReviewRun
from loyalty.services.tier_review import period_start, tier_review_run
from membership.backoffice import next_monthly_review
from membership.models import Tier
from tests.e2e.accounts import log_in_with_password
from tests.e2e.test_owner_back_office import LAPTOP, shop_site
from tests.factories import MemberFactory, OrderFactory, OwnerFactory, TierFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_previews_a_threshold_saves_it_and_the_next_review_uses_it(
    live_server, browser, save_screenshot, settings
):
    settings.LANGUAGE_CODE = "en"
    shop_site()
    basic = TierFactory(code="basic", name_en="Basic", rank=1)
    core = TierFactory(code="core", name_en="Core", rank=2, min_spend=Decimal("500"))
    owner = OwnerFactory(email="owner@example.com")
    long_ago = timezone.now() - timedelta(days=400)
    riser = MemberFactory(name="Riser Li", tier=basic, tier_since=long_ago)
    stayer = MemberFactory(name="Stayer Wu", tier=basic, tier_since=long_ago)
    for member, amount in [(riser, "450"), (stayer, "100")]:
        OrderFactory(
            member=member,
            total=Decimal(amount),
            subtotal=Decimal(amount),
            created_at=timezone.now() - timedelta(days=3),
        )
    context = browser.new_context(viewport=LAPTOP, locale="en-GB", timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    page = context.new_page()
    log_in_with_password(page, live_server.url, owner.email)

    page.goto(f"{live_server.url}/cms/snippets/membership/tier/edit/{core.pk}/")
    page.locator("[name='min_spend']").fill("400")
    with page.expect_navigation():
        page.locator("#what-if button[name='what-if']").click()

    shares = page.locator("#what-if-shares")
    expect(shares).to_contain_text("Core")
    expect(page.locator("#what-if-up")).to_contain_text("Would move up: 1")
    expect(page.locator("#what-if")).to_contain_text("Riser Li")
    expect(page.locator("#what-if")).not_to_contain_text("Stayer Wu")
    expect(page.locator("[name='min_spend']")).to_have_value("400")  # kept, not saved
    assert Tier.objects.get(pk=core.pk).min_spend == Decimal("500")
    save_screenshot(page, "tier-what-if", full_page=False)
    save_screenshot(page, "tier-what-if-full")

    with page.expect_navigation():
        page.locator("button.action-save").first.click()
    expect(page.locator(".messages")).to_contain_text("next monthly review")
    assert Tier.objects.get(pk=core.pk).min_spend == Decimal("400")
    assert not TierReviewRun.objects.exists()
    context.close()

    tier_review_run(as_of=period_start(next_monthly_review()))
    riser.refresh_from_db()
    stayer.refresh_from_db()
    assert (riser.tier_id, stayer.tier_id) == (core.pk, basic.pk)
