"""Offers are written once per language (Wagtail locales) and shown in the member's language,
falling back to the default language (Chinese, as in the product) when not translated."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Locale, Page, Site

from portal.content.models import HomePage, OfferPage
from portal.content.selectors import offers_for_member
from portal.content.services import OfferText, home_page_translate, offer_page_create
from tests.factories import MemberFactory, TierFactory

pytestmark = pytest.mark.django_db

COAT_ZH = OfferText(title="大衣护理 8 折", summary="羊毛大衣清洗 8 折。")
COAT_EN = OfferText(title="Coats: 20% off", summary="Wool coats cleaned at 20% off.")


@pytest.fixture
def home(settings):
    """The product's setup: Chinese is the default language, the site root is its home page,
    and the home page has an English translation."""
    settings.LANGUAGE_CODE = "zh-hans"
    zh = Locale.objects.get(language_code="zh-hans")
    home = HomePage(title="净衣坊", slug="shop", locale=zh)
    Page.get_first_root_node().add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "testserver", "port": 80, "root_page": home}
    )
    home_page_translate(home=home, language="en", title="Pure Laundry")
    return home


def offer(home, slug="coats", texts=None, **kwargs) -> OfferPage:
    kwargs.setdefault("valid_from", timezone.now() - timedelta(days=1))
    texts = {"zh-hans": COAT_ZH, "en": COAT_EN} if texts is None else texts
    return offer_page_create(home=home, slug=slug, texts=texts, **kwargs)


def read(client, url, language):
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, (url, language, response.status_code)
    return response.content.decode()


def test_the_content_languages_have_their_locales():
    codes = set(Locale.objects.values_list("language_code", flat=True))
    assert {"zh-hans", "en"} <= codes


def test_a_member_reads_the_offer_in_their_language_only(client, home):
    url = offer(home).url

    chinese, english = read(client, url, "zh-hans"), read(client, url, "en")

    assert COAT_ZH.title in chinese and COAT_EN.title not in chinese
    assert COAT_EN.title in english and COAT_ZH.title not in english


def test_an_untranslated_offer_falls_back_to_the_default_language(client, home):
    url = offer(home, texts={"zh-hans": COAT_ZH}).url

    assert COAT_ZH.summary in read(client, url, "en")


def test_a_draft_translation_is_not_shown(client, home):
    source = offer(home)
    english = source.get_translation(Locale.objects.get(language_code="en"))
    english.unpublish()

    assert COAT_ZH.title in read(client, source.url, "en")


def test_a_translation_with_its_own_slug_is_reached_from_either_address(client, home):
    source = offer(home)
    english = source.get_translation(Locale.objects.get(language_code="en")).specific
    english.slug = "coat-season"
    english.save_revision().publish()
    english.refresh_from_db()
    assert english.url != source.url

    assert COAT_ZH.title in read(client, english.url, "zh-hans")
    assert COAT_EN.title in read(client, source.url, "en")
    client.cookies["django_language"] = "en"
    assert client.get("/no-such-offer/").status_code == 404


def test_the_offer_page_shows_its_text_once_with_the_tab_bar_and_a_call_to_action(
    client, home, member
):
    repeated = OfferText(
        title="Shirts", summary="One shirt for 19.9.", body="<p>One shirt for 19.9.</p>"
    )
    url = offer(home, slug="shirts", texts={"zh-hans": COAT_ZH, "en": repeated}).url
    client.force_login(member.user)

    html = read(client, url, "en")

    assert html.count("One shirt for 19.9.") == 1
    assert 'class="tabbar"' in html
    assert reverse("customer:card") in html and 'data-testid="offer-cta"' in html


def test_a_visitor_is_asked_to_log_in_and_comes_back_to_the_offer(client, home):
    url = offer(home).url

    html = read(client, url, "en")

    assert f"{reverse('account_login')}?next={url}" in html
    assert 'class="tabbar"' not in html


def test_an_ended_offer_says_so_and_offers_nothing(client, home):
    url = offer(home, valid_until=timezone.now() - timedelta(hours=1)).url

    html = read(client, url, "en")

    assert 'data-testid="offer-ended"' in html and 'data-testid="offer-cta"' not in html


def test_the_dashboard_list_is_in_the_members_language_from_the_cache(
    home, django_assert_num_queries
):
    core = TierFactory(code="core")
    member = MemberFactory(tier=core)
    for n in range(4):
        offer(home, slug=f"both-{n}")
    offer(home, slug="chinese-only", texts={"zh-hans": OfferText(title="仅中文", summary="中文")})
    offer(home, slug="other-tier", tiers=[TierFactory(code="seed")])

    # The shop's offers, their tiers, tags and translations: read once, whatever their number.
    with translation.override("en"), django_assert_num_queries(4):
        shown = offers_for_member(member=member, limit=10)
    with translation.override("zh-hans"), django_assert_num_queries(0):
        chinese = offers_for_member(member=member, limit=10)
    with translation.override("en"), django_assert_num_queries(0):
        again = offers_for_member(member=member, limit=10)

    assert sorted(o.title for o in shown) == sorted([COAT_EN.title] * 4 + ["仅中文"])
    assert sorted(o.title for o in chinese) == sorted([COAT_ZH.title] * 4 + ["仅中文"])
    assert [o.title for o in again] == [o.title for o in shown]
    assert all(o.url for o in shown)


def test_targeting_and_dates_come_from_the_default_language_page(home):
    core, seed = TierFactory(code="core"), TierFactory(code="seed")
    source = offer(home, tiers=[core])
    english = source.get_translation(Locale.objects.get(language_code="en")).specific
    english.tiers.set([seed])
    english.valid_until = timezone.now() - timedelta(days=1)
    english.save_revision().publish()

    with translation.override("en"):
        for_core = offers_for_member(member=MemberFactory(tier=core))
        for_seed = offers_for_member(member=MemberFactory(tier=seed))

    assert [o.title for o in for_core] == [COAT_EN.title]
    assert for_core[0].valid_until is None
    assert for_seed == []


def test_the_translation_edit_form_shows_targeting_read_only(client, home, owner_user):
    core = TierFactory(code="core")
    source = offer(home, tiers=[core])
    english = source.get_translation(Locale.objects.get(language_code="en"))
    client.force_login(owner_user)

    form = client.get(reverse("wagtailadmin_pages:edit", args=[english.pk])).context["form"]

    assert form.fields["tiers"].disabled and form.fields["valid_from"].disabled
    assert list(form.initial["tiers"]) == [core.pk]
    source_form = client.get(reverse("wagtailadmin_pages:edit", args=[source.pk])).context["form"]
    assert not source_form.fields["tiers"].disabled


def test_offers_are_created_in_the_default_language_and_translated_from_there(home):
    english_home = home.get_translation(Locale.objects.get(language_code="en"))

    assert OfferPage.can_create_at(home)
    assert not OfferPage.can_create_at(english_home)


def test_an_offer_needs_default_language_text_and_known_languages(home):
    with pytest.raises(ValidationError):
        offer(home, texts={"en": COAT_EN})
    with pytest.raises(ValidationError):
        offer(home, slug="fr", texts={"zh-hans": COAT_ZH, "fr": COAT_EN})
    assert not OfferPage.objects.exists()


def test_the_dashboard_lists_offers_in_the_members_language(client, home, member):
    url = offer(home).url
    offer(home, slug="chinese-only", texts={"zh-hans": OfferText(title="仅中文", summary="中文")})
    client.force_login(member.user)

    english = read(client, reverse("customer:dashboard"), "en")

    assert COAT_EN.title in english and COAT_ZH.title not in english
    assert "仅中文" in english  # not translated: the default language's text
    assert f'href="{url}"' in english


@pytest.mark.parametrize("path", ["/%00/", "/coats%00/", "/a/%00/"])
def test_junk_in_a_page_address_is_a_404(client, home, path):
    offer(home)
    client.cookies["django_language"] = "en"
    assert client.get(path).status_code == 404
