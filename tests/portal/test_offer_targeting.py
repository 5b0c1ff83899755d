"""Offers made for each member: targeting by tier, tag, lifecycle stage and dates, the most
valuable first; views counted set-based from the dashboard, uses from the call to action, and
the owner's conversion report in /cms/."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Locale, Page, Site

from loyalty.models import MemberSegment
from membership.models import MemberTag, Tag
from portal.content.models import HomePage, OfferPage, OfferStat
from portal.content.reports import conversion_percent
from portal.content.selectors import offer_conversion, offers_for_member
from portal.content.services import (
    OfferText,
    home_page_translate,
    offer_page_create,
    offer_use_record,
    offer_views_record,
)
from tests.factories import MemberFactory, OwnerFactory, StaffFactory, TierFactory

pytestmark = pytest.mark.django_db

COAT_ZH = OfferText(title="大衣护理 8 折", summary="羊毛大衣清洗 8 折。")
COAT_EN = OfferText(title="Coats: 20% off", summary="Wool coats cleaned at 20% off.")


@pytest.fixture
def home(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    zh = Locale.objects.get(language_code="zh-hans")
    home = HomePage(title="净衣坊", slug="shop", locale=zh)
    Page.get_first_root_node().add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "testserver", "port": 80, "root_page": home}
    )
    home_page_translate(home=home, language="en", title="Pure Laundry")
    return home


def offer(home, slug="coats", **kwargs):
    kwargs.setdefault("valid_from", timezone.now() - timedelta(days=1))
    texts = kwargs.pop("texts", {"zh-hans": COAT_ZH, "en": COAT_EN})
    return offer_page_create(home=home, slug=slug, texts=texts, **kwargs)


def slugs(member, limit=10):
    with translation.override("zh-hans"):
        return [o.slug for o in offers_for_member(member=member, limit=limit)]


def tag(code):
    return Tag.objects.create(code=code, name_zh=code)


def stage(member, value):
    MemberSegment.objects.update_or_create(member=member, defaults={"lifecycle_stage": value})


# --- targeting ------------------------------------------------------------------------------


def test_tier_targeting_in_and_out(home):
    core, seed = TierFactory(code="core"), TierFactory(code="seed")
    offer(home, slug="for-core", tiers=[core])
    assert slugs(MemberFactory(tier=core)) == ["for-core"]
    assert slugs(MemberFactory(tier=seed)) == []
    assert slugs(MemberFactory(tier=None)) == []


def test_tag_targeting_in_and_out(home):
    business, parent, gone = tag("business"), tag("parent"), tag("gone")
    gone.is_active = False
    gone.save()
    offer(home, slug="suits", tags=[business, gone])
    offer(home, slug="everyone")
    tagged, other, hidden_tag, plain = (MemberFactory() for _ in range(4))
    MemberTag.objects.create(member=tagged, tag=business)
    MemberTag.objects.create(member=other, tag=parent)
    MemberTag.objects.create(member=hidden_tag, tag=gone)

    assert sorted(slugs(tagged)) == ["everyone", "suits"]
    assert slugs(other) == ["everyone"]
    assert slugs(hidden_tag) == ["everyone"]  # an inactive tag targets nobody
    assert slugs(plain) == ["everyone"]


def test_lifecycle_stage_targeting_in_and_out(home):
    offer(home, slug="come-back", lifecycle_stages=["sleeping", "churned"])
    sleeping, active, unscored = MemberFactory(), MemberFactory(), MemberFactory()
    stage(sleeping, "sleeping")
    stage(active, "active")

    assert slugs(sleeping) == ["come-back"]
    assert slugs(active) == []
    assert slugs(unscored) == []  # no stage yet: not in a stage the offer names


def test_all_targets_must_match_together(home):
    core = TierFactory(code="core")
    business = tag("business")
    offer(home, slug="narrow", tiers=[core], tags=[business], lifecycle_stages=["active"])
    member = MemberFactory(tier=core)
    MemberTag.objects.create(member=member, tag=business)
    stage(member, "new")
    assert slugs(member) == []
    stage(member, "active")
    assert slugs(member) == ["narrow"]


def test_dates_in_and_out(home):
    now = timezone.now()
    offer(
        home,
        slug="running",
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=1),
    )
    offer(home, slug="not-yet", valid_from=now + timedelta(days=2))
    offer(
        home,
        slug="over",
        valid_from=now - timedelta(days=9),
        valid_until=now - timedelta(minutes=1),
    )
    assert slugs(MemberFactory()) == ["running"]


def test_the_most_valuable_offers_come_first_then_the_newest(home):
    now = timezone.now()
    offer(home, slug="small", value=Decimal("5"), valid_from=now - timedelta(days=1))
    offer(home, slug="big", value=Decimal("50"), valid_from=now - timedelta(days=3))
    offer(home, slug="mid-old", value=Decimal("20"), valid_from=now - timedelta(days=5))
    offer(home, slug="mid-new", value=Decimal("20"), valid_from=now - timedelta(days=2))
    member = MemberFactory()
    assert slugs(member) == ["big", "mid-new", "mid-old", "small"]
    assert slugs(member, limit=2) == ["big", "mid-new"]


def test_stage_filtering_does_not_shorten_the_list_below_the_limit(home):
    for n in range(3):
        offer(home, slug=f"churned-{n}", value=Decimal("90"), lifecycle_stages=["churned"])
    offer(home, slug="for-all", value=Decimal("1"))
    member = MemberFactory()
    stage(member, "active")
    assert slugs(member, limit=1) == ["for-all"]


def test_targeting_comes_from_the_default_language_page_and_translations_are_shown(home):
    business = tag("business")
    source = offer(home, tags=[business], value=Decimal("8"))
    member = MemberFactory()
    MemberTag.objects.create(member=member, tag=business)
    with translation.override("en"):
        shown = offers_for_member(member=member)
    assert [o.title for o in shown] == [COAT_EN.title]
    assert shown[0].deciding_id == source.pk and shown[0].pk != source.pk


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lifecycle_stages": ["asleep"]}, "Unknown lifecycle stage: asleep"),
        ({"value": Decimal("-1")}, "cannot be negative"),
    ],
)
def test_the_service_refuses_unknown_stages_and_negative_values(home, kwargs, message):
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        offer(home, **kwargs)


def test_the_owner_sets_tags_stages_and_value_in_the_page_editor(client, home):
    client.force_login(OwnerFactory())
    business = tag("business")
    source = offer(home)
    url = reverse("wagtailadmin_pages:edit", args=[source.pk])
    assert client.get(url).status_code == 200
    data = {
        "title": source.title,
        "slug": source.slug,
        "summary": source.summary,
        "body": '{"blocks": [], "entityMap": {}}',  # Draftail's empty content
        "value": "12.50",
        "tags": [business.pk],
        "lifecycle_stages": ["new", "active"],
        "valid_from": timezone.localtime(source.valid_from).strftime("%Y-%m-%d %H:%M"),
        "valid_until": "",
        "action-publish": "publish",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    source = OfferPage.objects.get(pk=source.pk)
    assert source.value == Decimal("12.50")
    assert source.lifecycle_stages == ["new", "active"]
    assert list(source.tags.all()) == [business]


# --- views and uses -------------------------------------------------------------------------


def test_the_dashboard_counts_each_offer_seen_once_per_member(client, home):
    first, second = offer(home, slug="a"), offer(home, slug="b")
    member = MemberFactory()
    client.force_login(member.user)

    client.get(reverse("customer:dashboard"))
    seen = {s.offer_id: s.first_viewed_at for s in OfferStat.objects.filter(member=member)}
    client.get(reverse("customer:dashboard"))

    assert set(seen) == {first.pk, second.pk}
    again = {s.offer_id: s.first_viewed_at for s in OfferStat.objects.filter(member=member)}
    assert again == seen  # the first time is kept
    assert OfferStat.objects.filter(used_at__isnull=False).count() == 0


def test_counting_views_is_one_statement_whatever_the_number_of_offers(home):
    member = MemberFactory()
    for n in range(8):
        offer(home, slug=f"o{n}")
    shown = offers_for_member(member=member, limit=8)
    with CaptureQueriesContext(connection) as queries:
        offer_views_record(member=member, offer_ids=[o.deciding_id for o in shown])
    assert len(queries.captured_queries) == 1
    assert OfferStat.objects.filter(member=member).count() == 8
    with CaptureQueriesContext(connection) as queries:
        offer_views_record(member=member, offer_ids=[])
    assert len(queries.captured_queries) == 0


def test_the_dashboard_costs_the_same_with_one_offer_or_seven(client, home, settings):
    settings.MEMBER_PAGE_CACHE_SECONDS = 0  # the cost of building it (kept: test_member_page_cache)
    member = MemberFactory()
    first = tag("t-first")
    MemberTag.objects.create(member=member, tag=first)
    client.force_login(member.user)
    offer(home, slug="only", tags=[first])
    url = reverse("customer:dashboard")
    client.get(url)

    def queries() -> tuple[int, int]:
        """(the first dashboard after an offer changed, the next one)"""
        with CaptureQueriesContext(connection) as first:
            client.get(url)
        with CaptureQueriesContext(connection) as next_:
            client.get(url)
        return len(first.captured_queries), len(next_.captured_queries)

    OfferPage.objects.filter(slug="only").first().save()  # the shop's offers read again
    one = queries()
    for n in range(6):
        offer(home, slug=f"more-{n}", tags=[tag(f"t{n}")] if n % 2 else ())
    many = queries()

    assert many == one
    # The offers come from the cache: reading them again costs four queries, whatever their
    # number, then none. Within the dashboard's budget (test_query_budgets, no offers there)
    # with the member's tags (an offer targets tags) and the statement counting offers seen.
    assert one[0] == one[1] + 4
    assert one[1] <= 10 + 1


def test_the_call_to_action_counts_a_use_once_and_leads_to_the_card(client, home):
    source = offer(home)
    english = source.get_translation(Locale.objects.get(language_code="en"))
    member = MemberFactory()
    client.force_login(member.user)
    client.get(reverse("customer:dashboard"))

    page = client.get(source.url)
    assert reverse("customer:offer-use", args=[source.pk]) in page.content.decode()
    response = client.post(reverse("customer:offer-use", args=[english.pk]))
    used_at = OfferStat.objects.get(member=member, offer=source).used_at
    client.post(reverse("customer:offer-use", args=[source.pk]))

    assert response["Location"] == reverse("customer:card")
    assert used_at is not None
    assert OfferStat.objects.get(member=member, offer=source).used_at == used_at
    assert OfferStat.objects.count() == 1  # counted on the deciding page


def test_an_offer_not_for_the_member_is_not_counted(client, home):
    other = offer(home, slug="core-only", tiers=[TierFactory(code="core")])
    ended = offer(home, slug="ended", valid_until=timezone.now() - timedelta(hours=1))
    client.force_login(MemberFactory().user)

    for page in (other, ended):
        response = client.post(reverse("customer:offer-use", args=[page.pk]))
        assert response["Location"] == reverse("customer:dashboard")
    assert client.post(reverse("customer:offer-use", args=[999999])).status_code == 302
    assert OfferStat.objects.count() == 0


def test_offer_use_permissions(client, home):
    source = offer(home)
    url = reverse("customer:offer-use", args=[source.pk])

    anonymous = client.post(url)
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]
    client.force_login(MemberFactory().user)
    assert client.get(url).status_code == 405  # a use is a POST, never a link prefetch
    for role in (StaffFactory(), OwnerFactory()):
        client.force_login(role)
        assert client.post(url)["Location"] == reverse("counter:home")
    assert OfferStat.objects.count() == 0


# --- the owner's report ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "views, uses, shown", [(0, 0, "–"), (4, 1, "25.0%"), (3, 2, "66.7%"), (5, 5, "100.0%")]
)
def test_conversion_percent(views, uses, shown):
    assert conversion_percent(views=views, uses=uses) == shown


def test_the_report_counts_views_and_uses_per_offer(home):
    coats, shirts = offer(home, slug="coats"), offer(home, slug="shirts")
    members = [MemberFactory() for _ in range(4)]
    for member in members:
        offer_views_record(member=member, offer_ids=[coats.pk])
    offer_views_record(member=members[0], offer_ids=[shirts.pk])
    offer_use_record(member=members[0], offer=coats)
    offer_use_record(member=members[1], offer=coats)

    rows = {o.slug: (o.views, o.uses) for o in offer_conversion()}

    assert rows == {"coats": (4, 2), "shirts": (1, 0)}


def test_the_owner_sees_the_report_and_others_do_not(client, home):
    coats = offer(home, slug="coats")
    member = MemberFactory()
    offer_views_record(member=member, offer_ids=[coats.pk])
    offer_use_record(member=member, offer=coats)
    url = reverse("content_offer_report")

    client.force_login(OwnerFactory())
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert COAT_ZH.title in html and "100.0%" in html
    export = client.get(url + "?export=csv")
    assert export.status_code == 200
    assert "100.0%" in b"".join(export.streaming_content).decode()

    client.force_login(StaffFactory())
    assert client.get(url).status_code in (302, 403)
    client.force_login(member.user)
    assert client.get(url).status_code in (302, 403)
    client.logout()
    assert reverse("wagtailadmin_login") in client.get(url)["Location"]
