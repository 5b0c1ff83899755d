"""The shop's logo, contact and colours from the settings in /cms/ on member pages, read
from the cache (no query for them), and a colour that is not #rrggbb refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from portal.content.models import ShopSettings
from tests.portal.test_counter_panel import ensure_default_site
from tests.portal.test_owner_admin import form_as_posted

pytestmark = pytest.mark.django_db


@pytest.fixture
def default_site():
    ensure_default_site()
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def shop(default_site):
    settings = ShopSettings.for_site(default_site)
    settings.brand_name = "Clean & Co"
    settings.logo = Image.objects.create(title="Logo", file=get_test_image_file())
    settings.primary_colour = "#123456"
    settings.accent_colour = "#abcdef"
    settings.address = "12 Willow Lane"
    settings.opening_hours = "Mon-Sat 8:00-20:00"
    settings.support_phone = "021 5555 0101"
    settings.contact_email = "hello@example.com"
    settings.save()
    return settings


def test_member_pages_show_the_logo_the_colours_and_the_contact(member_client, shop):
    member_client.get(reverse("customer:dashboard"))  # fills the cache

    with CaptureQueriesContext(connection) as queries:
        html = member_client.get(reverse("customer:dashboard")).content.decode()

    assert "--brand: #123456; --brand-2: #abcdef;" in html
    assert '<meta name="theme-color" content="#123456">' in html
    rendition = shop.logo.get_rendition("height-80").url
    assert f'class="brand-logo" src="{rendition}"' in html
    for text in ("12 Willow Lane", "Mon-Sat 8:00-20:00", "021 5555 0101", "hello@example.com"):
        assert text in html
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "content_shopsettings" not in read and "wagtailimages" not in read


def test_a_replaced_logo_shows_at_the_next_request(member_client, shop):
    member_client.get(reverse("customer:dashboard"))
    shop.logo = Image.objects.create(title="New logo", file=get_test_image_file(size=(30, 30)))
    shop.save()

    html = member_client.get(reverse("customer:dashboard")).content.decode()

    assert shop.logo.get_rendition("height-80").url in html


def test_without_settings_the_stylesheet_colours_are_kept(client, default_site):
    html = client.get(reverse("account_login")).content.decode()
    assert "--brand:" not in html and "<style" not in html  # no nonce needed
    assert 'class="brand-logo"' not in html


@pytest.mark.parametrize(
    "colour", ["red", "#12345", "#1234567", "#12345g", "#123456;}body{display:none", ""]
)
def test_a_colour_that_is_not_rrggbb_is_refused_with_a_message(
    client,
    owner_user,
    default_site,
    colour,
):
    client.force_login(owner_user)
    url = reverse("wagtailsettings:edit", args=["content", "shopsettings", default_site.pk])
    data = form_as_posted(client.get(url).context["form"])

    response = client.post(url, data | {"primary_colour": colour})

    assert response.status_code == 200
    assert "primary_colour" in response.context["form"].errors
    assert ShopSettings.for_site(default_site).primary_colour == "#0f5c4d"


def test_the_owner_saves_colours_and_contact(client, owner_user, default_site):
    client.force_login(owner_user)
    url = reverse("wagtailsettings:edit", args=["content", "shopsettings", default_site.pk])
    data = form_as_posted(client.get(url).context["form"])

    response = client.post(url, data | {"accent_colour": "#C0FFEE", "address": "1 Main St"})

    assert response.status_code == 302
    saved = ShopSettings.objects.get(site=default_site)
    assert (saved.accent_colour, saved.address) == ("#C0FFEE", "1 Main St")
