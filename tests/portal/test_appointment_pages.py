"""The member's appointment pages: book with a chosen staff member or anyone free, list, see,
cancel and move; refusals say why and write nothing; who may open what; fixed query counts
with a long history."""

from datetime import time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membership.models import (
    AppointmentStaff,
    Booking,
    Member,
    ServiceCategory,
    Slot,
    Store,
    StoreClosedDate,
    User,
)
from membership.selectors.appointments import appointment_days, appointment_staff
from membership.services.appointments import appointment_create
from membership.services.bookings import booking_create, slot_value
from portal.management.commands.demo_seed import DEMO_NUMBER
from tests.factories import (
    MemberFactory,
    OwnerFactory,
    ServiceCategoryFactory,
    StaffFactory,
    StoreFactory,
    TierFactory,
)
from tests.membership.appointment_helpers import salon
from tests.portal.test_fuzz_urls import hostile_text
from tests.portal.test_owner_admin import form_as_posted

pytestmark = pytest.mark.django_db

EVERY_TWO_HOURS = tuple(time(h) for h in range(8, 21, 2))


@pytest.fixture
def shop():
    return salon(capacity=2, starts=EVERY_TWO_HOURS)


@pytest.fixture
def member():
    return MemberFactory()


def haircut() -> ServiceCategory:
    return ServiceCategory.objects.get(code="haircut")


def bookable(store, member, staff=None, count=2):
    people = [staff] if staff else list(store.appointment_staff.order_by("sort_order", "pk"))
    days = appointment_days(
        store=store, member=member, staff=people, only=staff.user_id if staff else None
    )
    return [o for d in days for o in d.options if o.bookable][:count]


def post_data(store, member, staff=None, /, **changes):
    return {
        "store": store.pk,
        "staff": staff.user_id if staff else "any",
        "service": haircut().pk,
        "slot": bookable(store, member, staff)[0].value,
        "note": "",
    } | changes


def made(member, store, staff=None, start=None):
    start = start or bookable(store, member, staff)[0].start
    return appointment_create(
        member=member, store=store, service=haircut(), start=start,
        staff=staff.user if staff else None,
    )  # fmt: skip


# --- booking from the phone ------------------------------------------------------------------


