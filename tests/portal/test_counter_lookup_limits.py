"""Counter lookups are limited per staff login and logged; wrong card codes are limited per
staff login first, so one clerk cannot lock a member out; the scan field takes a member
number or a phone number as well as a card code."""

import logging
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from membership import ratelimit
from membership.models import MemberAccessLog, StaffAction
from membership.selectors.access import member_accesses, staff_accesses
from membership.services.access import lookup_take, member_open_take
from membership.services.cards import (
    FAILURES_PER_ACTOR,
    FAILURES_PER_MEMBER,
    card_codes,
    card_get_or_create,
)
from tests.factories import MemberFactory, OrderFactory, StaffFactory

pytestmark = pytest.mark.django_db

LIMITS = "5/10m,8/h"  # small limits keep the tests short; the defaults are tested below


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The rate-limit windows' clock, stopped so that no test straddles the end of a window,
    and moved by the tests that need it (the cache's own expiry is real)."""
    fake = Clock(1_800_000_000.0)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=fake.time))
    return fake


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def panel_url(member, **query):
    url = reverse("counter:member", kwargs={"number": member.number})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def verify_url(member, code):
    return reverse("counter:verify", kwargs={"number": member.number, "code": code})


def good_code(member):
    return card_codes(card=card_get_or_create(member=member))[0].code


def wrong_code(member):
    good = good_code(member)
    return "00000000" if good != "00000000" else "11111111"


def search(client, q, **extra):
    return client.get(reverse("counter:search"), {"q": q}, **extra)


def scan_field(client, text, **extra):
    return client.get(reverse("counter:scan"), {"code": text}, **extra)


# --- lookups are limited per staff login -----------------------------------------------------


@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_a_scraper_walking_member_panels_is_stopped_and_the_owner_can_see_it(
    staff_client, staff, caplog
):
    members = [MemberFactory() for _ in range(7)]
    for member in members[:5]:
        assert staff_client.get(panel_url(member)).status_code == 200

    with caplog.at_level(logging.WARNING, logger="membership.services.access"):
        stopped = [staff_client.get(panel_url(m), HTTP_ACCEPT_LANGUAGE="en") for m in members[5:]]

    for response in stopped:
        html = response.content.decode()
        assert response.status_code == 429
        assert "lookups are paused" in html
        assert 'data-testid="member-panel"' not in html
    assert members[5].name not in stopped[0].content.decode()
    # Once per window, not once per refused request.
    assert StaffAction.objects.filter(actor=staff, action="counter.lookups_paused").count() == 1
    assert len([r for r in caplog.records if "COUNTER_LOOKUP_RATE_LIMITS" in r.getMessage()]) == 1


@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_a_scraper_searching_is_stopped_but_another_clerk_is_not(staff_client, client):
    MemberFactory(name="Zhang San")
    for n in range(5):
        assert search(staff_client, f"Zhang {n}").status_code == 200

    stopped = search(staff_client, "Zhang", HTTP_ACCEPT_LANGUAGE="en")

    assert stopped.status_code == 429
    assert "Zhang San" not in stopped.content.decode()
    client.logout()
    client.force_login(StaffFactory())
    assert 'data-testid="search-result"' in search(client, "Zhang").content.decode()


