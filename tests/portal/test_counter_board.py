"""The counter's pickup and delivery board and each booking's card: who sees what (anonymous,
a member, another member, staff of the store, staff of another store, the owner), the day
and store picked, the buttons, refusals with a message and nothing written, and a fixed
number of queries however many bookings the day holds."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from membership.message_words import message_text
from membership.models import (
    AppointmentStaff,
    Booking,
    MemberMessage,
    Order,
    Slot,
    SlotKind,
    StaffAction,
    Store,
)
from tests.factories import (
    BookingFactory,
    MemberFactory,
    OrderFactory,
    OwnerFactory,
    ServiceCategoryFactory,
    StaffFactory,
    StoreFactory,
)

pytestmark = pytest.mark.django_db
S = Booking.Status
BOARD = reverse("counter:board")


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


@pytest.fixture
def shop():
    store = StoreFactory(name="Riverside")
    other_store = StoreFactory(name="Hilltop")
    member = MemberFactory(name="Zhou Min")
    today = timezone.localdate()
    booking = BookingFactory(
        member=member,
        store=store,
        slot_start=at(today, 14),
        slot_end=at(today, 16),
        address="8 Garden Lane",
    )
    return {
        "store": store,
        "other_store": other_store,
        "member": member,
        "other_member": MemberFactory(name="Qian Li"),
        "clerk": StaffFactory(store=store, first_name="Wang"),
        "other_clerk": StaffFactory(store=other_store, first_name="Sun"),
        "owner": OwnerFactory(),
        "booking": booking,
        "today": today,
    }


def card_url(booking) -> str:
    return reverse("counter:board-booking", kwargs={"pk": booking.pk})


# --- who reaches what ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, shop):
    card = card_url(shop["booking"])
    for response in (
        client.get(BOARD),
        client.get(card),
        client.post(card, {"action": "confirmed"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert client.post(BOARD).status_code == 405  # the board only shows
    assert Booking.objects.get().status == S.REQUESTED


@pytest.mark.parametrize("who", ["member", "other_member"])
def test_members_get_403_even_for_their_own_booking(client, shop, who):
    client.force_login(shop[who].user)
    card = card_url(shop["booking"])
    assert client.get(BOARD).status_code == 403
    assert client.get(card).status_code == 403
    assert client.post(card, {"action": "confirmed"}).status_code == 403
    assert Booking.objects.get().status == S.REQUESTED


def test_staff_of_the_store_see_the_booking_and_move_it(client, shop):
    client.force_login(shop["clerk"])
    html = client.get(BOARD).content.decode()
    assert "Zhou Min" in html and "8 Garden Lane" in html and "Riverside" in html
    assert client.get(card_url(shop["booking"])).status_code == 200

    response = client.post(card_url(shop["booking"]), {"action": "confirmed"})

    assert response.status_code == 302 and response["Location"] == card_url(shop["booking"])
    assert Booking.objects.get().status == S.CONFIRMED


def test_staff_of_another_store_neither_see_nor_move_it(client, shop):
    client.force_login(shop["other_clerk"])
    # their own board, whatever store they ask for
    for url in (BOARD, BOARD + f"?store={shop['store'].pk}"):
        html = client.get(url).content.decode()
        assert "Hilltop" in html
        assert "Zhou Min" not in html and "8 Garden Lane" not in html
    assert client.get(card_url(shop["booking"])).status_code == 404
    for action in ("confirmed", "missed", "driver", "order"):
        response = client.post(card_url(shop["booking"]), {"action": action, "reason": "x"})
        assert response.status_code == 404
    assert Booking.objects.get().status == S.REQUESTED
    assert not StaffAction.objects.exists()


def test_the_owner_picks_any_store(client, shop):
    client.force_login(shop["owner"])
    html = client.get(BOARD + f"?store={shop['store'].pk}").content.decode()
    assert "Zhou Min" in html
    assert 'data-testid="board-store"' in html
    other = client.get(BOARD + f"?store={shop['other_store'].pk}").content.decode()
    assert "Zhou Min" not in other
    assert client.post(card_url(shop["booking"]), {"action": "confirmed"}).status_code == 302
    assert Booking.objects.get().status == S.CONFIRMED


def test_staff_without_a_store_are_told_so(client, shop):
    client.force_login(StaffFactory(store=None))
    response = client.get(BOARD)
    assert response.status_code == 200
    assert 'data-testid="board-no-store"' in response.content.decode()
    assert client.get(card_url(shop["booking"])).status_code == 404


def test_the_counter_home_links_the_board(client, shop):
    client.force_login(shop["clerk"])
    assert BOARD in client.get(reverse("counter:home")).content.decode()


# --- the day ---------------------------------------------------------------------------------


def test_the_board_shows_one_day_by_slot_and_leaves_out_cancelled_and_other_days(client, shop):
    store, today = shop["store"], shop["today"]
    BookingFactory(store=store, member=MemberFactory(name="Early Bird"), slot_start=at(today, 9),
                   slot_end=at(today, 11))  # fmt: skip
    BookingFactory(store=store, member=MemberFactory(name="Gone Away"), slot_start=at(today, 9),
                   slot_end=at(today, 11), status=S.CANCELLED)  # fmt: skip
    BookingFactory(store=store, member=MemberFactory(name="Next Day"),
                   slot_start=at(today + timedelta(days=1), 9),
                   slot_end=at(today + timedelta(days=1), 11))  # fmt: skip
    client.force_login(shop["clerk"])

    html = client.get(BOARD).content.decode()

    assert html.count('data-testid="board-slot"') == 2
    assert html.index("09:00–11:00") < html.index("Early Bird") < html.index("14:00–16:00")
    assert html.index("14:00–16:00") < html.index("Zhou Min")
    assert "Gone Away" not in html and "Next Day" not in html
    assert "1 cancelled" in html

    tomorrow = client.get(BOARD + f"?date={(today + timedelta(days=1)).isoformat()}")
    assert "Next Day" in tomorrow.content.decode() and "Zhou Min" not in tomorrow.content.decode()


def test_phone_numbers_are_masked_on_the_board_and_card(client, shop):
    phone = str(shop["member"].user.phone)  # +8613800000xxx
    client.force_login(shop["clerk"])
    for url in (BOARD, card_url(shop["booking"])):
        html = client.get(url).content.decode()
        assert phone not in html and phone[3:] not in html
        assert f"{phone[3:6]}****{phone[-4:]}" in html


@pytest.mark.parametrize(
    "value", ["not-a-date", "2026-13-01", "1900-01-01", "9999-01-01", "２０２６-01-01", "a\x00b"]
)
def test_a_bad_date_shows_today_with_a_message(client, shop, value):
    client.force_login(shop["clerk"])
    response = client.get(BOARD, {"date": value, "store": value, "page": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zhou Min" in html and 'class="message error"' in html


def test_the_card_shows_the_slot_capacity_driver_and_order(client, shop):
    store, today = shop["store"], shop["today"]
    slot = Slot.objects.create(store=store, kind="pickup", start=at(today, 14), end=at(today, 16),
                               capacity=4, booked=1, release_at=at(today, 14))  # fmt: skip
    order = OrderFactory(member=shop["member"], store=store)
    Booking.objects.filter(pk=shop["booking"].pk).update(slot=slot, order=order,
                                                          driver=shop["clerk"])  # fmt: skip
    client.force_login(shop["clerk"])
    board = client.get(BOARD).content.decode()
    assert "Pickup 1/4" in board and "Driver: Wang" in board and order.number in board
    card = client.get(card_url(shop["booking"])).content.decode()
    assert order.number in card and "Driver: Wang" in card


# --- the buttons -----------------------------------------------------------------------------


def test_a_driver_at_the_door_goes_on_the_way_then_done(client, shop):
    client.force_login(shop["clerk"])
    url = card_url(shop["booking"])
    html = client.get(url).content.decode()
    assert 'value="confirmed"' in html and 'value="done"' not in html

    for action in ("confirmed", "on_the_way", "done"):
        assert client.post(url, {"action": action}).status_code == 302
    booking = Booking.objects.get()
    assert booking.status == S.DONE and booking.driver == shop["clerk"]
    statuses = MemberMessage.objects.filter(member=shop["member"]).values_list(
        "data__status", flat=True
    )
    assert sorted(statuses) == ["confirmed", "done", "on_the_way"]
    html = client.get(url).content.decode()
    assert 'data-testid="booking-moves"' not in html and 'data-testid="booking-missed"' not in html


def test_a_move_out_of_order_is_refused_with_a_message(client, shop):
    client.force_login(shop["clerk"])
    response = client.post(card_url(shop["booking"]), {"action": "done"})
    assert response.status_code == 400
    assert "cannot be marked done" in response.content.decode()
    assert Booking.objects.get().status == S.REQUESTED


def test_missed_needs_a_reason_and_the_member_reads_it(client, shop):
    Booking.objects.filter(pk=shop["booking"].pk).update(
        status=S.ON_THE_WAY, slot_start=timezone.now() - timedelta(minutes=10)
    )
    client.force_login(shop["clerk"])
    url = card_url(shop["booking"])
    for reason in ("", "   ", "x" * 300):
        response = client.post(url, {"action": "missed", "reason": reason})
        assert response.status_code == 400
        assert 'class="errorlist' in response.content.decode()
    assert Booking.objects.get().status == S.ON_THE_WAY

    assert client.post(url, {"action": "missed", "reason": "No one home"}).status_code == 302
    booking = Booking.objects.get()
    assert booking.status == S.MISSED and booking.missed_reason == "No one home"
    assert "No one home" in client.get(url).content.decode()


def test_assigning_a_driver_from_the_stores_staff_only(client, shop):
    driver = StaffFactory(store=shop["store"], first_name="Li")
    client.force_login(shop["clerk"])
    url = card_url(shop["booking"])
    html = client.get(url).content.decode()
    assert f'value="{driver.pk}"' in html and f'value="{shop["other_clerk"].pk}"' not in html

    response = client.post(url, {"action": "driver", "driver": shop["other_clerk"].pk})
    assert response.status_code == 400
    assert Booking.objects.get().driver is None

    assert client.post(url, {"action": "driver", "driver": driver.pk}).status_code == 302
    assert Booking.objects.get().driver == driver
    assert client.post(url, {"action": "driver", "driver": ""}).status_code == 302
    assert Booking.objects.get().driver is None


def test_noting_the_order_a_pickup_brought(client, shop):
    order = OrderFactory(member=shop["member"], store=shop["store"])
    someone_elses = OrderFactory(store=shop["store"])
    client.force_login(shop["clerk"])
    url = card_url(shop["booking"])
    for typed, message in [
        ("NOPE123", "No order has the number NOPE123."),
        (someone_elses.number, "another member"),
    ]:
        response = client.post(url, {"action": "order", "order": typed})
        assert response.status_code == 400 and message in response.content.decode()
    assert Booking.objects.get().order is None

    assert client.post(url, {"action": "order", "order": order.number.lower()}).status_code == 302
    assert Booking.objects.get().order == order
    assert client.post(url, {"action": "order", "order": ""}).status_code == 302
    assert Booking.objects.get().order is None


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"action": "bogus"},
        {"action": "a\x00b"},
        {"action": "driver", "driver": "a\x00b"},
        {"action": "driver", "driver": "9" * 40},
        {"action": "order", "order": "a\x00b"},
        {"action": "order", "order": "é" * 300},
        {"action": "missed", "reason": "a\x00b"},
        {"action": "cancel", "cancel_reason": "a\x00b"},
        {"action": "cancel", "cancel_reason": "x" * 10_000},
        {"action": "cancel", "cancel_reason": ""},
        {"action": "cancel"},
    ],
)
def test_hostile_posts_are_answered_with_a_message_and_write_nothing(client, shop, form):
    client.force_login(shop["clerk"])
    response = client.post(card_url(shop["booking"]), form)
    assert response.status_code == 400
    booking = Booking.objects.get()
    assert (booking.status, booking.driver, booking.order) == (S.REQUESTED, None, None)
    assert not StaffAction.objects.exists()


def test_an_unknown_booking_is_a_404(client, shop):
    client.force_login(shop["owner"])
    assert client.get(reverse("counter:board-booking", kwargs={"pk": 999999})).status_code == 404


# --- queries ---------------------------------------------------------------------------------


def many_bookings(store, day, count: int) -> None:
    members = [MemberFactory() for _ in range(min(count, 12))]
    drivers = [StaffFactory(store=store) for _ in range(3)]
    Booking.objects.bulk_create(
        Booking(
            member=members[n % len(members)],
            store=store,
            kind=(Booking.Kind.PICKUP, Booking.Kind.DELIVERY)[n % 2],
            status=(S.REQUESTED, S.CONFIRMED, S.ON_THE_WAY, S.DONE)[n % 4],
            slot_start=at(day, 8 + n % 10),
            slot_end=at(day, 9 + n % 10),
            address=f"{n} Long Road",
            driver=drivers[n % 3],
            order=OrderFactory(member=members[n % len(members)], store=store) if n % 3 else None,
        )
        for n in range(count)
    )


def count_queries(client, url) -> int:
    for _warm in range(2):  # the site, then its settings, are cached on first use
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["clerk", "owner"])
def test_the_board_costs_the_same_queries_with_many_bookings(client, shop, who):
    client.force_login(shop[who])
    url = BOARD + f"?store={shop['store'].pk}"
    few = count_queries(client, url)
    many_bookings(shop["store"], shop["today"], 120)
    assert count_queries(client, url) == few
    assert count_queries(client, url + "&page=2") == few
    assert few <= 8


def test_the_card_costs_a_fixed_number_of_queries(client, shop):
    client.force_login(shop["clerk"])
    few = count_queries(client, card_url(shop["booking"]))
    many_bookings(shop["store"], shop["today"], 60)
    assert count_queries(client, card_url(shop["booking"])) == few
    assert few <= 6


def garment_order(member, store, **fields):
    now = timezone.now()
    return OrderFactory(member=member, store=store, stage=Order.Stage.RECEIVED, received_at=now,
                        due_at=now + timedelta(days=3), **fields)  # fmt: skip


def test_the_order_a_pickup_brought_moves_to_ready_from_the_card(client, shop):
    order = garment_order(shop["member"], shop["store"])
    Booking.objects.filter(pk=shop["booking"].pk).update(order=order)
    client.force_login(shop["clerk"])
    url = card_url(shop["booking"])
    html = client.get(url).content.decode()
    assert 'data-testid="order-stage-cleaning"' in html and "order-stage-delivered" not in html

    for stage in ("cleaning", "ready"):
        response = client.post(url, {"action": "order_stage", "stage": stage})
        assert response.status_code == 302, response.content.decode()

    order.refresh_from_db()
    assert order.stage == Order.Stage.READY
    assert MemberMessage.objects.filter(
        member=shop["member"], kind=MemberMessage.Kind.ORDER_READY
    ).exists()
    assert "order-stage-collected" not in client.get(url).content.decode()  # at the counter


@pytest.mark.parametrize("stage", ["collected", "delivered", "received", "bogus", "a\x00b", ""])
def test_order_stages_the_board_does_not_offer_are_refused(client, shop, stage):
    order = garment_order(shop["member"], shop["store"])
    Booking.objects.filter(pk=shop["booking"].pk).update(order=order)
    client.force_login(shop["clerk"])
    response = client.post(card_url(shop["booking"]), {"action": "order_stage", "stage": stage})
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.stage == Order.Stage.RECEIVED


def test_a_paid_order_is_delivered_from_its_delivery(client, shop):
    order = garment_order(shop["member"], shop["store"])
    Order.objects.filter(pk=order.pk).update(stage=Order.Stage.READY)
    delivery = BookingFactory(member=shop["member"], store=shop["store"], order=order,
                              kind=Booking.Kind.DELIVERY)  # fmt: skip
    client.force_login(shop["clerk"])
    response = client.post(card_url(delivery), {"action": "order_stage", "stage": "delivered"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.stage == Order.Stage.DELIVERED


def test_in_store_appointments_are_not_on_the_pickup_and_delivery_board(client, shop):
    BookingFactory(store=shop["store"], member=MemberFactory(name="Hair Cut"),
                   kind=Booking.Kind.APPOINTMENT, service=ServiceCategoryFactory(),
                   slot_start=at(shop["today"], 10),
                   slot_end=at(shop["today"], 11))  # fmt: skip
    client.force_login(shop["clerk"])
    html = client.get(BOARD).content.decode()
    assert "Hair Cut" not in html and "Zhou Min" in html
    assert "1 booking" in html


# --- the appointments list of a salon ----------------------------------------------------------


@pytest.fixture
def salon_day(shop):
    """The shop's store also takes appointments: two today, with Tony asked for and anyone."""
    store = shop["store"]
    Store.objects.filter(pk=store.pk).update(offers_appointments=True)
    store.refresh_from_db()
    tony = StaffFactory(store=store, first_name="Tony")
    AppointmentStaff.objects.create(store=store, user=tony, name="Tony", sort_order=0)
    cut = ServiceCategoryFactory(code="haircut", name_zh="剪发", name_en="Haircut")
    slot = Slot.objects.create(store=store, kind=SlotKind.APPOINTMENT, staff=tony,
                               start=at(shop["today"], 10), end=at(shop["today"], 11),
                               capacity=1, booked=1, release_at=at(shop["today"], 10))  # fmt: skip
    asked = BookingFactory(store=store, member=MemberFactory(name="Hair Cut"), slot=slot,
                           kind=Booking.Kind.APPOINTMENT, service=cut, staff_requested=True,
                           status=S.CONFIRMED, address="",
                           slot_start=slot.start, slot_end=slot.end)  # fmt: skip
    BookingFactory(store=store, member=MemberFactory(name="Any Stylist"), service=cut,
                   kind=Booking.Kind.APPOINTMENT, address="",
                   slot_start=at(shop["today"], 15), slot_end=at(shop["today"], 16))  # fmt: skip
    return {"store": store, "asked": asked, "tony": tony}


