"""The owner opens the stored-value, points, satisfaction and coupon reports in a real browser
at laptop size: each draws its ECharts chart under the strict CSP, with its explanation and
table, and the stored-value CSV downloads with the months' rows."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from loyalty.models import RewardRule, RuleTrigger
from membership.services.roles import roles_sync
from portal.owner.reports.marketing import CouponReport
from portal.owner.reports.money import PointsReport, StoredValueReport
from tests.e2e.accounts import log_in_with_password
from tests.factories import OwnerFactory
from tests.loyalty.report_history import coupon_history, money_history

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
Q1 = "?from_month=2026-01&to_month=2026-03"


def test_owner_reads_the_money_reports_and_downloads_a_csv(live_server, browser, save_screenshot):
    roles_sync()
    money_history()
    coupon_history(RewardRule.objects.create(name_zh="回头礼", trigger=RuleTrigger.ORDER_COMPLETED))
    owner = OwnerFactory(email="owner@example.com")
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in_with_password(page, live_server.url, owner.email)

    for report, shown in (
        (StoredValueReport, "310.00"),
        (PointsReport, "2026-02"),
        (CouponReport, "50.0%"),
    ):
        page.goto(live_server.url + f"/cms/reports/owner/{report.slug}/" + Q1)
        expect(page.locator("[data-owner-chart] canvas").first).to_be_visible()
        expect(page.locator("[data-owner-report-explanation]")).to_be_visible()
        expect(page.locator("table").get_by_text(shown).first).to_be_visible()
        save_screenshot(page, f"owner-report-{report.slug}", full_page=True)

    page.goto(live_server.url + f"/cms/reports/owner/{StoredValueReport.slug}/" + Q1)
    with page.expect_download() as download:
        page.evaluate("url => { window.location.href = url; }", f"{page.url}&export=csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "2026-03" in text and "310.00" in text
    assert not [e for e in errors if "Content Security Policy" in e], errors