@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_numbers_that_match_nobody_count_too(staff_client):
    for n in range(5):
        response = staff_client.get(
            reverse("counter:member", kwargs={"number": f"M{n:09d}"}), HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 404

    response = staff_client.get(reverse("counter:member", kwargs={"number": "M000000099"}))

    assert response.status_code == 429


@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_reopening_the_same_member_is_free(staff_client):
    member = MemberFactory()
    for _ in range(20):  # reloads, back from checkout, the notes page
        assert staff_client.get(panel_url(member)).status_code == 200
    notes = reverse("counter:member-notes", kwargs={"number": member.number})
    assert staff_client.get(notes).status_code == 200


@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_scanning_cards_is_never_limited(staff_client):
    members = [MemberFactory() for _ in range(12)]
    for member in members:
        response = staff_client.get(verify_url(member, good_code(member)), follow=True)
        assert response.status_code == 200
        assert f'data-member-number="{member.number}"' in response.content.decode()


@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_the_limit_opens_again_in_the_next_window(staff_client, clock):
    members = [MemberFactory() for _ in range(6)]
    for member in members[:5]:
        staff_client.get(panel_url(member))
    assert staff_client.get(panel_url(members[5])).status_code == 429

    clock.now += 10 * 60

    assert staff_client.get(panel_url(members[5])).status_code == 200


def test_a_rush_hour_at_the_counter_is_never_limited_by_the_default_limits(staff_client, clock):
    """A member a minute: each is searched for (sometimes twice), typed in by phone, or
    scanned; opened, reopened after checkout; some get their notes page looked at."""
    members = [MemberFactory() for _ in range(12)]
    for visit in range(30):
        member = members[visit % len(members)]
        if visit % 4 == 0:
            assert search(staff_client, member.name[:3]).status_code == 200
            assert search(staff_client, member.name).status_code == 200
            assert staff_client.get(panel_url(member, via="search")).status_code == 200
        elif visit % 4 == 1:
            assert scan_field(staff_client, str(member.user.phone)[3:]).status_code == 302
            assert staff_client.get(panel_url(member)).status_code == 200
        elif visit % 4 == 2:
            assert staff_client.get(verify_url(member, good_code(member))).status_code == 302
            assert staff_client.get(panel_url(member)).status_code == 200
        else:
            assert staff_client.get(panel_url(member)).status_code == 200
            notes = reverse("counter:member-notes", kwargs={"number": member.number})
            assert staff_client.get(notes).status_code == 200
        assert staff_client.get(panel_url(member)).status_code == 200  # after checkout
        clock.now += 60


def test_a_whole_busy_day_stays_under_the_default_limits(staff, clock):
    """Twelve hours at the rush-hour pace, a member a minute, none scanned: each searched for
    (one in three twice), then opened. The lookups the counter views count, through the same
    services, without a thousand page loads."""
    for visit in range(12 * 60):
        lookup_take(staff=staff)
        if visit % 3 == 0:
            lookup_take(staff=staff)
        assert member_open_take(staff=staff, number=f"M{visit:09d}")
        clock.now += 60


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COUNTER_LOOKUP_RATE_LIMITS", "lots"),
        ("COUNTER_LOOKUP_RATE_LIMITS", "100/10x"),
        ("COUNTER_LOOKUP_RATE_LIMITS", "0/m"),
        ("SMS_HOURLY_LIMIT", "-1"),
        ("TRUSTED_PROXY_COUNT", "-1"),
    ],
)
def test_a_mistyped_limit_stops_the_server_at_start_not_at_the_counter(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        runpy.run_path(str(Path(settings.BASE_DIR) / "portal" / "settings" / "base.py"))


def test_the_defaults_stop_the_scraper_from_the_issue(staff_client):
    """200 member panels by sequential member number in 10 s were all answered."""
    existing = {MemberFactory(number=f"M{n:09d}").number for n in (3, 50, 99, 150)}
    answers = [
        staff_client.get(reverse("counter:member", kwargs={"number": f"M{n:09d}"})).status_code
        for n in range(1, 201)
    ]
    assert answers.count(429) == 100  # COUNTER_LOOKUP_RATE_LIMITS: 100 in 10 minutes
    assert answers[:100].count(200) == len(existing) - 1  # M...150 came too late
    assert set(answers[:100]) == {200, 404}


# --- who opened whom ------------------------------------------------------------------------


def test_opening_a_panel_logs_who_how_where_and_only_once_per_window(staff_client, staff):
    member = MemberFactory()

    staff_client.get(panel_url(member, via="search"))
    staff_client.get(panel_url(member))
    staff_client.get(reverse("counter:member-notes", kwargs={"number": member.number}))

    entry = MemberAccessLog.objects.get()
    assert (entry.staff, entry.member, entry.how) == (staff, member, "search")
    assert entry.store == staff.store
    assert list(member_accesses(member=member)) == [entry]
    assert list(staff_accesses(staff=staff)) == [entry]


def test_each_way_in_is_logged_as_such(staff_client, staff):
    scanned, by_number, by_phone, direct = (MemberFactory() for _ in range(4))

    staff_client.get(verify_url(scanned, good_code(scanned)), follow=True)
    scan_field(staff_client, by_number.number.lower(), follow=True)
    scan_field(staff_client, str(by_phone.user.phone), follow=True)
    staff_client.get(panel_url(direct))

    logged = {e.member: e.how for e in staff_accesses(staff=staff)}
    assert logged == {scanned: "scan", by_number: "number", by_phone: "phone", direct: "panel"}


def test_the_log_is_append_only(staff_client):
    member = MemberFactory()
    staff_client.get(panel_url(member))
    entry = MemberAccessLog.objects.get()

    entry.how = "scan"
    with pytest.raises(Exception, match="append-only"):
        entry.save()
    with pytest.raises(Exception, match="append-only"):
        entry.delete()


def test_a_member_sees_nothing_and_nothing_is_logged(client, member):
    client.force_login(member.user)
    other = MemberFactory()

    assert client.get(panel_url(other)).status_code == 403
    assert not MemberAccessLog.objects.exists()


def test_logging_costs_the_panel_one_insert(staff_client, django_assert_max_num_queries):
    member = MemberFactory()
    staff_client.get(panel_url(MemberFactory()))  # site settings created on first use

    with django_assert_max_num_queries(11):  # the panel's 10, plus the log row
        assert staff_client.get(panel_url(member)).status_code == 200
    with django_assert_max_num_queries(10):  # reopened: nothing more to log
        assert staff_client.get(panel_url(member)).status_code == 200


# --- the scan field takes a member number or a phone number ------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "{number}",
        "{lower}",
        "  {number}  ",
        "{phone}",
        "{national}",
        "{spaced}",
    ],
)
def test_the_scan_field_opens_the_member_by_number_or_phone(staff_client, typed):
    member = MemberFactory(user__phone="+8613912345678")
    text = typed.format(
        number=member.number,
        lower=member.number.lower(),
        phone="+8613912345678",
        national="13912345678",
        spaced="139 1234 5678",
    )

    response = scan_field(staff_client, text)

    assert response.status_code == 302
    assert response["Location"] == panel_url(member)


