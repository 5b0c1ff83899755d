"""The owner opens a report in /cms/ at laptop size in a real browser: the chart is drawn
(ECharts on a canvas, under the admin's CSP), a store filter redraws it, and the CSV downloads
through Wagtail's export."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.e2e.accounts import log_in_with_password
from tests.e2e.test_owner_back_office import LAPTOP, shop_site
from tests.factories import OwnerFactory
from tests.loyalty.reports_fixture import M1, M2, M3, build_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSP_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
# Some pixel of the canvas is not blank: the chart was really drawn, not only created.
CANVAS_DRAWN = """
canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
  return false;
}
"""


def test_owner_sees_the_repurchase_chart_and_downloads_its_csv(
    live_server, browser, save_screenshot
):
    shop_site()
    shop = build_shop()
    owner = OwnerFactory(email="owner@example.com")
    context = browser.new_context(
        viewport=LAPTOP, locale="en-GB", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    context.set_default_timeout(20_000)
    context.add_init_script(CSP_LISTEN)
    page = context.new_page()
    log_in_with_password(page, live_server.url, owner.email)

    page.goto(f"{live_server.url}/cms/")
    page.get_by_role("button", name="Reports").click()
    page.get_by_role("link", name="Repurchase by tier").click()
    page.wait_for_url("**/cms/reports/owner/repurchase/")
    page.goto(f"{page.url}?from_month={M1:%Y-%m}&to_month={M3:%Y-%m}")

    expect(page.locator("[data-owner-report-explanation]")).to_contain_text(
        "the share who completed another order"
    )
    canvas = page.locator("[data-owner-chart] canvas").first
    expect(canvas).to_be_visible()
    assert canvas.bounding_box()["width"] > 600
    assert canvas.evaluate(CANVAS_DRAWN)
    expect(page.get_by_role("cell", name="Below target").first).to_be_visible()
    save_screenshot(page, "repurchase", full_page=True)

    # Clearing a filter swaps the results in place (no page load): the new chart is drawn.
    page.evaluate("document.querySelector('[data-owner-chart]').dataset.old = '1'")
    page.locator(".w-active-filters .w-pill").filter(has_text="To month").get_by_role(
        "button", name="Clear"
    ).click()
    fresh = page.locator("[data-owner-chart]:not([data-old]) canvas").first
    expect(fresh).to_be_visible()
    assert fresh.evaluate(CANVAS_DRAWN)
    expect(page.locator(".w-active-filters")).to_contain_text(f"From month: {M1:%Y-%m}")

    page.goto(
        f"{live_server.url}/cms/reports/owner/repurchase/"
        f"?from_month={M1:%Y-%m}&to_month={M3:%Y-%m}&store={shop.s1.pk}"
    )
    expect(page.locator("[data-owner-chart] canvas").first).to_be_visible()
    assert page.locator("[data-owner-chart] canvas").first.evaluate(CANVAS_DRAWN)

    # Wagtail's own export: the CSV of the filtered table.
    page.goto(
        f"{live_server.url}/cms/reports/owner/repurchase/?from_month={M1:%Y-%m}&to_month={M3:%Y-%m}"
    )
    page.get_by_role("button", name="Actions").click()  # Wagtail's "⋯" beside the title
    export = page.get_by_role("link", name="Download CSV")
    with page.expect_download() as download_info:
        export.click()
    download = download_info.value
    assert download.suggested_filename == f"repurchase-{M1:%Y-%m}-{M3:%Y-%m}.csv"
    with open(download.path(), encoding="utf-8") as file:
        rows = list(csv.reader(io.StringIO(file.read())))
    assert rows[0][:3] == ["Month", "Tier", "Bought the month before"]
    assert [f"{M2:%Y-%m}", "Potential", "1", "0", "0.0", "50.00", "Below target"] in rows
    assert len(rows) == 1 + 3 * 4

    assert page.evaluate("window.__cspViolations") == []
    context.close()
