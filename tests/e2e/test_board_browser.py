"""End to end at 390px: a member's pickup on the staff board. The clerk opens the board from
the counter, gives the booking to a driver, confirms it, goes on the way, marks it done,
then moves the order it brought to cleaning and ready; the member's phone shows each change
(booking done, clothes ready, the messages). A driver marks a visit missed with a reason.
A member skips a booking from the reminder's one-tap link."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from membership.models import AppointmentStaff, Booking, MemberMessage, Order, Slot, SlotKind
from membership.services.booking_reminders import booking_reminders_send
from portal.customer.booking_links import reminder_link
from tests.e2e.accounts import log_in_with_password
from tests.factories import (
    BookingFactory,
    MemberFactory,
    OrderFactory,
    ServiceCategoryFactory,
    StaffFactory,
    StoreFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
S = Booking.Status


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def today_at(hour: int) -> datetime:
    return datetime.combine(
        timezone.localdate(), time(hour), tzinfo=timezone.get_default_timezone()
    )


def test_staff_move_a_pickup_and_its_order_to_ready_and_the_member_sees_it(
    live_server, phone_page, new_phone_page, save_screenshot
):
    store = StoreFactory(name="河畔店")
    StaffFactory(store=store, username="clerk", email="clerk@example.com", first_name="王")
    driver = StaffFactory(store=store, first_name="李师傅")
    member = MemberFactory(name="周敏")
    now = timezone.now()
    order = OrderFactory(member=member, store=store, stage=Order.Stage.RECEIVED, received_at=now,
                         due_at=now + timedelta(days=2))  # fmt: skip
    booking = BookingFactory(member=member, store=store, order=order,
                             slot_start=today_at(23) - timedelta(hours=1), slot_end=today_at(23),
                             address="花园路8号3单元1202室")  # fmt: skip
    BookingFactory(store=store, slot_start=today_at(23) - timedelta(hours=1),
                   slot_end=today_at(23), kind=Booking.Kind.DELIVERY)  # fmt: skip

    page = phone_page
    log_in_with_password(page, live_server.url, "clerk@example.com")
    page.goto(live_server.url + reverse("counter:home"))
    page.get_by_test_id("counter-board").click()
    row = page.locator(f"[data-testid='board-booking'][data-booking='{booking.pk}']")
    expect(row).to_contain_text("周敏")
    expect(row).to_contain_text(order.number)
    assert fits_the_screen(page)
    save_screenshot(page, "board")

    row.click()
    expect(page.get_by_test_id("booking-address")).to_have_text("花园路8号3单元1202室")
    page.locator("select[name='driver']").select_option(str(driver.pk))
    page.get_by_test_id("driver-save").click()
    expect(page.get_by_test_id("booking-driver")).to_contain_text("李师傅")
    for status in ("confirmed", "on_the_way", "done"):
        page.get_by_test_id(f"move-{status}").click()
        expect(page.get_by_test_id("booking-status")).to_have_class(
            re.compile(rf"status-{status}\b")
        )
        assert fits_the_screen(page)
        if status == "on_the_way":
            save_screenshot(page, "card-on-the-way")
    for stage in ("cleaning", "ready"):
        page.get_by_test_id(f"order-stage-{stage}").click()
        expect(page.locator(".message").first).to_contain_text(order.number)
    save_screenshot(page, "card-done-order-ready")
    booking.refresh_from_db()
    order.refresh_from_db()
    assert (booking.status, booking.driver, order.stage) == (S.DONE, driver, Order.Stage.READY)

    page.get_by_test_id("back-to-board").click()
    expect(row.get_by_test_id("board-status")).to_have_class(re.compile(r"status-done\b"))

    phone = new_phone_page()
    log_in_with_password(phone, live_server.url, member.user.email)
    phone.goto(live_server.url + reverse("customer:booking", kwargs={"pk": booking.pk}))
    expect(phone.get_by_test_id("booking-status")).to_have_class(re.compile(r"status-done\b"))
    phone.goto(live_server.url + reverse("customer:order", kwargs={"number": order.number}))
    expect(phone.get_by_test_id("order-stage")).to_have_attribute("data-stage", "ready")
    assert fits_the_screen(phone)
    save_screenshot(phone, "member-order-ready")
    phone.goto(live_server.url + reverse("customer:inbox"))
    kinds = set(MemberMessage.objects.filter(member=member).values_list("kind", flat=True))
    assert kinds == {MemberMessage.Kind.BOOKING_CHANGED, MemberMessage.Kind.ORDER_READY}
    expect(phone.get_by_test_id("message")).to_have_count(4)  # confirmed, on the way, done, ready
    assert fits_the_screen(phone)
    save_screenshot(phone, "member-inbox")


def test_a_driver_marks_a_visit_missed_with_a_reason(live_server, phone_page, save_screenshot):
    store = StoreFactory(name="河畔店")
    StaffFactory(store=store, username="driver", email="driver@example.com", first_name="李")
    start = timezone.now() - timedelta(minutes=20)
    booking = BookingFactory(store=store, member=MemberFactory(name="孙丽"), status=S.ON_THE_WAY,
                             slot_start=start, slot_end=start + timedelta(hours=2))  # fmt: skip
    page = phone_page
    log_in_with_password(page, live_server.url, "driver@example.com")
    page.goto(live_server.url + reverse("counter:board-booking", kwargs={"pk": booking.pk}))

    page.get_by_test_id("move-missed").click()  # no reason: refused, nothing written
    expect(page.locator(".errorlist")).to_be_visible()
    page.get_by_test_id("missed-reason-input").fill("敲门无人应答，电话未接")
    page.get_by_test_id("move-missed").click()

    expect(page.get_by_test_id("missed-reason")).to_contain_text("敲门无人应答")
    assert fits_the_screen(page)
    save_screenshot(page, "missed")
    booking.refresh_from_db()
    assert booking.status == S.MISSED


def test_a_member_skips_a_booking_from_the_reminder_link(live_server, phone_page, save_screenshot):
    member = MemberFactory(name="钱多多")
    start = timezone.now() + timedelta(days=1)
    booking = BookingFactory(member=member, store=StoreFactory(name="河畔店"), slot_start=start,
                             slot_end=start + timedelta(hours=2),
                             created_at=start - timedelta(days=3))  # fmt: skip
    evening = timezone.localtime(start).replace(hour=18, minute=0) - timedelta(days=1)
    booking_reminders_send(now=evening, link_for=reminder_link)
    page = phone_page
    log_in_with_password(page, live_server.url, member.user.email)

    page.goto(live_server.url + reverse("customer:inbox"))
    page.get_by_test_id("message-link").click()
    expect(page.get_by_test_id("booking-skip")).to_be_visible()
    assert fits_the_screen(page)
    save_screenshot(page, "skip-page")
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED  # opening the link changed nothing

    page.get_by_test_id("skip-confirm").click()
    expect(page.get_by_test_id("booking-status")).to_have_class(re.compile(r"status-cancelled\b"))
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED


def test_a_salon_runs_the_days_appointments_from_the_board(
    live_server, phone_page, new_phone_page, save_screenshot
):
    store = StoreFactory(name="发艺馆", offers_appointments=True)
    tony = StaffFactory(store=store, username="tony", email="tony@example.com", first_name="Tony")
    AppointmentStaff.objects.create(store=store, user=tony, name="Tony", sort_order=0)
    cut = ServiceCategoryFactory(code="haircut", name_zh="剪发", name_en="Haircut")
    slot = Slot.objects.create(store=store, kind=SlotKind.APPOINTMENT, staff=tony,
                               start=today_at(23) - timedelta(hours=1), end=today_at(23),
                               capacity=1, booked=1, release_at=today_at(12))  # fmt: skip
    member = MemberFactory(name="林晓雨", user__email="lin@example.com")
    appointment = BookingFactory(member=member, store=store, kind=Booking.Kind.APPOINTMENT,
                                 service=cut, slot=slot, staff_requested=True, address="",
                                 status=S.CONFIRMED, slot_start=slot.start,
                                 slot_end=slot.end)  # fmt: skip
    BookingFactory(store=store, slot_start=slot.start, slot_end=slot.end)  # a pickup

    page = phone_page
    log_in_with_password(page, live_server.url, "tony@example.com")
    page.goto(live_server.url + reverse("counter:home"))
    page.get_by_test_id("counter-board").click()
    page.get_by_test_id("board-list-appointments").click()
    row = page.locator(f"[data-testid='board-booking'][data-booking='{appointment.pk}']")
    expect(row).to_contain_text("林晓雨")
    expect(row.get_by_test_id("board-stylist")).to_contain_text("Tony")
    expect(page.get_by_test_id("board-booking")).to_have_count(1)  # not the pickup
    assert fits_the_screen(page)
    save_screenshot(page, "appointments")

    row.click()
    expect(page.get_by_test_id("booking-stylist")).to_contain_text("Tony")
    expect(page.get_by_test_id("booking-driver-card")).to_have_count(0)
    page.get_by_test_id("move-done").click()
    expect(page.get_by_test_id("booking-status")).to_have_text(re.compile("Done|已完成"))
    assert fits_the_screen(page)
    save_screenshot(page, "appointment-card")

    phone = new_phone_page()
    log_in_with_password(phone, live_server.url, "lin@example.com")
    phone.goto(live_server.url + reverse("customer:dashboard"))
    phone.get_by_test_id("appointments-link").click()
    expect(phone.get_by_test_id("appointment-row")).to_contain_text("剪发")
    phone.get_by_test_id("appointment-row").click()
    expect(phone.get_by_test_id("appointment-status")).to_have_class(re.compile("status-done"))
    save_screenshot(phone, "member")