def test_a_number_nobody_has_says_so_and_offers_the_search(staff_client):
    MemberFactory(user__phone="+8613912345678")

    response = scan_field(staff_client, "5678", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 404
    assert "No member has this member number or phone number" in html
    assert 'value="5678"' in html  # the search field, filled in: part of a phone works there


@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_the_scan_field_lookups_count_like_searches(staff_client):
    members = [MemberFactory() for _ in range(6)]
    for member in members[:5]:
        assert scan_field(staff_client, member.number).status_code == 302
        # Opening the member it found is the same lookup, not a second one.
        assert staff_client.get(panel_url(member)).status_code == 200

    assert scan_field(staff_client, members[5].number).status_code == 429


def test_text_without_digits_is_still_an_unreadable_code(staff_client):
    response = scan_field(staff_client, "hello", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This member code is not valid" in response.content.decode()


# --- wrong card codes: per staff login first ------------------------------------------------


def test_one_clerks_wrong_codes_do_not_lock_the_member_for_anyone(staff_client, client):
    member = MemberFactory()
    for _ in range(10):  # the old per-member limit
        assert staff_client.get(verify_url(member, wrong_code(member))).status_code == 400

    # The clerk who mistyped still gets in with the right code...
    assert staff_client.get(verify_url(member, good_code(member))).status_code == 302
    # ...and so does everyone else.
    client.logout()
    client.force_login(StaffFactory())
    assert client.get(verify_url(member, good_code(member))).status_code == 302


def test_a_clerk_with_too_many_wrong_codes_is_stopped_and_offered_the_lookup(staff_client):
    members = [MemberFactory() for _ in range(FAILURES_PER_ACTOR + 1)]
    for member in members[:-1]:
        staff_client.get(verify_url(member, wrong_code(member)))

    response = staff_client.get(
        verify_url(members[-1], good_code(members[-1])), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many invalid codes" in html
    assert 'data-testid="offer-lookup"' in html
    assert "autofocus" in re.search(r'<input[^>]*id="search-q"[^>]*>', html).group(0)


def test_a_member_under_attack_from_many_clerks_is_paused_with_the_lookup_offered(client):
    member = MemberFactory(user__phone="+8613912345678")
    clerks = [StaffFactory() for _ in range(FAILURES_PER_MEMBER // (FAILURES_PER_ACTOR // 2) + 1)]
    tries = 0
    for clerk in clerks:
        client.force_login(clerk)
        for _ in range(FAILURES_PER_ACTOR // 2):  # each clerk stays under their own limit
            if tries < FAILURES_PER_MEMBER:
                client.get(verify_url(member, wrong_code(member)))
                tries += 1
    client.force_login(StaffFactory())

    response = client.get(verify_url(member, good_code(member)), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 429
    assert "look the member up by phone number" in html
    assert 'data-testid="offer-lookup"' in html
    # The offered way in works: the member's phone in the scan field.
    assert scan_field(client, "13912345678")["Location"] == panel_url(member)


# --- a page of search results shows no whole phone number -----------------------------------


def test_search_results_show_the_phone_masked_and_the_panel_shows_it_whole(staff_client):
    member = MemberFactory(name="Wang Fang", user__phone="+8613912345678")

    results = search(staff_client, "Wang").content.decode()
    panel = staff_client.get(panel_url(member, via="search")).content.decode()

    # Twenty members a page, their numbers whole, would be a phone list for the taking;
    # the last four digits still tell two Wang Fangs apart.
    assert "139****5678" in results
    assert "13912345678" not in results and "139 1234 5678" not in results
    assert "+86 139 1234 5678" in panel


# --- every counter page that opens a member counts and logs like the panel ------------------


def _order_of(member):
    return OrderFactory(member=member)


MEMBER_PAGES = {
    "checkout": lambda m: reverse("counter:checkout", kwargs={"number": m.number}),
    "top-up": lambda m: reverse("counter:top-up", kwargs={"number": m.number}),
    "new follow-up": lambda m: reverse("counter:followup-new", kwargs={"number": m.number}),
    "tags": lambda m: reverse("counter:member_tags", kwargs={"number": m.number}),
    "order": lambda m: reverse("counter:order", kwargs={"number": _order_of(m).number}),
}


@pytest.mark.parametrize("page", MEMBER_PAGES)
@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_walking_members_through_any_counter_page_is_stopped_and_logged(staff_client, staff, page):
    url_for = MEMBER_PAGES[page]
    members = [MemberFactory() for _ in range(6)]

    answers = [staff_client.get(url_for(m)).status_code for m in members]

    assert answers == [200] * 5 + [429], answers
    logged = set(MemberAccessLog.objects.filter(staff=staff).values_list("member_id", flat=True))
    assert logged == {m.pk for m in members[:5]}


@override_settings(COUNTER_LOOKUP_RATE_LIMITS=LIMITS)
def test_going_on_from_the_panel_to_checkout_costs_no_second_lookup(staff_client):
    members = [MemberFactory() for _ in range(5)]
    for member in members:
        assert staff_client.get(panel_url(member)).status_code == 200
        checkout = reverse("counter:checkout", kwargs={"number": member.number})
        assert staff_client.get(checkout).status_code == 200