def test_a_salon_board_lists_the_days_appointments_with_the_stylist(client, shop, salon_day):
    client.force_login(shop["clerk"])
    html = client.get(BOARD).content.decode()
    assert 'data-testid="board-list-appointments"' in html
    assert "Hair Cut" not in html and "Zhou Min" in html  # pickups first

    html = client.get(BOARD + "?list=appointments").content.decode()
    assert "Appointments board" in html
    assert "Hair Cut" in html and "Any Stylist" in html and "Zhou Min" not in html
    assert "Haircut" in html and "with Tony" in html and "anyone free" in html
    assert "2 bookings" in html
    assert "Long Road" not in html and "No driver yet" not in html
    # The day's arrows keep the list.
    assert f"?date={(shop['today'] + timedelta(days=1)).isoformat()}&amp;list=appointments" in html


def test_a_store_without_appointments_shows_no_appointments_list(client, shop):
    BookingFactory(store=shop["store"], member=MemberFactory(name="Hair Cut"),
                   kind=Booking.Kind.APPOINTMENT, service=ServiceCategoryFactory(), address="",
                   slot_start=at(shop["today"], 10), slot_end=at(shop["today"], 11))  # fmt: skip
    client.force_login(shop["clerk"])
    html = client.get(BOARD + "?list=appointments").content.decode()
    assert "board-list-appointments" not in html
    assert "Hair Cut" not in html and "Zhou Min" in html


