import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from membership.models import MemberCard
from membership.services.cards import (
    CODE_STEP_SECONDS,
    FAILURES_PER_ACTOR,
    PREVIEW_STEPS,
    card_codes,
    card_get_or_create,
    card_rotate,
)
from tests.factories import MemberFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db

REFUSED = "This member code is not valid"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def verify_url(member, code):
    return reverse("counter:verify", kwargs={"number": member.number, "code": code})


def current_code(member, *, offset_steps=0):
    card = card_get_or_create(member=member)
    return card_codes(card=card, steps=offset_steps + 1)[offset_steps].code


# --- the member's card page -------------------------------------------------------------


def test_card_page_shows_qr_codes_for_the_coming_hour_and_the_member_number(member_client, member):
    response = member_client.get(reverse("customer:card"), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert member.number in html
    steps = [int(s) for s in re.findall(r'data-step="(\d+)"', html)]
    assert len(steps) == PREVIEW_STEPS + 1
    assert steps == list(range(steps[0], steps[0] + PREVIEW_STEPS + 1))
    # Each step carries the URL its QR code encodes; card.js draws it in the page.
    assert len(re.findall(r'data-payload="http://testserver/counter/m/', html)) == len(steps)
    assert "<svg" not in html  # nothing drawn on the server
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


def test_card_page_codes_are_the_members_current_codes(member_client, member):
    html = member_client.get(reverse("customer:card")).content.decode()

    card = MemberCard.objects.get(member=member)
    first_step = int(re.search(r'data-step="(\d+)"', html).group(1))
    expected = card_codes(card=card, for_time=first_step * CODE_STEP_SECONDS, steps=3)
    assert [c.step for c in expected] == [first_step, first_step + 1, first_step + 2]
    payloads = re.findall(r'data-step="(\d+)" data-payload="([^"]+)"', html)[:3]
    assert payloads == [
        (str(c.step), "http://testserver" + verify_url(member, c.code)) for c in expected
    ]


def test_every_code_on_the_card_page_is_its_own_counter_url(client):
    # A member number with dashes and zeros, like the probe the page reverses once.
    member = MemberFactory(number="M-000-00000000")
    client.force_login(member.user)
    html = client.get(reverse("customer:card")).content.decode()

    card = MemberCard.objects.get(member=member)
    first_step = int(re.search(r'data-step="(\d+)"', html).group(1))
    expected = card_codes(
        card=card, for_time=first_step * CODE_STEP_SECONDS, steps=PREVIEW_STEPS + 1
    )
    payloads = re.findall(r'data-step="(\d+)" data-payload="([^"]+)"', html)
    assert payloads == [
        (str(c.step), "http://testserver" + verify_url(member, c.code)) for c in expected
    ]
    hidden = re.findall(r'data-testid="qr"( hidden)?>', html)
    assert hidden == [""] + [" hidden"] * PREVIEW_STEPS  # the current one shows first


def test_card_page_stays_light(member_client):
    response = member_client.get(reverse("customer:card"))
    # An hour of codes as URLs (about 100 bytes each; the phone draws them), not as drawings.
    assert len(response.content) < 40_000
    compressed = member_client.get(reverse("customer:card"), HTTP_ACCEPT_ENCODING="gzip")
    assert compressed["Content-Encoding"] == "gzip"
    assert len(compressed.content) < 12_000


def test_card_page_needs_a_login(client):
    response = client.get(reverse("customer:card"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_service_worker_is_served_from_the_root_with_a_wide_scope(client):
    response = client.get(reverse("service-worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert b"member-card" in response.content


# --- scanning ---------------------------------------------------------------------------


def test_valid_code_opens_the_members_panel(staff_client, member):
    response = staff_client.get(verify_url(member, current_code(member)))
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:member", kwargs={"number": member.number})


def test_code_of_the_next_step_is_accepted(staff_client, member):
    response = staff_client.get(verify_url(member, current_code(member, offset_steps=1)))
    assert response.status_code == 302


@pytest.mark.parametrize("code", ["00000000", "1234", "abcdefgh", "123456789012"])
def test_refused_code_shows_the_same_clear_message_and_nothing_about_the_member(
    staff_client, member, code
):
    if code == current_code(member):  # astronomically unlikely, but keep the test honest
        code = "11111111"
    response = staff_client.get(verify_url(member, code), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 400
    assert REFUSED in html
    assert member.name not in html


def test_code_from_before_a_rotation_is_refused(staff_client, member):
    old = current_code(member)
    card_rotate(member=member)
    response = staff_client.get(verify_url(member, old), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400


def test_unknown_member_number_gets_the_same_refusal(staff_client, member):
    response = staff_client.get(
        reverse("counter:verify", kwargs={"number": "M999999999", "code": current_code(member)}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_too_many_wrong_codes_lock_the_scanner_out(staff_client, member):
    others = [MemberFactory() for _ in range(FAILURES_PER_ACTOR)]
    for other in others:
        card_get_or_create(member=other)
        staff_client.get(verify_url(other, "00000000"))

    response = staff_client.get(verify_url(member, current_code(member)), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert "Too many invalid codes" in response.content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        "http://testserver/counter/m/{number}/{code}/",
        "https://another-host.example/counter/m/{number}/{code}/",
        "{number} {code}",
    ],
)
def test_barcode_scanner_field_goes_to_the_verify_url(staff_client, member, typed):
    code = current_code(member)
    response = staff_client.get(
        reverse("counter:scan"),
        {"code": typed.format(number=member.number, code=code)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "counter:member", kwargs={"number": member.number}
    )
    assert response.status_code == 200


def test_barcode_scanner_field_refuses_what_it_cannot_read(staff_client):
    response = staff_client.get(
        reverse("counter:scan"), {"code": "hello"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_scan_page_has_the_camera_the_scanner_field_and_the_search(staff_client):
    html = staff_client.get(reverse("counter:home")).content.decode()
    assert 'data-testid="camera-start"' in html
    assert "/static/vendor/jsqr/jsQR.min.js" in html
    assert 'name="code"' in html and "autofocus" in html
    assert reverse("counter:search") in html


def test_jsqr_is_served_by_the_app(client):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/jsqr/jsQR.min.js"), "run `npm ci` at the repository root"


# --- search -----------------------------------------------------------------------------


def test_search_by_last_digits_of_the_phone_number(staff_client):
    member = MemberFactory(name="Wang Fang", tier=TierFactory())
    MemberFactory(name="Li Lei", number="M777777777")  # no number that holds Wang's digits
    tail = str(member.user.phone)[-6:]

    response = staff_client.get(reverse("counter:search"), {"q": tail})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Wang Fang" in html and "Li Lei" not in html
    assert reverse("counter:member", kwargs={"number": member.number}) in html


def test_digits_search_phones_and_member_numbers_a_name_needs_letters(staff_client):
    """As the counter types them: digits are a phone or a member number, never a name."""
    named = MemberFactory(name="Room 4821")
    by_number = MemberFactory(number="M234821567")

    digits = staff_client.get(reverse("counter:search"), {"q": "4821"}).content.decode()
    words = staff_client.get(reverse("counter:search"), {"q": "room 48"}).content.decode()
    whole = staff_client.get(reverse("counter:search"), {"q": "m234821567"}).content.decode()

    assert by_number.number in digits and named.number not in digits
    assert named.number in words
    assert by_number.number in whole  # a whole number typed in lower case


def test_search_by_name_is_paginated(staff_client, django_assert_max_num_queries):
    for n in range(45):
        MemberFactory(name=f"Zhang {n:02d}")
    MemberFactory(name="Somebody Else")

    staff_client.get(reverse("counter:search"))  # the site's settings row is created on first use

    with django_assert_max_num_queries(6):
        first = staff_client.get(
            reverse("counter:search"), {"q": "zhang"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    third = staff_client.get(reverse("counter:search"), {"q": "zhang", "page": 3})

    assert first.content.decode().count('data-testid="search-result"') == 20
    assert "45 members found" in first.content.decode()
    assert third.content.decode().count('data-testid="search-result"') == 5
    assert "Somebody Else" not in first.content.decode()


def test_empty_search_finds_nobody(staff_client, member):
    html = staff_client.get(reverse("counter:search"), {"q": ""}).content.decode()
    assert 'data-testid="search-result"' not in html


def test_staff_is_the_scanner_member_code_is_not_needed_by_staff_only(client, member):
    # A second staff account with its own rate-limit bucket still gets in with a good code.
    client.force_login(StaffFactory())
    response = client.get(verify_url(member, current_code(member)))
    assert response.status_code == 302
