"""The owner works in the Wagtail admin at /cms/; counter staff and members do not get in."""

import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from membership.models import Tier
from tests.factories import MemberFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db

TIER_LIST = "wagtailsnippets_membership_tier:list"
TIER_ADD = "wagtailsnippets_membership_tier:add"
TIER_EDIT = "wagtailsnippets_membership_tier:edit"
MEMBER_LIST = "wagtailsnippets_membership_member:list"


def refused(response) -> bool:
    """403, or a redirect to a login page (Wagtail's way of refusing logged-in non-admins)."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "login" in response["Location"]


def test_owner_reaches_the_back_office_and_the_tier_admin(client, owner_user):
    TierFactory(code="core", name_zh="核心", name_en="Core", rank=3)
    client.force_login(owner_user)

    assert client.get("/cms/").status_code == 200
    response = client.get(reverse(TIER_LIST), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "core" in response.content.decode()
    for name in ("store", "servicecategory"):
        assert client.get(reverse(f"wagtailsnippets_membership_{name}:list")).status_code == 200


def test_owner_creates_a_tier_with_benefits_inline(client, owner_user):
    client.force_login(owner_user)
    data = form_as_posted(client.get(reverse(TIER_ADD)).context["form"])  # the defaults
    data |= {
        "name_zh": "核心",
        "name_en": "Core",
        "code": "core",
        "rank": "3",
        "badge_color": "#0f5c4d",
        "target_share_percent": "20",
        "window_months": "12",
        "min_spend": "3000",
        "min_orders": "0",
        "min_orders_per_recent_month": "0",
        "recent_months": "0",
        "stored_value_discount_percent": "10",
        "points_multiplier": "2",
        "pickup_response_hours": "2",
        "benefits-TOTAL_FORMS": "2",
        "benefits-INITIAL_FORMS": "0",
        "benefits-MIN_NUM_FORMS": "0",
        "benefits-MAX_NUM_FORMS": "1000",
        "benefits-0-title_zh": "优先排队",
        "benefits-0-title_en": "Priority queue",
        "benefits-0-sort_order": "1",
        "benefits-0-DELETE": "",
        "benefits-0-id": "",
        "benefits-1-title_zh": "2小时内上门取件",
        "benefits-1-title_en": "Pickup within 2 hours",
        "benefits-1-sort_order": "2",
        "benefits-1-DELETE": "",
        "benefits-1-id": "",
    }

    response = client.post(reverse(TIER_ADD), data)

    assert response.status_code == 302, getattr(response, "context", {}) and (
        response.context["form"].errors,
        [f.errors for f in response.context["form"].formsets["benefits"].forms],
    )
    tier = Tier.objects.get(code="core")
    assert tier.points_multiplier == 2
    assert [b.title_en for b in tier.benefits.all()] == ["Priority queue", "Pickup within 2 hours"]


@pytest.mark.parametrize("who", ["staff", "member"])
def test_staff_and_members_do_not_get_into_the_back_office(client, who, staff_user, member):
    client.force_login(staff_user if who == "staff" else member.user)
    for url in ("/cms/", reverse(TIER_LIST), reverse(TIER_ADD), reverse(MEMBER_LIST)):
        response = client.get(url)
        assert refused(response), (url, response.status_code)
    assert not Tier.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/cms/", reverse(TIER_LIST)):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_owner_is_not_a_django_admin_user(client, owner_user):
    client.force_login(owner_user)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_member_list_is_searchable_by_name_phone_and_number(client, owner_user):
    alice = MemberFactory(name="Alice Zhang", user=UserFactory(phone="+8613911112222"))
    bob = MemberFactory(name="Bob Li", number="M900000001")
    client.force_login(owner_user)

    def found(query):
        html = client.get(reverse(MEMBER_LIST), {"q": query}).content.decode()
        return {m.number for m in (alice, bob) if m.number in html}

    assert found("Alice") == {alice.number}
    assert found("13911112222") == {alice.number}
    assert found("M900000001") == {bob.number}


def test_member_list_is_paginated_with_a_fixed_number_of_queries(
    client, owner_user, django_assert_max_num_queries
):
    tier = TierFactory()
    MemberFactory.create_batch(3, tier=tier)
    client.force_login(owner_user)
    client.get(reverse(MEMBER_LIST))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(MEMBER_LIST)).status_code == 200
    MemberFactory.create_batch(70, tier=tier)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(MEMBER_LIST))

    assert response.status_code == 200
    assert "?p=2" in response.content.decode()  # 73 members, 50 a page


def test_members_are_read_only_in_the_back_office(client, owner_user, member):
    client.force_login(owner_user)
    inspect = reverse("wagtailsnippets_membership_member:inspect", args=[member.pk])
    assert client.get(inspect).status_code == 200
    edit = reverse("wagtailsnippets_membership_member:edit", args=[member.pk])
    response = client.post(edit, {"name": "Changed"})
    assert response.status_code in (302, 403) and response.get("Location") != edit
    member.refresh_from_db()
    assert member.name != "Changed"
    add = client.get(reverse("wagtailsnippets_membership_member:add"))
    assert add.status_code in (302, 403)


# --- Pages: offers and content (issue 9.1) ------------------------------------------------------


@pytest.fixture
def shop_home(settings):
    """The site's home page in the default language (Chinese, as in the product)."""
    from wagtail.models import Locale, Page, Site

    from portal.content.models import HomePage

    settings.LANGUAGE_CODE = "zh-hans"
    home = HomePage(title="净衣坊", slug="shop", locale=Locale.objects.get(language_code="zh-hans"))
    Page.get_first_root_node().add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "testserver", "port": 80, "root_page": home}
    )
    return home