def test_a_store_taking_only_appointments_opens_on_them(client, shop, salon_day):
    Store.objects.filter(pk=salon_day["store"].pk).update(
        offers_pickup=False, offers_delivery=False
    )
    client.force_login(shop["clerk"])
    html = client.get(BOARD).content.decode()
    assert "Hair Cut" in html and "Zhou Min" not in html
    assert "board-list-visits" not in html


def test_an_appointment_card_has_no_driver_and_no_on_the_way(client, shop, salon_day):
    client.force_login(shop["clerk"])
    url = card_url(salon_day["asked"])
    html = client.get(url).content.decode()
    assert "with Tony" in html and "asked for" in html
    assert 'data-testid="move-done"' in html
    assert "move-on_the_way" not in html and "booking-driver-card" not in html
    assert "back-to-board" in html and "list=appointments" in html

    for post in ({"action": "on_the_way"}, {"action": "driver", "driver": str(shop["clerk"].pk)}):
        response = client.post(url, post, follow=True)
        assert "nobody drives to it" in response.content.decode(), post
        booking = Booking.objects.get(pk=salon_day["asked"].pk)
        assert booking.status == S.CONFIRMED and booking.driver_id is None

    assert client.post(url, {"action": "done"}).status_code == 302
    assert Booking.objects.get(pk=salon_day["asked"].pk).status == S.DONE
    message = MemberMessage.objects.filter(member=salon_day["asked"].member).latest("pk")
    assert message.data["kind"] == "appointment" and message.data["status"] == "done"


