"""Every page shows the shop's brand name: the sites and their settings come from the cache,
chosen for the request's host as Wagtail chooses, and a saved or deleted site or settings row
is shown at the next request."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, Site

from portal.content.models import ShopSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def default_site():
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:  # a transactional test flushed the migrations' site from a reused DB
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root"))
        site = Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)
    return site


def brand(client, host="localhost") -> str:
    html = client.get(reverse("account_login"), HTTP_HOST=host).content.decode()
    return html.split('class="brand"', 1)[1].split(">", 1)[1].split("<", 1)[0]


def settings_for(host: str, port: str = "80") -> ShopSettings:
    request = RequestFactory().get("/", HTTP_HOST=host, SERVER_PORT=port)
    return ShopSettings.for_request(request)


def test_a_saved_brand_name_shows_at_the_next_request_without_a_site_query(client, default_site):
    shop = ShopSettings.for_site(default_site)
    shop.brand_name = "Clean & Co"
    shop.save()
    assert brand(client) == "Clean &amp; Co"

    with CaptureQueriesContext(connection) as queries:
        assert brand(client) == "Clean &amp; Co"
    assert not [q for q in queries.captured_queries if "wagtailcore_site" in q["sql"]]

    shop.brand_name = "Fresh Press"
    shop.save()
    assert brand(client) == "Fresh Press"


def test_each_host_gets_its_own_site_and_settings(settings, default_site):
    settings.ALLOWED_HOSTS = ["*"]
    other = Site.objects.create(hostname="east.example.com", root_page=default_site.root_page)
    ShopSettings.objects.create(site=other, brand_name="East")
    ShopSettings.for_site(default_site)  # made on first use

    assert settings_for("east.example.com").site_id == other.pk
    assert settings_for("east.example.com").brand_name == "East"
    # An unknown host, or a known one on another port alone, falls back to the default site.
    assert settings_for("unknown.example.com").site_id == default_site.pk
    assert settings_for("localhost", port="8000").site_id == default_site.pk
    # A site for the host on another port: the only one for that host answers.
    assert settings_for("east.example.com", port="8443").site_id == other.pk


def test_a_deleted_site_is_forgotten(default_site):
    other = Site.objects.create(hostname="west.example.com", root_page=default_site.root_page)
    assert settings_for("west.example.com").site_id == other.pk

    other.delete()

    assert settings_for("west.example.com").site_id == default_site.pk


def test_settings_are_made_for_a_site_that_has_none_yet(default_site):
    ShopSettings.objects.filter(site=default_site).delete()

    shop = settings_for("localhost")

    assert shop.pk is not None and shop.site_id == default_site.pk
    assert settings_for("localhost").pk == shop.pk
