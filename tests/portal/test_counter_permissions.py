"""Only staff reach the counter: every counter URL against anonymous, member, staff and owner.

The first two checks walk every pattern in portal/counter/urls.py, so a counter view added
later without `staff_required` fails here. Staff and owner are checked on real pages.
"""

import re

import pytest
from django.core.cache import cache
from django.urls import URLPattern, reverse

from membership.services.cards import card_codes, card_get_or_create
from portal.counter import urls as counter_urls
from tests.factories import MemberFactory, OwnerFactory, StaffFactory

pytestmark = pytest.mark.django_db

DUMMY_ARGS = {"number": "M000000001", "code": "12345678", "pk": 1}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def all_counter_urls() -> list[tuple[str, str]]:
    found = []
    for pattern in counter_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
        url = reverse(f"counter:{pattern.name}", kwargs={n: DUMMY_ARGS[n] for n in names})
        found.append((pattern.name, url))
    return found


def request_any_method(client, url):
    """GET, or POST when the view only takes POST (the role check must answer either way)."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def test_the_walk_covers_the_counter():
    names = {name for name, _url in all_counter_urls()}
    assert {"home", "scan", "verify", "search", "member", "member-notes", "member_tags"} <= names


@pytest.mark.parametrize(("name", "url"), all_counter_urls())
def test_anonymous_visitors_are_sent_to_log_in(client, name, url):
    response = request_any_method(client, url)
    assert response.status_code == 302, name
    assert response["Location"].startswith(reverse("account_login")), name


@pytest.mark.parametrize(("name", "url"), all_counter_urls())
def test_members_get_403(client, member, name, url):
    client.force_login(member.user)
    assert request_any_method(client, url).status_code == 403, name


@pytest.fixture(params=["staff", "owner"])
def counter_user(request):
    return StaffFactory() if request.param == "staff" else OwnerFactory()


@pytest.fixture
def someone():
    member = MemberFactory(name="Zhou Min")
    card_get_or_create(member=member)
    return member


def my_pages(member):
    code = card_codes(card=member.card)[0].code
    return [
        ("home", reverse("counter:home"), 200),
        ("search", reverse("counter:search") + "?q=Zhou", 200),
        ("member", reverse("counter:member", kwargs={"number": member.number}), 200),
        ("member-notes", reverse("counter:member-notes", kwargs={"number": member.number}), 200),
        ("member_tags", reverse("counter:member_tags", kwargs={"number": member.number}), 200),
        (
            "member-coupon-give",
            reverse("counter:member-coupon-give", kwargs={"number": member.number}),
            200,
        ),
        ("scan", reverse("counter:scan") + f"?code={member.number}+{code}", 302),
        ("verify", reverse("counter:verify", kwargs={"number": member.number, "code": code}), 302),
    ]


def test_staff_and_owner_reach_every_counter_page(client, counter_user, someone):
    client.force_login(counter_user)
    for name, url, status in my_pages(someone):
        response = client.get(url)
        assert response.status_code == status, name
        if status == 302:
            assert response["Location"].startswith("/counter/"), name


def test_staff_and_owner_can_add_a_note(client, counter_user, someone):
    client.force_login(counter_user)
    response = client.post(
        reverse("counter:member-notes", kwargs={"number": someone.number}), {"text": "Called back."}
    )
    assert response.status_code == 302
    assert someone.notes.get().author == counter_user


def test_member_scanning_another_members_code_sees_nothing_of_them(client, member, someone):
    client.force_login(member.user)
    code = card_codes(card=someone.card)[0].code

    for url in [
        reverse("counter:verify", kwargs={"number": someone.number, "code": code}),
        reverse("counter:scan") + f"?code={someone.number}+{code}",
        reverse("counter:member", kwargs={"number": someone.number}),
        reverse("counter:search") + "?q=Zhou",
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 403, url
        html = response.content.decode()
        assert "Zhou Min" not in html and someone.number not in html, url


def test_member_card_page_shows_only_the_logged_in_members_card(client, member, someone):
    client.force_login(member.user)
    html = client.get(reverse("customer:card")).content.decode()
    assert member.number in html
    assert someone.number not in html and "Zhou Min" not in html
