"""In a real browser: staff open a member's archive from the panel at 390px and page through
their orders; the owner asks for last month's export at laptop size and downloads its CSV."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from loyalty.models import ExportJob, LifecycleStage, MemberSegment, ValueGroup
from membership.models import MemberAccessLog, MemberNote, MemberTag, Order, OrderFeedback, Tag
from tests.e2e.accounts import log_in_with_password
from tests.e2e.test_owner_back_office import LAPTOP, shop_site
from tests.factories import MemberFactory, OrderFactory, OwnerFactory, StaffFactory, TierFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_open_the_archive_from_the_panel_and_page_through_orders(
    live_server, phone_page, save_screenshot
):
    shop_site()
    tier = TierFactory(code="core", rank=2, name_zh="核心", name_en="Core")
    member = MemberFactory(name="李华", tier=tier, address="南京西路 1 号")
    staff = StaffFactory(email="clerk@example.com", username="clerk")
    start = timezone.now() - timedelta(days=60)
    orders = [
        OrderFactory(
            member=member,
            store=staff.store,
            status=Order.Status.COMPLETED,
            total=Decimal("88.00"),
            subtotal=Decimal("88.00"),
            created_at=start + timedelta(hours=i),
        )
        for i in range(45)
    ]
    OrderFeedback.objects.create(
        order=orders[-1], member=member, rating=2, comment="衬衫领口没洗干净", is_complaint=True
    )
    tag = Tag.objects.create(code="silk", name_zh="丝绸衣物", name_en="Silk")
    MemberTag.objects.create(member=member, tag=tag)
    MemberSegment.objects.create(
        member=member,
        lifecycle_stage=LifecycleStage.ACTIVE,
        value_group=ValueGroup.LOYAL,
        recency_score=5,
        frequency_score=5,
        monetary_score=3,
    )
    MemberNote.objects.create(member=member, author=staff, text="喜欢周六下午来取衣")

    page = phone_page
    log_in_with_password(page, live_server.url, "clerk@example.com")
    page.goto(live_server.url + reverse("counter:member", kwargs={"number": member.number}))
    page.get_by_test_id("panel-archive").click()

    expect(page.get_by_test_id("archive-name")).to_have_text("李华")
    expect(page.get_by_test_id("archive-rfm")).to_have_text("5 · 5 · 3")
    expect(page.get_by_test_id("archive-tag")).to_have_text("丝绸衣物")
    assert fits_the_screen(page)
    save_screenshot(page, "profile")

    page.get_by_test_id("tab-orders").click()
    expect(page.get_by_test_id("archive-row")).to_have_count(20)
    expect(page.get_by_test_id("archive-feedback").first).to_contain_text("衬衫领口没洗干净")
    assert fits_the_screen(page)
    save_screenshot(page, "orders", full_page=False)

    page.get_by_test_id("archive-next").click()
    page.get_by_test_id("archive-next").click()
    expect(page.get_by_test_id("archive-row")).to_have_count(5)
    assert "page=3" in page.url

    assert MemberAccessLog.objects.filter(member=member, how="archive").count() == 1


def test_the_owner_asks_for_a_months_export_and_downloads_it(
    live_server, browser, save_screenshot, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    shop_site()
    owner = OwnerFactory(email="owner@example.com")
    MemberFactory(number="X0001", joined_at=timezone.now() - timedelta(days=400))
    context = browser.new_context(
        viewport=LAPTOP, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    log_in_with_password(page, live_server.url, owner.email)

    page.goto(live_server.url + reverse("owner_exports"))
    page.get_by_test_id("export-month-submit").click()
    expect(page.get_by_test_id("export-row")).to_have_count(1)
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE
    save_screenshot(page, "exports")

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    body = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert "X0001" in body
    context.close()
