"""Refer a friend: the invitation link, sign-up with a referral code, and /me/refer/."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.models import Member, Referral, User
from membership.services.referrals import referral_code_ensure, referral_record
from portal.accounts.forms import REFERRAL_SESSION_KEY
from tests.factories import MemberFactory, OwnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "+8613912345678"


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    def post(url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **extra)

    return post


@pytest.fixture
def referrer():
    member = MemberFactory(user__phone="+8613700000001")
    referral_code_ensure(member=member)
    return member


def link(member) -> str:
    return reverse("referral-link", kwargs={"code": member.referral_code})


def signup(send, *, code="", phone="139 1234 5678", **more):
    data = {"phone": phone, "accept_terms": "on", "referral_code": code, **more}
    return send(reverse("account_signup"), data, HTTP_ACCEPT_LANGUAGE="en")


# --- the link and the sign-up form ----------------------------------------------------------


def test_the_link_remembers_the_code_and_the_signup_form_shows_it(client, referrer):
    response = client.get(link(referrer))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_signup")
    assert client.session[REFERRAL_SESSION_KEY] == referrer.referral_code
    page = client.get(reverse("account_signup"))
    assert page.context["form"]["referral_code"].value() == referrer.referral_code
    assert f'value="{referrer.referral_code}"' in page.content.decode()


def test_the_signup_page_takes_the_code_from_the_query_string_too(client, referrer):
    page = client.get(reverse("account_signup") + f"?ref={referrer.referral_code}")
    assert page.context["form"]["referral_code"].value() == referrer.referral_code


def test_link_then_signup_links_the_new_member_to_the_referrer(client, send, referrer):
    client.get(link(referrer))

    response = signup(send, code=referrer.referral_code.lower())

    assert response.status_code == 302
    new = Member.objects.get(user__phone=PHONE)
    referral = Referral.objects.get()
    assert referral.referrer == referrer and referral.referred == new
    assert new.referral_code and new.referral_code != referrer.referral_code  # given at sign-up
    assert REFERRAL_SESSION_KEY not in client.session


def test_signup_without_a_code_links_nobody_but_gives_the_member_a_code(send):
    signup(send)
    assert Referral.objects.count() == 0
    assert Member.objects.get(user__phone=PHONE).referral_code


@pytest.mark.parametrize(
    "code, message",
    [
        ("NOSUCH22", "We don't know this referral code. Check it, or leave it empty."),
        ("x" * 20, "We don't know this referral code. Check it, or leave it empty."),
        ("引荐码", "We don't know this referral code. Check it, or leave it empty."),
        ("x" * 21, "Ensure this value has at most 20 characters (it has 21)."),
        ("abc\x00", "Null characters are not allowed."),
    ],
)
def test_a_wrong_code_is_a_form_error_and_nothing_is_created(send, referrer, code, message):
    response = signup(send, code=code)

    assert response.status_code == 200
    assert response.context["form"].errors["referral_code"] == [message]
    assert User.objects.filter(phone=PHONE).count() == 0
    assert Referral.objects.count() == 0


def test_a_code_without_a_mobile_number_is_a_form_error(send, referrer):
    response = signup(send, code=referrer.referral_code, phone="", email="ann@example.com")

    assert response.status_code == 200
    assert "work with a mobile number" in str(response.context["form"].errors["referral_code"])
    assert not User.objects.filter(email="ann@example.com").exists()


def test_a_phone_referred_before_signs_up_without_the_referral_and_is_told(client, send, referrer):
    first = MemberFactory(user__phone=PHONE)
    referral_record(referrer=referrer, referred=first, phone=PHONE)
    first.user.delete()  # closed, then the same number signs up again with another code
    other = MemberFactory()
    referral_code_ensure(member=other)

    response = signup(send, code=other.referral_code)

    assert response.status_code == 302  # the membership is made all the same
    new = Member.objects.get(user__phone=PHONE)
    assert Referral.objects.count() == 1
    assert not Referral.objects.filter(referred=new).exists()
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert "This mobile number was already referred once, so the code was not used." in told


def test_signing_up_with_the_referrers_own_number_makes_no_account_and_no_referral(send, referrer):
    response = signup(send, code=referrer.referral_code, phone=str(referrer.user.phone))

    assert response.status_code == 302  # allauth's enumeration-safe answer
    assert Member.objects.count() == 1
    assert Referral.objects.count() == 0


def test_a_member_opening_their_own_link_is_sent_to_their_refer_page(client, referrer):
    client.force_login(referrer.user)

    response = client.get(link(referrer))

    assert response["Location"] == reverse("customer:refer")
    assert REFERRAL_SESSION_KEY not in client.session
    assert "your own invitation link" in str(list(get_messages(response.wsgi_request))[0])


def test_a_member_opening_someone_elses_link_goes_to_their_dashboard(client, referrer):
    client.force_login(MemberFactory().user)
    response = client.get(link(referrer))
    assert response["Location"] == reverse("customer:dashboard")
    assert Referral.objects.count() == 0


def test_an_unknown_link_leads_to_signup_without_a_code(client):
    response = client.get("/r/NOSUCH22/")
    assert response["Location"] == reverse("account_signup")
    assert REFERRAL_SESSION_KEY not in client.session
    assert client.get("/r/bad%00code/").status_code == 404


# --- /me/refer/ -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("customer:refer"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_member_sees_their_own_code_link_qr_and_counts(client, referrer):
    other = MemberFactory()
    referral_code_ensure(member=other)
    qualified = MemberFactory(user__phone=PHONE)
    referral_record(referrer=referrer, referred=qualified, phone=PHONE)
    Referral.objects.filter(referred=qualified).update(qualified_at="2026-01-01T00:00Z")
    referral_record(referrer=referrer, referred=MemberFactory(), phone="+8613912345679")
    client.force_login(referrer.user)

    response = client.get(reverse("customer:refer"))

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    assert referrer.referral_code in html
    assert other.referral_code not in html
    assert f"http://testserver/r/{referrer.referral_code}/" in html
    assert "<svg" in html and "<script>" not in html and "style=" not in html
    assert 'src="/static/js/share.js"' in html
    assert response.context["counts"].joined == 2
    assert response.context["counts"].qualified == 1


def test_a_member_made_before_referrals_gets_a_code_on_first_visit(client):
    member = MemberFactory()
    assert member.referral_code is None
    client.force_login(member.user)

    client.get(reverse("customer:refer"))

    member.refresh_from_db()
    assert member.referral_code


@pytest.mark.parametrize("factory", [StaffFactory, OwnerFactory])
def test_staff_and_owner_have_no_membership_and_are_sent_to_the_counter(client, factory):
    client.force_login(factory())
    assert client.get(reverse("customer:refer"))["Location"] == reverse("counter:home")


def test_a_login_without_membership_or_counter_role_sees_no_membership(client):
    client.force_login(UserFactory())
    response = client.get(reverse("customer:refer"))
    assert response.status_code == 404
    assert Member.objects.count() == 0


def test_the_dashboard_links_to_the_refer_page(client, member):
    client.force_login(member.user)
    html = client.get(reverse("customer:dashboard")).content.decode()
    assert f'href="{reverse("customer:refer")}"' in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_refer_page_costs_the_same_with_many_friends(client):
    light, heavy = MemberFactory(), MemberFactory()
    for member in (light, heavy):
        referral_code_ensure(member=member)
    for n in range(60):
        referral_record(referrer=heavy, referred=MemberFactory(), phone=f"+86139000{n:05d}")
    url = reverse("customer:refer")
    counts = []
    for member in (light, heavy):
        client.force_login(member.user)
        client.get(url)  # rows made on first use
        counts.append(_queries(client, url))

    assert counts[0] == counts[1]
    assert counts[1] <= 6