def test_the_form_lists_services_staff_and_times_with_places(client, shop, member):
    store, (tony, amy) = shop
    StoreFactory(name="Laundry only")  # takes no appointments: not offered
    client.force_login(member.user)

    response = client.get(reverse("customer:appointment-new"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["stores"] == [store]
    assert "Haircut" in html and "Colour" in html
    assert "Tony" in html and "Senior stylist" in html and "Amy" in html
    assert "Anyone free" in html and response.context["chosen"] is None
    assert "4 places left" in html  # 2 each, anyone free
    assert html.count('name="slot"') >= 7


def test_a_stylists_own_places_show_when_chosen_and_the_preferred_one_first(client, shop):
    store, (tony, amy) = shop
    member = MemberFactory(preferred_staff=amy.user)
    made(MemberFactory(), store, amy, start=bookable(store, member, amy)[0].start)
    client.force_login(member.user)

    response = client.get(reverse("customer:appointment-new"))

    assert response.context["chosen"] == amy
    first = response.context["days"][0].options[0]
    assert [p.staff for p in first.staff] == [amy]
    assert "1 place left" in response.content.decode()
    anyone = client.get(reverse("customer:appointment-new"), {"staff": "any"})
    assert anyone.context["chosen"] is None


def test_a_member_books_with_a_chosen_stylist(client, shop, member):
    store, (tony, amy) = shop
    client.force_login(member.user)

    response = client.post(
        reverse("customer:appointment-new"),
        post_data(store, member, amy, note="Short at the back"),
    )

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customer:appointment", kwargs={"pk": booking.pk})
    assert booking.kind == "appointment" and booking.slot.staff == amy.user
    assert booking.staff_requested and booking.service == haircut()
    detail = client.get(response["Location"]).content.decode()
    assert "Amy" in detail and "Short at the back" in detail and "as you asked" in detail


def test_a_member_books_anyone_free(client, shop, member):
    store, (tony, amy) = shop
    client.force_login(member.user)

    client.post(reverse("customer:appointment-new"), post_data(store, member))

    booking = Booking.objects.get()
    assert booking.slot.staff == tony.user and not booking.staff_requested


def _full(store, member, person):
    start = bookable(store, member, person)[0].start
    made(MemberFactory(), store, person, start)
    made(MemberFactory(), store, person, start)
    return slot_value(start)


def _closed(store, member, person):
    start = bookable(store, member, person)[0].start
    StoreClosedDate.objects.create(store=store, date=timezone.localdate(start), reason="Training")
    return slot_value(start)


def _past(store, member, person):
    return slot_value(timezone.localtime() - timedelta(days=1))


def _inside_cutoff(store, member, person):
    soon = timezone.localtime() + timedelta(minutes=30)
    return slot_value(soon.replace(minute=0) + timedelta(hours=1))


REFUSALS = [
    ({"service": ""}, "Choose a service."),
    ({"service": "999999"}, "Choose a service from the list."),
    ({"slot": ""}, "Choose a time."),
    ({"slot": "tomorrow at ten"}, "Choose a time from the list."),
    ({"slot": "2031-02-30T10:00"}, "Choose a time from the list."),
    ({"slot": _past}, "has already started"),
    ({"slot": _closed}, "closed on"),
    ({"slot": _full}, "Tony is fully booked"),
    ({"staff": "999999"}, "does not take appointments at"),
    ({"note": "x" * 501}, "at most 500 characters"),
]


@pytest.mark.parametrize(("changes", "words"), REFUSALS)
def test_bad_input_is_refused_and_books_nothing(client, shop, member, changes, words):
    store, (tony, _amy) = shop
    changes = {k: v(store, member, tony) if callable(v) else v for k, v in changes.items()}
    before = Booking.objects.count()
    client.force_login(member.user)

    response = client.post(
        reverse("customer:appointment-new"), post_data(store, member, tony, **changes)
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert words in html and "Nothing was booked." in html
    assert Booking.objects.count() == before


def test_after_the_cutoff_is_refused(client, member):
    # A slot every hour: the next one starts within the 2-hour cut-off.
    store, (tony, _amy) = salon(starts=tuple(time(h) for h in range(24)))
    client.force_login(member.user)
    soon = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)

    response = client.post(
        reverse("customer:appointment-new"),
        post_data(store, member, tony, slot=slot_value(soon)),
    )

    assert response.status_code == 400
    assert "Too late to book" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_held_back_last_place_says_it_is_kept_for_priority_members(client):
    core = TierFactory(code="core", priority_booking=True, name_en="Core")
    # 2 places per stylist, 1 kept for priority tiers until 2 hours before (the cut-off).
    store, (tony,) = salon(
        capacity=2, stylists=1, held_back_percent=50, release_minutes=120, starts=EVERY_TWO_HOURS
    )
    member = MemberFactory()
    start = bookable(store, member, tony)[0].start
    made(MemberFactory(), store, tony, start)
    client.force_login(member.user)

    page = client.get(reverse("customer:appointment-new"), {"staff": tony.user_id})
    response = client.post(
        reverse("customer:appointment-new"),
        post_data(store, member, tony, slot=slot_value(start)),
    )

    assert "Kept for priority members until" in page.content.decode()
    assert response.status_code == 400
    assert "kept for priority members until" in response.content.decode()
    assert Booking.objects.count() == 1
    vip = MemberFactory(tier=core)
    client.force_login(vip.user)
    page = client.get(reverse("customer:appointment-new"), {"staff": tony.user_id})
    assert "also take the places kept for priority members" in page.content.decode()
    response = client.post(
        reverse("customer:appointment-new"), post_data(store, vip, tony, slot=slot_value(start))
    )
    assert response.status_code == 302
    assert Booking.objects.get(member=vip).slot.booked == 2


def test_a_store_that_takes_no_appointments_is_refused(client, shop, member):
    store, (tony, _amy) = shop
    laundry = StoreFactory(name="Laundry only")
    client.force_login(member.user)

    page = client.get(reverse("customer:appointment-new"), {"store": laundry.pk})
    posted = client.post(
        reverse("customer:appointment-new"), post_data(store, member, tony, store=laundry.pk)
    )

    for response in (page, posted):
        html = response.content.decode()
        assert response.status_code == 400
        assert "Laundry only does not take appointments." in html
        assert store.name in html  # where they can book instead
    assert not Booking.objects.exists()


def test_no_store_taking_appointments_says_so(client, member):
    StoreFactory()
    client.force_login(member.user)

    response = client.get(reverse("customer:appointment-new"))

    assert response.status_code == 200
    assert "No store takes appointments online" in response.content.decode()


def test_a_store_without_services_or_staff_says_so(client, member):
    store, staff = salon(stylists=0)
    store.appointment_services.clear()
    client.force_login(member.user)

    html = client.get(reverse("customer:appointment-new")).content.decode()
    assert "has not listed services for appointments yet" in html
    store.appointment_services.add(ServiceCategoryFactory(code="nails"))
    html = client.get(reverse("customer:appointment-new")).content.decode()
    assert "Nobody takes appointments online" in html and 'name="slot"' not in html


# --- the list and one appointment ----------------------------------------------------------


def test_the_list_shows_upcoming_first_and_only_appointments(client, shop, member):
    store, (tony, amy) = shop
    later = made(member, store, amy, bookable(store, member, amy, 9)[-1].start)
    soon = made(member, store, tony)
    Booking.objects.create(
        member=member, store=store, kind="pickup", address="1 Road",
        slot_start=soon.slot_start, slot_end=soon.slot_end,
    )  # fmt: skip
    client.force_login(member.user)

    response = client.get(reverse("customer:appointments"))

    assert [b.pk for b in response.context["page"]] == [soon.pk, later.pk]
    html = response.content.decode()
    assert "with Tony" in html and "with Amy" in html


def test_a_pickup_is_not_an_appointment_page(client, member):
    store, _staff = salon(pickup=1, latitude=None, starts=EVERY_TWO_HOURS)
    options = bookable(store, member)
    pickup = booking_create(
        member=member, store=store, kind="pickup", start=options[0].start, address="1 Road"
    ).bookings[0]
    client.force_login(member.user)

    assert client.get(reverse("customer:appointment", kwargs={"pk": pickup.pk})).status_code == 404
    cancel = client.post(reverse("customer:appointment-cancel", kwargs={"pk": pickup.pk}))
    assert cancel.status_code == 404
    pickup.refresh_from_db()
    assert pickup.status == "requested"


def test_cancel_from_the_page(client, shop, member):
    store, (tony, _amy) = shop
    booking = made(member, store, tony)
    client.force_login(member.user)

    response = client.post(
        reverse("customer:appointment-cancel", kwargs={"pk": booking.pk}), follow=True
    )

    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.slot.booked == 0
    assert "The appointment is cancelled." in response.content.decode()


def test_cancel_after_the_cutoff_is_refused_on_the_page(client, member):
    store, (tony, _amy) = salon(starts=tuple(time(h) for h in range(24)))
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    booking = made(member, store, tony, start)
    store.change_cutoff_minutes = 240
    store.save()
    client.force_login(member.user)

    detail = client.get(reverse("customer:appointment", kwargs={"pk": booking.pk}))
    response = client.post(
        reverse("customer:appointment-cancel", kwargs={"pk": booking.pk}), follow=True
    )

    assert 'data-testid="too-late"' in detail.content.decode()
    assert "Too late to cancel online" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "requested" and booking.slot.booked == 1


def test_move_to_another_stylist_and_time_from_the_page(client, shop, member):
    store, (tony, amy) = shop
    booking = made(member, store, tony)
    later = bookable(store, member, amy, 3)[-1]
    client.force_login(member.user)
    url = reverse("customer:appointment-reschedule", kwargs={"pk": booking.pk})

    page = client.get(url, {"staff": amy.user_id})
    same = client.post(url, {"staff": tony.user_id, "slot": slot_value(booking.slot_start)})
    response = client.post(url, {"staff": amy.user_id, "slot": later.value})

    assert page.status_code == 200 and page.context["chosen"] == amy
    assert same.status_code == 400 and "already the time" in same.content.decode()
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.slot.staff == amy.user and booking.slot_start == later.start
    assert dict(Slot.objects.filter(booked__gt=0).values_list("staff__first_name", "booked")) == {
        "Amy": 1
    }


def test_moving_to_someone_no_longer_listed_is_refused(client, shop, member):
    store, (tony, amy) = shop
    booking = made(member, store, tony)
    AppointmentStaff.objects.filter(pk=amy.pk).update(takes_appointments=False)
    client.force_login(member.user)

    response = client.post(
        reverse("customer:appointment-reschedule", kwargs={"pk": booking.pk}),
        {"staff": amy.user_id, "slot": bookable(store, member, tony, 3)[-1].value},
    )

    assert response.status_code == 400
    assert "does not take appointments at" in response.content.decode()
    booking.refresh_from_db()
    assert booking.slot.staff == tony.user


# --- who may open what -----------------------------------------------------------------------


APPOINTMENT_URLS = [
    "customer:appointment",
    "customer:appointment-cancel",
    "customer:appointment-reschedule",
]
WHO = ["anonymous", "member", "other_member", "staff_here", "staff_elsewhere", "owner"]


@pytest.mark.parametrize("who", WHO)
def test_who_can_open_the_appointment_pages(client, shop, member, who):
    store, (tony, amy) = shop
    booking = made(member, store, tony)
    users = {
        "member": member.user,
        "other_member": MemberFactory().user,
        "staff_here": StaffFactory(store=store),
        "staff_elsewhere": StaffFactory(),
        "owner": OwnerFactory(),
    }
    if who in users:
        client.force_login(users[who])

    answers = {}
    for name in ["customer:appointments", "customer:appointment-new"]:
        answers[name] = client.get(reverse(name)).status_code
    later = bookable(store, member, amy, 3)[-1].value  # not at the time of `booking`
    answers["customer:appointment-new POST"] = client.post(
        reverse("customer:appointment-new"), post_data(store, member, amy, slot=later)
    ).status_code
    for name in APPOINTMENT_URLS:
        url = reverse(name, kwargs={"pk": booking.pk})
        answers[name] = client.get(url).status_code
        answers[name + " POST"] = client.post(
            url, {"staff": tony.user_id, "slot": slot_value(booking.slot_start)}
        ).status_code

    if who == "anonymous":
        assert set(answers.values()) == {302}
    elif who == "member":
        assert answers == {
            "customer:appointments": 200,
            "customer:appointment-new": 200,
            "customer:appointment-new POST": 302,
            "customer:appointment": 200,
            "customer:appointment POST": 405,
            "customer:appointment-cancel": 405,
            "customer:appointment-cancel POST": 302,
            "customer:appointment-reschedule": 200,
            "customer:appointment-reschedule POST": 400,  # the same time is refused
        }
    elif who == "other_member":  # their own pages work; this appointment is not found
        assert answers["customer:appointments"] == 200
        assert answers["customer:appointment-new POST"] == 302  # their own appointment
        assert answers["customer:appointment"] == 404
        assert answers["customer:appointment-reschedule"] == 404
        assert answers["customer:appointment-cancel POST"] == 404
        assert answers["customer:appointment-reschedule POST"] == 404
    else:  # staff (of this store or another) and the owner have no member archive here
        assert set(answers.values()) <= {404, 405}
        assert answers["customer:appointment"] == 404
        assert answers["customer:appointment-cancel POST"] == 404
    booking.refresh_from_db()
    assert booking.status == ("cancelled" if who == "member" else "requested")
    assert booking.member == member
    mine = Booking.objects.filter(member=member).count()
    assert mine == (2 if who == "member" else 1)


# --- query counts ----------------------------------------------------------------------------


def count_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def test_appointment_pages_cost_the_same_with_many_bookings(client):
    store, staff = salon(capacity=400, stylists=4, starts=EVERY_TWO_HOURS)
    light, heavy = MemberFactory(), MemberFactory()
    made(light, store, staff[0])
    now = timezone.now()
    slots = {}
    for person in staff:
        slots[person.pk] = Slot.objects.create(
            store=store, kind="appointment", staff=person.user, start=now - timedelta(days=400),
            end=now - timedelta(days=400, hours=-1), capacity=400, release_at=now,
        )  # fmt: skip
    Booking.objects.bulk_create(
        Booking(
            member=heavy, store=store, kind="appointment", address="",
            service=haircut(), slot=slots[staff[n % 4].pk],
            status=("done", "cancelled", "requested", "missed")[n % 4],
            slot_start=now + timedelta(days=days), slot_end=now + timedelta(days=days, hours=1),
        )  # the past year, and beyond the bookable days (no clash with the ones booked below)
        for n, days in enumerate([*range(-200, 0), *range(30, 130)])
    )  # fmt: skip
    for n in range(3):  # other members fill places in the coming days
        for person in staff:
            made(MemberFactory(), store, person, bookable(store, light, person, 5)[n].start)
    made(heavy, store, staff[1], bookable(store, heavy, staff[1], 9)[-1].start)
    budgets = {"list": 4, "new": 8, "new_one": 8, "detail": 3, "reschedule": 7}
    counts = {}
    for member in (light, heavy):
        client.force_login(member.user)
        booking = (
            Booking.objects.filter(member=member, status="requested", slot__start__gt=now)
            .order_by("-slot_start")
            .first()
        )
        urls = {
            "list": reverse("customer:appointments"),
            "new": reverse("customer:appointment-new"),
            "new_one": reverse("customer:appointment-new") + f"?staff={staff[2].user_id}",
            "detail": reverse("customer:appointment", kwargs={"pk": booking.pk}),
            "reschedule": reverse("customer:appointment-reschedule", kwargs={"pk": booking.pk}),
        }
        for name, url in urls.items():
            counts.setdefault(name, []).append(count_queries(client, url))
        client.logout()

    for name, (short, long) in counts.items():
        assert short == long, (name, counts)
        assert long <= budgets[name], (name, counts)


# --- the owner sets it up in /cms/ -------------------------------------------------------------


def _store_form(client, store) -> tuple[str, dict]:
    url = reverse("wagtailsnippets_membership_store:edit", args=[store.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "appointment_staff-TOTAL_FORMS" in html and 'name="appointment_services"' in html
    return url, form_as_posted(page.context["form"])


def _staff_rows(rows: list[dict]) -> dict:
    data = {
        "appointment_staff-TOTAL_FORMS": str(len(rows)),
        "appointment_staff-INITIAL_FORMS": "0",
        "appointment_staff-MIN_NUM_FORMS": "0",
        "appointment_staff-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        data |= {f"appointment_staff-{n}-{k}": v for k, v in row.items()}
        data |= {f"appointment_staff-{n}-id": "", f"appointment_staff-{n}-DELETE": ""}
    return data


def test_owner_lists_services_and_staff_taking_appointments(client, owner_user):
    store = StoreFactory(name="Salon")
    tony, elsewhere = StaffFactory(store=store), StaffFactory()
    cut = ServiceCategoryFactory(code="haircut", name_en="Haircut")
    client.force_login(owner_user)
    url, data = _store_form(client, store)
    data |= {"offers_appointments": "on", "appointment_services": [str(cut.pk)]}
    row = {"user": str(tony.pk), "name": "Tony", "title_zh": "发型师", "title_en": "Stylist"}
    row |= {"sort_order": "0", "takes_appointments": "on"}

    wrong = client.post(url, data | _staff_rows([row | {"user": str(elsewhere.pk)}]))
    member = client.post(url, data | _staff_rows([row | {"user": str(MemberFactory().user.pk)}]))
    response = client.post(url, data | _staff_rows([row]))

    assert wrong.status_code == 200 and "does not work at this store" in wrong.content.decode()
    assert member.status_code == 200  # a member's login is not even offered
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.offers_appointments and list(store.appointment_services.all()) == [cut]
    listed = AppointmentStaff.objects.get(store=store)
    assert (listed.user, listed.name, listed.display_title) == (tony, "Tony", "Stylist")


# --- hostile input -----------------------------------------------------------------------------


def test_no_input_to_the_appointment_forms_answers_a_500(client, shop, member):
    store, (tony, amy) = shop
    booking = made(member, store, tony)
    client.force_login(member.user)
    real = post_data(store, member, amy, slot=bookable(store, member, amy, 3)[-1].value)
    urls = [
        reverse("customer:appointment-new"),
        reverse("customer:appointment-reschedule", kwargs={"pk": booking.pk}),
    ]

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def answered(data):
        url = data.draw(st.sampled_from(urls))
        method = data.draw(st.sampled_from(["get", "post"]))
        form = {}
        for name, value in real.items():
            choice = data.draw(st.one_of(st.none(), st.just(str(value)), hostile_text), label=name)
            if choice is not None:
                form[name] = choice
        with transaction.atomic():
            before = Booking.objects.filter(status="requested").count()
            response = getattr(client, method)(url, form)
            assert response.status_code < 500, (method, url, form)
            if response.status_code in (400, 404):
                assert Booking.objects.filter(status="requested").count() == before
            transaction.set_rollback(True)

    answered()


# --- the demo shop -----------------------------------------------------------------------------


def test_the_demo_has_one_store_taking_appointments_with_two_specialists(client):
    call_command("demo_seed", members=12, stdout=StringIO())
    salon_store, laundry = (
        Store.objects.get(code="xujiahui"),
        Store.objects.get(code="nanjing-road"),
    )
    demo = Member.objects.select_related("tier", "user").get(number=DEMO_NUMBER)

    assert salon_store.offers_appointments and not laundry.offers_appointments
    assert salon_store.offers_pickup and laundry.offers_pickup
    staff = appointment_staff(store=salon_store)
    assert [p.name for p in staff] == ["王师傅", "刘老师"]
    assert demo.preferred_staff == staff[0].user
    assert {t.appointment_capacity for t in salon_store.slot_templates.all()} == {2}
    assert {t.appointment_capacity for t in laundry.slot_templates.all()} == {0}
    client.force_login(demo.user)
    page = client.get(reverse("customer:appointment-new"))
    assert page.status_code == 200 and page.context["chosen"] == staff[0]
    option = next(o for d in page.context["days"] for o in d.options if o.bookable)
    response = client.post(
        reverse("customer:appointment-new"),
        {"store": salon_store.pk, "staff": staff[0].user_id, "slot": option.value,
         "service": salon_store.appointment_services.first().pk},
    )  # fmt: skip
    assert response.status_code == 302

    before = (AppointmentStaff.objects.count(), User.objects.count())
    call_command("demo_seed", members=12, stdout=StringIO())  # again: nothing new
    assert (AppointmentStaff.objects.count(), User.objects.count()) == before


def test_moving_shows_the_members_own_time_and_does_not_offer_it(client, shop, member):
    store, (tony, amy) = shop
    booking = made(member, store, tony)
    client.force_login(member.user)
    url = reverse("customer:appointment-reschedule", kwargs={"pk": booking.pk})

    with_tony = client.get(url).content.decode()  # they asked for Tony: Tony's times
    with_amy = client.get(url, {"staff": amy.user_id}).content.decode()

    own = f'value="{slot_value(booking.slot_start)}" disabled'
    assert "Your booking" in with_tony and own in with_tony
    assert "Your booking" not in with_amy and own not in with_amy
