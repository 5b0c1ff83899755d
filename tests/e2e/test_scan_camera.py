"""Real browser: Chromium's fake camera is fed a video of the QR code that the portal rendered
for a real member, and the counter's scan page opens that member's panel.

The member opens /me/card/ on their phone; the QR code on screen is captured as a PNG and
turned into a .y4m video with ffmpeg (Debian's package). A second Chromium, launched with
--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<video>, plays it as
its camera; staff log in, tap "Scan with the camera", and jsQR decodes the frames.
"""

import shutil
import subprocess

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from membership.services.cards import card_get_or_create
from tests.e2e.accounts import log_in_with_password
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, new_phone_context
from tests.factories import MemberFactory, StaffFactory, TierFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def qr_video(png_path, video_path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail("ffmpeg is required for the fake-camera test: apt-get install -y ffmpeg")
    subprocess.run(
        [
            ffmpeg, "-y", "-loglevel", "error", "-loop", "1", "-i", str(png_path), "-t", "3",
            "-r", "10",
            "-vf", "scale=400:400:flags=neighbor,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p",
            str(video_path),
        ],
        check=True,
    )  # fmt: skip


def test_fake_camera_scan_opens_the_members_panel(
    live_server, browser, playwright_instance, tmp_path, save_screenshot
):
    member = MemberFactory(
        name="王芳",
        tier=TierFactory(name_en="Core", name_zh="核心"),
        user=UserFactory(email="wang@example.com", username="wang"),
    )
    card_get_or_create(member=member)
    StaffFactory(email="clerk@example.com", username="clerk")

    # The member's phone shows the card; capture the QR code the portal rendered.
    phone = new_phone_context(browser)
    try:
        page = phone.new_page()
        log_in_with_password(page, live_server.url, "wang@example.com")
        page.goto(live_server.url + reverse("customer:card"))
        qr = page.locator(".qr:not([hidden])")
        expect(qr).to_have_count(1)
        png = tmp_path / "card-qr.png"
        qr.screenshot(path=str(png))
        save_screenshot(page, "member-card")
    finally:
        phone.close()

    video = tmp_path / "card-qr.y4m"
    qr_video(png, video)
    assert video.stat().st_size > 0

    camera_browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        counter_context = new_phone_context(camera_browser, permissions=["camera"])
        counter = counter_context.new_page()
        log_in_with_password(counter, live_server.url, "clerk@example.com")
        counter.goto(live_server.url + reverse("counter:home"))
        counter.get_by_test_id("camera-start").click()
        expect(counter.get_by_test_id("camera-video")).to_be_visible()

        counter.wait_for_url(
            live_server.url + reverse("counter:member", kwargs={"number": member.number}),
            timeout=30_000,
        )
        expect(counter.get_by_test_id("member-panel")).to_have_attribute(
            "data-member-number", member.number
        )
        expect(counter.get_by_test_id("panel-name")).to_have_text("王芳")
        save_screenshot(counter, "panel-after-camera-scan")
    finally:
        camera_browser.close()
