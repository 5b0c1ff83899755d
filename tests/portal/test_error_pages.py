"""403, 404 and 500 are the portal's own pages: styled, phone-width, in the visitor's
language, with a way back to that visitor's start page (rendered with DEBUG off)."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PHONE_WIDTH = '<meta name="viewport" content="width=device-width'


def _styled(html: str) -> bool:
    return PHONE_WIDTH in html and "css/portal.css" in html and 'data-testid="error-page"' in html


def _use(client, language: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False


def test_member_opening_a_staff_page_gets_a_styled_403_back_to_their_home(member_client):
    _use(member_client, "zh-hans")

    response = member_client.get(reverse("counter:home"))

    assert response.status_code == 403
    html = response.content.decode()
    assert _styled(html)
    assert "无法打开" in html
    assert f'href="{reverse("customer:dashboard")}" data-testid="error-home"' in html
    assert "Forbidden" not in html


def test_403_in_english(member_client):
    _use(member_client, "en")

    html = member_client.get(reverse("counter:home")).content.decode()

    assert "Your login cannot open this page." in html
    assert '<html lang="en">' in html


def test_404_for_a_member_leads_back_to_the_member_pages(member_client):
    _use(member_client, "zh-hans")

    response = member_client.get(reverse("customer:order", kwargs={"number": "O-NOT-MINE"}))

    assert response.status_code == 404
    html = response.content.decode()
    assert _styled(html)
    assert "找不到" in html
    assert f'href="{reverse("customer:dashboard")}" data-testid="error-home"' in html


def test_404_for_staff_leads_back_to_the_counter(client, staff_user):
    client.force_login(staff_user)
    _use(client, "en")

    response = client.get("/counter/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert f'href="{reverse("counter:home")}" data-testid="error-home"' in html


def test_404_for_a_visitor_leads_to_the_shop_home(client):
    _use(client, "en")

    response = client.get("/no-such-page-here/")

    assert response.status_code == 404
    assert 'href="/" data-testid="error-home"' in response.content.decode()


@pytest.mark.urls("tests.portal.error_urls")
@pytest.mark.parametrize(
    ("language", "text"),
    [("zh-hans", "出错了"), ("en", "Something went wrong")],
)
def test_500_is_styled_in_both_languages(client, language, text):
    client.raise_request_exception = False
    _use(client, language)

    response = client.get("/__boom__/")

    assert response.status_code == 500
    html = response.content.decode()
    assert _styled(html)
    assert text in html
    assert 'href="/" data-testid="error-home"' in html
