"""Sign-in texts cannot be pumped: no text to a number without an account, sign-up only from
the shop's country codes, a global hourly ceiling that tells the owner, and the client IP
read through the proxies the shop trusts."""

import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse

from membership import ratelimit, sms
from membership.models import Member, User
from portal.accounts.client_ip import client_ip
from tests.factories import MemberFactory, OwnerFactory

pytestmark = pytest.mark.django_db

# Valid numbers outside the default country (+86): the ones the pumping test used.
FOREIGN = ["+16502530000", "+23566123456", "+88213000000"]


@pytest.fixture(autouse=True)
def _stopped_clock(monkeypatch):
    """The hourly ceiling counts per clock hour: no test may straddle the end of one."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 3600 * 500_000 + 10))


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """POST like a browser (a fresh session each time, as a script would) and run the
    after-commit work, so the SMS task runs as a real commit would."""

    def post(url, data, **extra):
        client.cookies.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", **extra)

    return post


def ask_for_code(send, login: str):
    return send(reverse("account_login"), {"login": login, "method": "code"})


# --- no text to a number without an account -------------------------------------------------


def test_twenty_numbers_without_an_account_get_no_text_and_the_page_looks_the_same(send):
    numbers = [f"+86139{n:08d}" for n in range(17)] + FOREIGN

    for number in numbers:
        response = ask_for_code(send, number)
        # Enumeration prevention: the answer is the one a member gets.
        assert response.status_code == 302
        assert response["Location"] == reverse("account_confirm_login_code")

    assert sms.outbox == []


def test_the_code_page_sends_nothing_to_an_unknown_number_either(send):
    response = send(reverse("account_request_login_code"), {"phone": "+8613912345678"})

    assert response.status_code == 302
    assert sms.outbox == []


def test_a_member_still_gets_the_code(send):
    MemberFactory(user__phone="+8613912345678")

    ask_for_code(send, "13912345678")

    assert [m.to for m in sms.outbox] == ["+8613912345678"]


def test_signing_up_with_a_taken_number_texts_its_owner_once_an_hour_at_most(send):
    MemberFactory(user__phone="+8613912345678")
    # Without allauth's 30-second limit per number, so only the hourly one is at work.
    limits = {**settings.ACCOUNT_RATE_LIMITS, "verify_phone": ""}
    with override_settings(ACCOUNT_RATE_LIMITS=limits):
        for _ in range(3):
            response = send(
                reverse("account_signup"), {"phone": "13912345678", "accept_terms": "on"}
            )
            assert response.status_code == 302  # the page can't tell whether the number exists

    notices = [m for m in sms.outbox if "already has a membership" in m.body]
    assert len(notices) == 1


def test_signing_up_again_at_once_with_a_taken_number_is_no_server_error(send):
    MemberFactory(user__phone="+8613912345678")
    send(reverse("account_signup"), {"phone": "13912345678", "accept_terms": "on"})

    response = send(reverse("account_signup"), {"phone": "13912345678", "accept_terms": "on"})

    assert response.status_code == 429  # allauth's "verify_phone": one text per 30 s a number
    assert "Too many attempts" in response.content.decode()
    assert 'class="topbar"' in response.content.decode()
    assert Member.objects.count() == 1


# --- sign-up only from the shop's country codes ---------------------------------------------


@pytest.mark.parametrize("number", FOREIGN)
def test_signup_from_another_country_is_refused_and_sends_nothing(send, number):
    response = send(reverse("account_signup"), {"phone": number, "accept_terms": "on"})

    assert response.status_code == 200
    errors = response.context["form"].errors["phone"]
    assert any("+86" in str(error) for error in errors), errors
    assert "+86" in response.content.decode()
    assert not User.objects.exists() and not Member.objects.exists()
    assert sms.outbox == []


@override_settings(PORTAL_SIGNUP_COUNTRY_CODES=["86", "852"])
def test_the_shop_chooses_the_country_codes(send):
    response = send(reverse("account_signup"), {"phone": "+85291234567", "accept_terms": "on"})

    assert response.status_code == 302
    assert User.objects.get().phone == "+85291234567"
    assert [m.to for m in sms.outbox] == ["+85291234567"]


def test_a_member_cannot_change_to_a_number_from_another_country(member_client, member):
    old_phone = str(member.user.phone)

    response = member_client.post(
        reverse("account_change_phone"), {"phone": "+23566123456"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "+86" in response.content.decode()
    member.user.refresh_from_db()
    assert str(member.user.phone) == old_phone
    assert sms.outbox == []


# --- the global hourly ceiling --------------------------------------------------------------


@override_settings(SMS_HOURLY_LIMIT=2)
def test_the_hourly_ceiling_stops_texts_logs_an_error_and_emails_the_owner_once(
    send, caplog, monkeypatch
):
    owner = OwnerFactory(email="boss@example.com")
    members = [MemberFactory() for _ in range(4)]
    # The ceiling is counted when a text leaves; the login page's own early check is
    # tested below, so let these requests through to the sending code.
    monkeypatch.setattr("portal.accounts.forms.sms_ceiling_reached", lambda: False)

    with caplog.at_level(logging.ERROR, logger="membership.sms"):
        for member in members:
            ask_for_code(send, str(member.user.phone))

    assert [m.to for m in sms.outbox] == [str(m.user.phone) for m in members[:2]]
    refusals = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(refusals) == 2
    assert "SMS_HOURLY_LIMIT" in refusals[0].getMessage()
    to_owner = [m for m in mail.outbox if owner.email in m.to]
    assert len(to_owner) == 1
    assert "SMS_HOURLY_LIMIT" in to_owner[0].body
    assert "2" in to_owner[0].subject


@override_settings(SMS_HOURLY_LIMIT=1)
def test_once_the_ceiling_is_reached_the_login_page_offers_the_other_ways_in(send):
    first, second = MemberFactory(), MemberFactory()
    ask_for_code(send, str(first.user.phone))
    assert len(sms.outbox) == 1

    response = ask_for_code(send, str(second.user.phone))

    assert response.status_code == 200
    assert "cannot send text messages right now" in response.content.decode()
    assert len(sms.outbox) == 1
    # Email codes and passwords still work.
    assert ask_for_code(send, second.user.email).status_code == 302


@override_settings(SMS_HOURLY_LIMIT=1)
def test_the_ceiling_is_per_hour(send, monkeypatch):
    members = [MemberFactory() for _ in range(2)]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 3600 * 1000 + 10))
    ask_for_code(send, str(members[0].user.phone))
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 3600 * 1001 + 10))

    ask_for_code(send, str(members[1].user.phone))

    assert len(sms.outbox) == 2


# --- the login-code form --------------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, {"phone": ""}, {"email": "", "phone": ""}])
def test_an_empty_code_request_is_a_form_error_not_a_crash(send, data):
    response = send(reverse("account_request_login_code"), data)

    assert response.status_code == 200
    assert "Enter your mobile number or your email" in response.content.decode()
    assert sms.outbox == []


# --- client IP behind the reverse proxy -----------------------------------------------------


def test_trusted_proxy_count_is_read_from_the_environment(monkeypatch):
    base = Path(settings.BASE_DIR) / "portal" / "settings" / "base.py"
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    assert runpy.run_path(str(base))["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    assert runpy.run_path(str(base))["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1


def test_the_apps_own_limits_read_the_client_ip_as_allauth_does():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7"
    )
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0):
        assert client_ip(request) == "10.0.0.2"  # a spoofable header is ignored
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "198.51.100.7"  # what our one proxy saw


def test_behind_the_proxy_each_visitor_has_their_own_login_limits(send):
    MemberFactory(user__phone="+8613912345678")
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1):
        for n in range(25):  # "request_login_code": 20 per minute per IP
            response = send(
                reverse("account_login"),
                {"login": f"139{n:08d}", "method": "code"},
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            )
            assert response.status_code == 302, n