def test_a_missed_appointment_is_told_as_one(client, shop, salon_day):
    booking = salon_day["asked"]
    Booking.objects.filter(pk=booking.pk).update(
        slot_start=timezone.now() - timedelta(minutes=30),
        slot_end=timezone.now() + timedelta(minutes=30),
    )
    client.force_login(shop["clerk"])
    response = client.post(card_url(booking), {"action": "missed", "reason": "No show"})
    assert response.status_code == 302
    message = MemberMessage.objects.filter(member=booking.member).latest("pk")
    text = message_text(message)
    assert "We missed you at your appointment" in text.body and "No show" in text.body


def test_the_appointments_list_costs_the_same_queries_with_many(client, shop, salon_day):
    client.force_login(shop["clerk"])
    url = BOARD + "?list=appointments"
    few = count_queries(client, url)
    Booking.objects.bulk_create(
        Booking(member=MemberFactory(), store=salon_day["store"], kind=Booking.Kind.APPOINTMENT,
                service_id=salon_day["asked"].service_id, slot=salon_day["asked"].slot,
                slot_start=at(shop["today"], 9 + n % 9), slot_end=at(shop["today"], 10 + n % 9))
        for n in range(50)
    )  # fmt: skip
    assert count_queries(client, url) == few
    assert count_queries(client, url + "&page=2") == few
    assert few <= 8


