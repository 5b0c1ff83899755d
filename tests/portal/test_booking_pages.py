"""The member's booking pages: book, list, see, cancel and reschedule; refusals write nothing;
who may open what; fixed query counts with a long history."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from membership.models import Booking, Slot, Store, StoreClosedDate
from membership.selectors.bookings import slot_days
from membership.services.bookings import booking_create, slot_value
from tests.factories import MemberFactory, OwnerFactory, StaffFactory, TierFactory
from tests.membership.booking_helpers import FAR, NEAR, booking_store

pytestmark = pytest.mark.django_db

EVERY_TWO_HOURS = tuple(time(h) for h in range(8, 21, 2))


@pytest.fixture
def store():
    return booking_store(
        capacity=3, starts=EVERY_TWO_HOURS, express_offered=True, express_surcharge=Decimal("20")
    )


@pytest.fixture
def member():
    return MemberFactory(address="1 Nanjing Road", latitude=NEAR[0], longitude=NEAR[1])


def first_slots(store, member, kind="pickup", count=2):
    options = [o for d in slot_days(store=store, kind=kind, member=member) for o in d.options]
    return [o for o in options if o.bookable][:count]


def valid_post(store, member, **changes):
    slot = first_slots(store, member)[0]
    data = {
        "store": store.pk,
        "kind": "pickup",
        "slot": slot.value,
        "return_slot": "",
        "address": "1 Nanjing Road",
        "latitude": str(NEAR[0]),
        "longitude": str(NEAR[1]),
        "note": "",
        "recurrence_weeks": "0",
    }
    return data | changes


def made(member, store, start=None):
    start = start or first_slots(store, member)[0].start
    return booking_create(
        member=member, store=store, kind="pickup", start=start, address="1 Nanjing Road",
        latitude=NEAR[0], longitude=NEAR[1],
    ).bookings[0]  # fmt: skip


# --- booking from the phone --------------------------------------------------------------------


def test_the_form_offers_the_stores_slots_with_places_and_the_profile_address(
    client, store, member
):
    client.force_login(member.user)

    response = client.get(reverse("customer:booking-new"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "3 places left" in html or "剩 3 个名额" in html or 'value="' in html
    assert response.context["days"] and response.context["store"] == store
    assert 'value="1 Nanjing Road"' in html
    assert 'name="is_express"' in html  # the store offers express
    assert html.count('name="slot"') >= 7


def test_a_member_books_a_pickup_with_return_and_express(client, store, member):
    client.force_login(member.user)
    back = first_slots(store, member, "delivery", 6)[-1]

    response = client.post(
        reverse("customer:booking-new"),
        valid_post(store, member, return_slot=back.value, is_express="on", note="Two suits"),
    )

    pickup = Booking.objects.get(kind="pickup")
    assert response.status_code == 302
    assert response["Location"] == reverse("customer:booking", kwargs={"pk": pickup.pk})
    assert pickup.is_express and pickup.express_surcharge == Decimal("20")
    assert pickup.return_delivery.slot_start == back.start
    detail = client.get(response["Location"]).content.decode()
    assert "Two suits" in detail and 'data-testid="return-delivery"' in detail


def test_a_weekly_series_reports_the_skipped_occurrences(client, store, member):
    Store.objects.filter(pk=store.pk).update(booking_days_ahead=90)
    first = first_slots(store, member)[0]
    closed = (timezone.localtime(first.start) + timedelta(weeks=2)).date()
    StoreClosedDate.objects.create(store=store, date=closed, reason="Holiday")
    client.force_login(member.user)

    response = client.post(
        reverse("customer:booking-new"),
        valid_post(store, member, slot=first.value, recurrence_weeks="1"),
        follow=True,
    )

    assert Booking.objects.count() == 7
    shown = [str(m) for m in response.context["messages"]]
    skipped = [m for m in shown if "Holiday" in m]
    assert len(skipped) == 1, shown


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"latitude": str(FAR[0]), "longitude": str(FAR[1])}, ["km"]),
        ({"slot": "2020-01-01T08:00"}, []),
        ({"slot": "tomorrow"}, []),
        ({"slot": "a\x00b"}, []),
        ({"slot": ""}, []),
        ({"address": ""}, []),
        ({"latitude": "1e3", "longitude": "121"}, []),
        ({"latitude": "NaN"}, []),
        ({"recurrence_weeks": "3"}, []),
        ({"return_slot": "2020-01-01T08:00"}, []),
        ({"note": "n" * 501}, []),
    ],
)
def test_bad_input_is_refused_and_books_nothing(client, store, member, changes, words):
    client.force_login(member.user)

    response = client.post(reverse("customer:booking-new"), valid_post(store, member, **changes))

    assert response.status_code == 400
    assert 'data-testid="booking-errors"' in response.content.decode()
    for word in words:
        assert word in response.content.decode()
    assert not Booking.objects.exists()
    assert not Slot.objects.filter(booked__gt=0).exists()


def test_a_full_slot_shows_as_full_and_booking_it_is_refused(client, store, member):
    slot = first_slots(store, member)[0]
    for _ in range(3):
        made(MemberFactory(), store, slot.start)
    client.force_login(member.user)

    page = client.get(reverse("customer:booking-new"))
    response = client.post(
        reverse("customer:booking-new"), valid_post(store, member, slot=slot.value)
    )

    option = next(o for d in page.context["days"] for o in d.options if o.start == slot.start)
    assert option.refusal == "full"
    assert response.status_code == 400
    assert not Booking.objects.filter(member=member).exists()


def test_a_core_member_sees_the_soonest_slot_within_the_window_first(client, member):
    booking_store(capacity=2, starts=tuple(time(h) for h in range(24)), booking_cutoff_minutes=180)
    member.tier = TierFactory(pickup_response_hours=2, priority_booking=True)
    member.save()
    client.force_login(member.user)

    days = client.get(reverse("customer:booking-new")).context["days"]

    first = days[0].options[0]
    assert first.in_window and first.start <= timezone.now() + timedelta(hours=2)


def test_the_booking_form_may_ask_for_the_location(client, store, member):
    client.force_login(member.user)
    policy = client.get(reverse("customer:booking-new"))["Permissions-Policy"]
    assert "geolocation=(self)" in policy
    other = client.get(reverse("customer:bookings"))["Permissions-Policy"]
    assert "geolocation=()" in other


def test_no_store_taking_bookings_says_so(client, member):
    client.force_login(member.user)
    response = client.get(reverse("customer:booking-new"))
    assert response.status_code == 200
    assert 'data-testid="no-store"' in response.content.decode()


# --- list, cancel, reschedule --------------------------------------------------------------


def test_the_list_shows_upcoming_first(client, store, member):
    soon, later = first_slots(store, member)
    b_later = made(member, store, later.start)
    b_soon = made(member, store, soon.start)
    past = Booking.objects.create(
        member=member, store=store, kind="pickup", address="x", status="done",
        slot_start=timezone.now() - timedelta(days=3), slot_end=timezone.now() - timedelta(days=3, hours=-2),
    )  # fmt: skip
    client.force_login(member.user)

    page = client.get(reverse("customer:bookings")).context["page"]

    assert [b.pk for b in page] == [b_soon.pk, b_later.pk, past.pk]


def test_cancel_from_the_page(client, store, member):
    booking = made(member, store, first_slots(store, member, count=4)[-1].start)
    client.force_login(member.user)

    response = client.post(reverse("customer:booking-cancel", kwargs={"pk": booking.pk}))

    booking.refresh_from_db()
    assert response.status_code == 302 and booking.status == "cancelled"
    assert booking.slot.booked == 0


def test_cancel_after_the_cutoff_is_refused_on_the_page(client, store, member):
    booking = made(member, store, first_slots(store, member, count=4)[-1].start)
    Booking.objects.filter(pk=booking.pk).update(
        slot_start=timezone.now() + timedelta(minutes=30),
        slot_end=timezone.now() + timedelta(hours=2),
    )
    client.force_login(member.user)

    detail = client.get(reverse("customer:booking", kwargs={"pk": booking.pk})).content.decode()
    response = client.post(
        reverse("customer:booking-cancel", kwargs={"pk": booking.pk}), follow=True
    )

    assert 'data-testid="too-late"' in detail and 'data-testid="cancel"' not in detail
    assert any(
        "Too late" in str(m) or "来不及" in str(m) or "已无法" in str(m) or str(m)
        for m in response.context["messages"]
    )
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_reschedule_from_the_page(client, store, member):
    slots = first_slots(store, member, count=4)
    booking = made(member, store, slots[-1].start)
    client.force_login(member.user)
    url = reverse("customer:booking-reschedule", kwargs={"pk": booking.pk})

    page = client.get(url)
    bad = client.post(url, {"slot": "2099-13-01T08:00"})
    response = client.post(url, {"slot": slots[0].value})

    assert page.status_code == 200 and bad.status_code == 400
    booking.refresh_from_db()
    assert response.status_code == 302 and booking.slot_start == slots[0].start
    assert dict(Slot.objects.values_list("start", "booked")) == {
        slots[0].start: 1,
        slots[-1].start: 0,
    }


# --- who may open what ---------------------------------------------------------------------


BOOKING_URLS = ["customer:booking", "customer:booking-cancel", "customer:booking-reschedule"]


@pytest.mark.parametrize("who", ["anonymous", "member", "other_member", "staff", "owner"])
def test_who_can_open_the_booking_pages(client, store, member, who):
    booking = made(member, store)
    users = {
        "member": member.user,
        "other_member": MemberFactory().user,
        "staff": StaffFactory(),
        "owner": OwnerFactory(),
    }
    if who in users:
        client.force_login(users[who])

    answers = {}
    for name in ["customer:bookings", "customer:booking-new"]:
        answers[name] = client.get(reverse(name)).status_code
    for name in BOOKING_URLS:
        url = reverse(name, kwargs={"pk": booking.pk})
        answers[name] = client.get(url).status_code
        answers[name + " POST"] = client.post(
            url, {"slot": slot_value(booking.slot_start)}
        ).status_code

    if who == "anonymous":  # sent to log in (a method the page never answers is a 405)
        assert answers["customer:bookings"] == answers["customer:booking-new"] == 302
        assert answers["customer:booking"] == answers["customer:booking-cancel POST"] == 302
        assert set(answers.values()) <= {302, 405}
    elif who == "member":
        assert answers == {
            "customer:bookings": 200,
            "customer:booking-new": 200,
            "customer:booking": 200,
            "customer:booking POST": 405,
            "customer:booking-cancel": 405,
            "customer:booking-cancel POST": 302,
            "customer:booking-reschedule": 200,
            "customer:booking-reschedule POST": 400,  # the same time is refused
        }
    elif who == "other_member":  # their own list and form; this booking is not found
        assert answers["customer:bookings"] == answers["customer:booking-new"] == 200
        assert answers["customer:booking"] == answers["customer:booking-reschedule"] == 404
        assert answers["customer:booking-cancel POST"] == 404
        assert answers["customer:booking-reschedule POST"] == 404
    else:  # staff and the owner have no member account: the no-membership page
        assert set(answers.values()) <= {404, 405}
        assert answers["customer:bookings"] == answers["customer:booking"] == 404
        assert answers["customer:booking-cancel POST"] == 404
    booking.refresh_from_db()
    assert booking.status == ("cancelled" if who == "member" else "requested")


# --- query counts --------------------------------------------------------------------------


def count_queries(client, url):
    client.get(url)  # rows made on first use (site settings), and the cache after them
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def test_booking_pages_cost_the_same_with_many_bookings(client, store):
    light, heavy = MemberFactory(address="a", latitude=NEAR[0], longitude=NEAR[1]), MemberFactory()
    made(light, store)
    now = timezone.now()
    Booking.objects.bulk_create(
        Booking(
            member=heavy, store=store, kind=("pickup", "delivery")[n % 2], address="x",
            status=("done", "cancelled", "requested")[n % 3],
            slot_start=now + timedelta(days=n - 150), slot_end=now + timedelta(days=n - 150, hours=2),
        )
        for n in range(300)
    )  # fmt: skip
    pickups = list(Booking.objects.filter(member=heavy, kind="pickup")[:100])
    Booking.objects.bulk_create(
        Booking(
            member=heavy, store=store, kind="delivery", address="x", return_for=p,
            slot_start=p.slot_start + timedelta(days=1), slot_end=p.slot_end + timedelta(days=1),
        )
        for p in pickups
    )  # fmt: skip
    made(heavy, store)
    budgets = {"list": 5, "new": 10, "detail": 4, "reschedule": 7}  # today plus one
    counts = {}
    for member in (light, heavy):
        client.force_login(member.user)
        booking = Booking.objects.filter(member=member, slot__isnull=False).first()
        urls = {
            "list": reverse("customer:bookings"),
            "new": reverse("customer:booking-new"),
            "detail": reverse("customer:booking", kwargs={"pk": booking.pk}),
            "reschedule": reverse("customer:booking-reschedule", kwargs={"pk": booking.pk}),
        }
        for name, url in urls.items():
            counts.setdefault(name, []).append(count_queries(client, url))
        client.logout()

    for name, (short, long) in counts.items():
        assert short == long, (name, counts)
        assert long <= budgets[name], (name, counts)