def offer_form(**fields):
    from wagtail.test.utils.form_data import nested_form_data, rich_text

    data = {
        "title": "Coats: 20% off",
        "slug": "coats",
        "summary": "Wool coats cleaned at 20% off.",
        "body": rich_text("<p>Bring them in before winter.</p>"),
        "valid_from": "2026-11-01 09:00",
        "valid_until": "",
        "comments": {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0"},
        "comments-MAX_NUM_FORMS": "1000",
        "action-publish": "action-publish",
    }
    data.update(fields)
    return nested_form_data(data)


def test_owner_has_the_pages_menu_and_the_page_tree(client, owner_user, shop_home):
    client.force_login(owner_user)

    dashboard = client.get("/cms/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("wagtailadmin_explore_root") in dashboard
    assert client.get(reverse("wagtailadmin_explore_root")).status_code == 200
    assert client.get(reverse("wagtailadmin_explore", args=[shop_home.pk])).status_code == 200


def test_owner_adds_edits_and_publishes_an_offer(client, owner_user, shop_home):
    from portal.content.models import OfferPage

    client.force_login(owner_user)
    add = reverse("wagtailadmin_pages:add", args=["content", "offerpage", shop_home.pk])

    response = client.post(add, offer_form())
    assert response.status_code == 302, response.context and response.context["form"].errors
    offer = OfferPage.objects.get(slug="coats")
    assert offer.live

    edit = reverse("wagtailadmin_pages:edit", args=[offer.pk])
    response = client.post(edit, offer_form(summary="Wool and down: 20% off."))
    assert response.status_code == 302, response.context and response.context["form"].errors
    offer.refresh_from_db()
    assert offer.summary == "Wool and down: 20% off."
    assert offer.live and not offer.has_unpublished_changes


def test_owner_translates_an_offer_into_english(client, owner_user, shop_home):
    from wagtail.models import Locale

    from portal.content.models import OfferPage
    from portal.content.services import OfferText, home_page_translate, offer_page_create

    home_page_translate(home=shop_home, language="en", title="Pure Laundry")
    offer = offer_page_create(
        home=shop_home,
        slug="coats",
        texts={"zh-hans": OfferText(title="大衣 8 折", summary="大衣清洗 8 折。")},
        valid_from=timezone.now(),
    )
    english = Locale.objects.get(language_code="en")
    client.force_login(owner_user)

    submit = reverse("simple_translation:submit_page_translation", args=[offer.pk])
    assert client.get(submit).status_code == 200
    response = client.post(submit, {"locales": [english.pk]})

    assert response.status_code == 302
    translation = OfferPage.objects.get(translation_key=offer.translation_key, locale=english)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[translation.pk]),
        offer_form(title="Coats: 20% off", slug="coats", valid_from="2020-01-01 00:00"),
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    translation.refresh_from_db()
    assert translation.live and translation.title == "Coats: 20% off"
    assert translation.valid_from == offer.valid_from.replace(microsecond=0)  # the Chinese page's


# --- Every listing opens its rows; values read as in the app (issue 9.2, 9.4, 9.5) -------------


def _row_makers():
    from decimal import Decimal

    from django.utils import timezone

    from loyalty.models import (
        CouponTemplate,
        DynamicTagRule,
        Package,
        PointsReward,
        RewardRule,
        TierChange,
        TierReviewRun,
        TopUpBonusRule,
    )
    from membership.models import Member, ServiceCategory, Store, Tag
    from tests.factories import ServiceCategoryFactory, StoreFactory
    from tests.loyalty.rule_helpers import make_rule

    def tier_change():
        member = MemberFactory(tier=TierFactory())
        return TierChange.objects.create(
            member=member, from_tier=None, to_tier=member.tier, reason=TierChange.Reason.PROMOTION
        )

    return {
        Tier: TierFactory,
        Member: MemberFactory,
        Tag: lambda: Tag.objects.create(code="business", name_zh="商务", name_en="Business"),
        Store: StoreFactory,
        ServiceCategory: ServiceCategoryFactory,
        Package: lambda: Package.objects.create(
            code="suit-month", name_zh="西装月卡", name_en="Suit month card", price=399
        ),
        TopUpBonusRule: lambda: TopUpBonusRule.objects.create(
            name="100 + 20", min_amount=Decimal("100"), bonus_amount=Decimal("20")
        ),
        CouponTemplate: lambda: CouponTemplate.objects.create(
            name_zh="满 300 减 50", name_en="50 off 300", amount_off=Decimal("50")
        ),
        TierReviewRun: lambda: TierReviewRun.objects.create(
            period=timezone.localdate().replace(day=1), as_of=timezone.now(), reviewed=3
        ),
        TierChange: tier_change,
        RewardRule: lambda: make_rule("daily", period="day", name_zh="每日", name_en="Daily"),
        DynamicTagRule: lambda: DynamicTagRule.objects.create(
            tag=Tag.objects.create(code="spender", name_zh="高消费", kind=Tag.Kind.DYNAMIC),
            kind=DynamicTagRule.Kind.SPENT_THIS_MONTH,
            amount=Decimal("500"),
        ),
        PointsReward: lambda: PointsReward.objects.create(
            name_zh="500 积分换 5 元券",
            points_cost=500,
            coupon_template=CouponTemplate.objects.create(
                name_zh="5 元券", amount_off=Decimal("5")
            ),
        ),
    }


def first_row_link(html: str) -> str | None:
    listing = html[html.find('<table class="listing') :]
    body = listing[listing.find("<tbody") :]
    row = body[: body.find("</tr>")]
    match = re.search(r'<td class="[^"]*title">.*?<a[^>]*href="([^"]+)"', row, re.S)
    return match and match.group(1).replace("&amp;", "&")


def test_every_back_office_listing_opens_its_rows(client, owner_user):
    from wagtail.snippets.models import get_snippet_models

    makers = _row_makers()
    listed = [
        m
        for m in get_snippet_models()
        if owner_user.has_perm(f"{m._meta.app_label}.view_{m._meta.model_name}")
    ]
    assert not set(listed) - set(makers), "a new listing needs a row here"
    client.force_login(owner_user)

    for model in listed:
        row = makers[model]()
        viewset = model.snippet_viewset
        html = client.get(reverse(viewset.get_url_name("list"))).content.decode()
        link = first_row_link(html)

        view_only = {"member", "tierreviewrun", "tierchange"}
        opens = "inspect" if model._meta.model_name in view_only else "edit"
        assert link == reverse(viewset.get_url_name(opens), args=[row.pk]), (model, link)
        assert client.get(link).status_code == 200, link
        assert 'class="actions"' in html, f"{model.__name__} rows have no action menu"


def listing_headers(client, url, language) -> list[str]:
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    table = html[html.find('<table class="listing') :]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", table[: table.find("</thead>")], re.S)
    return [text for text in (re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in cells) if text]


@pytest.mark.parametrize(
    ("url_name", "english", "chinese"),
    [
        (TIER_LIST, "Name", "名称"),  # a tier's name
        (MEMBER_LIST, "Name", "姓名"),  # a person's
        ("wagtailsnippets_loyalty_tierchange:list", "From tier", "原等级"),
    ],
)
def test_listing_headers_are_capitalised_and_translated(
    client, owner_user, url_name, english, chinese
):
    from loyalty.models import TierChange

    member = MemberFactory(tier=TierFactory())
    TierChange.objects.create(member=member, to_tier=member.tier, reason="promotion")
    client.force_login(owner_user)

    headers = listing_headers(client, reverse(url_name), "en")
    assert english in headers and all(h[0].isupper() for h in headers), headers
    assert chinese in listing_headers(client, reverse(url_name), "zh-hans")


def test_member_inspect_shows_shop_times_and_yes_no(client, owner_user, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    joined = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 04:30 on 2 March in Shanghai
    member = MemberFactory(joined_at=joined, needs_pickup_delivery=True)
    client.force_login(owner_user)

    html = client.get(
        reverse("wagtailsnippets_membership_member:inspect", args=[member.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    details = re.sub(r"\s+", " ", html[html.find("<dl") : html.find("</dl>")])

    assert "March 2, 2026, 4:30 a.m." in details, details
    assert "Yes" in details and "No" in details
    assert "True" not in details and "False" not in details and "None" not in details
    chinese = client.get(
        reverse("wagtailsnippets_membership_member:inspect", args=[member.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "<dt>姓名</dt>" in chinese and re.search(r"<dd>\s*是\s*</dd>", chinese)


def test_the_back_office_fetches_no_avatar_from_the_internet(client, owner_user):
    client.force_login(owner_user)
    html = client.get("/cms/").content.decode()
    assert "gravatar" not in html


def form_as_posted(form) -> dict:
    """What a browser posts back for an untouched admin form: each field's current value and
    each inline formset's management data (no inline rows)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    for prefix, formset in form.formsets.items():
        management = formset.management_form
        for name in management.fields:
            data[f"{prefix}-{name}"] = management[name].value()
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


@pytest.mark.parametrize("action", ["add", "edit"])
def test_saving_a_tier_says_when_members_are_re_tiered(client, owner_user, action, settings):
    from membership.backoffice import next_monthly_review

    settings.TIME_ZONE = "Asia/Shanghai"
    client.force_login(owner_user)
    tier = TierFactory(code="core", min_spend=3000) if action == "edit" else None
    url = reverse(TIER_ADD) if tier is None else reverse(TIER_EDIT, args=[tier.pk])
    data = form_as_posted(client.get(url).context["form"])
    data.update(name_zh="核心", name_en="Core", code="core", rank="3", min_spend="2500")

    response = client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    with translation.override("en"):
        review = formats.date_format(next_monthly_review(), "DATE_FORMAT")  # e.g. Dec. 1, 2026
    messages = [str(m) for m in response.context["messages"]]
    expected = f"Members are re-tiered at the next monthly review, on {review}."
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize(
    ("now", "review"),
    [
        (datetime(2026, 11, 30, 15, 59, tzinfo=UTC), date(2026, 12, 1)),  # 23:59 in Shanghai
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), date(2027, 1, 1)),  # already 1 December
        (datetime(2026, 12, 31, 12, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2027, 1, 31, 0, 0, tzinfo=UTC), date(2027, 2, 1)),
    ],
)
def test_the_next_review_is_the_first_of_next_month_in_the_shops_time_zone(now, review, settings):
    from membership.backoffice import next_monthly_review

    settings.TIME_ZONE = "Asia/Shanghai"
    assert next_monthly_review(now=now) == review