def test_staff_cancel_a_booking_from_its_card_with_a_reason(client, shop):
    client.force_login(shop["clerk"])
    url = card_url(shop["booking"])
    assert 'data-testid="move-cancel"' in client.get(url).content.decode()

    response = client.post(url, {"action": "cancel", "cancel_reason": "  "})
    assert response.status_code == 400
    assert "Say why it is cancelled." in response.content.decode()
    assert Booking.objects.get(pk=shop["booking"].pk).status == S.REQUESTED

    response = client.post(
        url, {"action": "cancel", "cancel_reason": "Asked by phone"}, follow=True
    )
    assert "Cancelled. The member is told why." in response.content.decode()
    assert Booking.objects.get(pk=shop["booking"].pk).status == S.CANCELLED
    assert "move-cancel" not in response.content.decode()  # nothing left to cancel

    client.force_login(shop["member"].user)
    page = client.get(reverse("customer:booking", kwargs={"pk": shop["booking"].pk}))
    assert "Cancelled" in page.content.decode()


def test_other_stores_staff_cannot_cancel(client, shop):
    client.force_login(shop["other_clerk"])
    response = client.post(card_url(shop["booking"]), {"action": "cancel", "cancel_reason": "x"})
    assert response.status_code == 404
    assert Booking.objects.get(pk=shop["booking"].pk).status == S.REQUESTED
