"""The reminder's one-tap link /me/bookings/<id>/skip/?t=...: signed for one booking and its
member, good until the slot ends. Opening it changes nothing; confirming skips that booking
(one occurrence of a series) through the booking service and its cut-off. A tampered,
expired or forwarded link, or anyone but the member, is refused."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from membership.booking_links import SALT, booking_link_token
from membership.models import Booking, MemberMessage
from membership.services.booking_reminders import booking_reminders_send
from portal.customer.booking_links import reminder_link
from portal.tasks import send_booking_reminders
from tests.factories import BookingFactory, MemberFactory, OwnerFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db
S = Booking.Status


@pytest.fixture
def booking():
    start = timezone.now() + timedelta(days=1)
    return BookingFactory(
        member=MemberFactory(name="Zhou Min"),
        store=StoreFactory(name="Riverside", phone="021-5555"),
        slot_start=start,
        slot_end=start + timedelta(hours=2),
    )


def link(booking) -> str:
    return reminder_link(booking)


def test_the_member_opens_the_link_and_skips_the_booking(client, booking):
    client.force_login(booking.member.user)
    url = link(booking)

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Riverside" in html and 'data-testid="skip-confirm"' in html
    assert reverse("customer:booking-reschedule", kwargs={"pk": booking.pk}) in html
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED  # opening it changed nothing

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("customer:booking", kwargs={"pk": booking.pk})
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED and booking.cancelled_by == booking.member.user


def test_skipping_a_recurring_occurrence_cancels_that_one_only(client, booking):
    series = [booking]
    for week in (1, 2):
        series.append(
            BookingFactory(
                member=booking.member,
                store=booking.store,
                slot_start=booking.slot_start + timedelta(weeks=week),
                slot_end=booking.slot_end + timedelta(weeks=week),
                recurrence_weeks=1,
                series=booking.series,
            )
        )
    Booking.objects.filter(pk=booking.pk).update(
        recurrence_weeks=1, series="3f0b7c1e-1111-4a4a-9a9a-222233334444"
    )
    Booking.objects.filter(pk__in=[b.pk for b in series]).update(
        series="3f0b7c1e-1111-4a4a-9a9a-222233334444"
    )
    middle = Booking.objects.get(pk=series[1].pk)
    client.force_login(booking.member.user)
    assert "this one only" in client.get(link(middle)).content.decode()

    assert client.post(link(middle)).status_code == 302

    statuses = [Booking.objects.get(pk=b.pk).status for b in series]
    assert statuses == [S.REQUESTED, S.CANCELLED, S.REQUESTED]


def refused(response) -> bool:
    return response.status_code == 403 and 'data-testid="booking-link-refused"' in (
        response.content.decode()
    )


def test_another_members_link_is_refused(client, booking):
    other = MemberFactory()
    client.force_login(other.user)
    assert refused(client.get(link(booking)))
    assert refused(client.post(link(booking)))
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED
    # and another member's own valid link does not open this booking either
    theirs = BookingFactory(member=other, store=booking.store)
    swapped = reverse("customer:booking-skip", kwargs={"pk": booking.pk})
    assert refused(client.get(swapped + "?t=" + booking_link_token(theirs)))


def tampered_links(booking) -> list[str]:
    url = link(booking)
    path, token = url.split("?t=")
    token = parse_qs(urlsplit(url).query)["t"][0]
    forged = signing.dumps({"b": booking.pk, "m": booking.member_id, "e": 4102444800}, salt="x")
    unsalted = signing.dumps({"b": booking.pk, "m": booking.member_id, "e": 4102444800})
    return [
        path,  # no token
        path + "?t=",
        path + "?t=" + token[:-1] + ("A" if token[-1] != "A" else "B"),
        path + "?t=" + token.replace(token.split(":")[0], token.split(":")[0][::-1], 1),
        path + "?t=" + forged,
        path + "?t=" + unsalted,
        path + "?t=" + signing.dumps({"b": str(booking.pk)}, salt=SALT),
        path + "?t=" + signing.dumps([1, 2, 3], salt=SALT),
        path + "?t=" + "a%00b",
        path + "?t=" + "x" * 5000,
    ]


def test_a_tampered_link_is_refused_and_writes_nothing(client, booking):
    client.force_login(booking.member.user)
    for url in tampered_links(booking):
        assert refused(client.get(url)), url
        assert refused(client.post(url)), url
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED


def test_an_expired_link_is_refused(client, booking):
    url = link(booking)
    past = timezone.now() - timedelta(hours=3)
    Booking.objects.filter(pk=booking.pk).update(
        slot_start=past, slot_end=past + timedelta(hours=2)
    )
    booking.refresh_from_db()
    client.force_login(booking.member.user)
    assert refused(client.get(url))  # the token says when the slot ended when it was sent
    assert refused(client.get(link(booking)))  # and a fresh one for an ended slot too


def test_past_the_cut_off_the_page_says_call_the_store(client, booking):
    soon = timezone.now() + timedelta(minutes=30)
    Booking.objects.filter(pk=booking.pk).update(
        slot_start=soon, slot_end=soon + timedelta(hours=2)
    )
    booking.refresh_from_db()
    client.force_login(booking.member.user)
    html = client.get(link(booking)).content.decode()
    assert 'data-testid="skip-too-late"' in html and "021-5555" in html
    assert 'data-testid="skip-confirm"' not in html

    response = client.post(link(booking))

    assert response.status_code == 400 and "Too late to cancel online" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED


def test_a_booking_already_cancelled_is_shown_not_cancelled_again(client, booking):
    Booking.objects.filter(pk=booking.pk).update(status=S.CANCELLED)
    client.force_login(booking.member.user)
    html = client.get(link(booking)).content.decode()
    assert "can no longer be changed" in html and 'data-testid="skip-confirm"' not in html
    assert client.post(link(booking)).status_code == 400


# --- every role against the new URL -------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_and_come_back(client, booking):
    url = link(booking)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert "t%3D" in client.get(url)["Location"]  # the token survives the log-in
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED


@pytest.mark.parametrize("who", ["staff_here", "staff_elsewhere", "owner"])
def test_staff_and_owner_cannot_use_a_members_link(client, booking, who):
    user = {
        "staff_here": lambda: StaffFactory(store=booking.store),
        "staff_elsewhere": lambda: StaffFactory(store=StoreFactory()),
        "owner": OwnerFactory,
    }[who]()
    client.force_login(user)
    assert client.get(link(booking)).status_code == 403
    assert client.post(link(booking)).status_code == 403
    booking.refresh_from_db()
    assert booking.status == S.REQUESTED


# --- from the task to the tap --------------------------------------------------------------------


def test_the_task_posts_a_reminder_whose_link_skips_the_booking(client, booking):
    # the hour before: the reminder task as the scheduler runs it
    start = timezone.now() + timedelta(minutes=50)
    Booking.objects.filter(pk=booking.pk).update(
        slot_start=start, slot_end=start + timedelta(hours=2), created_at=start - timedelta(days=2)
    )
    assert send_booking_reminders.call() == {"evening": 0, "hour": 1}
    assert send_booking_reminders.call() == {"evening": 0, "hour": 0}
    [message] = MemberMessage.objects.filter(kind=MemberMessage.Kind.BOOKING_REMINDER)
    client.force_login(booking.member.user)

    inbox = client.get(reverse("customer:inbox")).content.decode()
    assert 'data-testid="message-link"' in inbox
    page = client.get(message.data["link"])

    assert page.status_code == 200  # past the 2-hour cut-off: it says to call the store
    assert 'data-testid="skip-too-late"' in page.content.decode()


def test_an_evening_reminder_link_skips_tomorrows_booking(client, booking):
    evening = timezone.localtime(booking.slot_start).replace(hour=18, minute=5) - timedelta(days=1)
    Booking.objects.filter(pk=booking.pk).update(created_at=evening - timedelta(days=1))
    booking.refresh_from_db()
    booking_reminders_send(now=evening, link_for=reminder_link)
    [message] = MemberMessage.objects.filter(kind=MemberMessage.Kind.BOOKING_REMINDER)
    client.force_login(booking.member.user)
    assert client.post(message.data["link"]).status_code == 302
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
