"""The language switcher: works logged out and in, remembers the choice, returns to the page."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


def switch(client, language: str, next_url: str):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_default_language_is_simplified_chinese(client, settings):
    from portal.settings import base

    assert base.LANGUAGE_CODE == "zh-hans"  # the product default, unless the shop sets one
    settings.LANGUAGE_CODE = base.LANGUAGE_CODE
    response = client.get(reverse("account_login"))
    assert html_lang(response) == "zh-hans"


def test_switcher_posts_to_set_language_and_comes_back_to_the_same_page(client):
    page = reverse("account_login") + "?next=/me/profile/"
    html = client.get(page).content.decode()

    form = re.search(
        r'<form action="([^"]+)" method="post" class="lang-switch"[^>]*>(.*?)</form>', html, re.S
    )
    assert form and form.group(1) == reverse("set_language")
    assert f'name="next" type="hidden" value="{page.replace("&", "&amp;")}"' in form.group(2)
    assert 'name="language" value="en"' in form.group(2)
    assert 'name="language" value="zh-hans"' in form.group(2)


def test_anonymous_visitor_switches_to_english_and_back(client):
    page = reverse("account_signup")

    response = switch(client, "en", page)

    assert response.status_code == 302
    assert response["Location"] == page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert html_lang(client.get(page)) == "en"

    response = switch(client, "zh-hans", page)

    assert response["Location"] == page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert html_lang(client.get(page)) == "zh-hans"


def test_logged_in_member_switches_on_any_page_and_stays_there(member_client):
    for page in [reverse("customer:dashboard"), reverse("customer:profile")]:
        response = switch(member_client, "en", page)
        assert response["Location"] == page
        assert html_lang(member_client.get(page)) == "en"

        response = switch(member_client, "zh-hans", page)
        assert response["Location"] == page
        assert html_lang(member_client.get(page)) == "zh-hans"


def test_the_choice_survives_logging_in(client, member):
    switch(client, "en", reverse("account_login"))
    client.force_login(member.user)
    assert html_lang(client.get(reverse("customer:dashboard"))) == "en"


def test_query_string_is_kept_on_the_way_back(client):
    page = reverse("account_login") + "?next=%2Fme%2Fprofile%2F"
    response = switch(client, "en", page)
    assert response["Location"] == page


def test_switching_never_redirects_off_site(client):
    response = switch(client, "en", "https://evil.example.com/")
    assert response.status_code == 302
    assert "evil.example.com" not in response["Location"]


def test_the_cookie_language_beats_the_browsers_accept_language(client):
    switch(client, "en", "/")
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert html_lang(response) == "en"


def test_switcher_names_each_language_in_itself(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    html = client.get(reverse("account_login")).content.decode()
    assert ">English</button>" in html
    assert ">简体中文</button>" in html
    assert "英语" not in html
