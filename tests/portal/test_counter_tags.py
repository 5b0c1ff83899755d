"""The counter's tag page: staff toggle static tags on a member; dynamic tags are read-only."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from membership.models import MemberTag, StaffAction, Tag
from tests.factories import MemberFactory
from tests.portal.test_counter_panel import ensure_default_site

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def tags(db):
    return {
        code: Tag.objects.create(code=code, name_zh=zh, name_en=en, colour=colour, kind=kind)
        for code, zh, en, colour, kind in [
            ("business", "商务", "Business", "#1f3a5f", Tag.Kind.STATIC),
            ("parent", "宝妈宝爸/家长", "Parent", "#9a3412", Tag.Kind.STATIC),
            ("premium", "高端", "Premium", "#6b4c00", Tag.Kind.STATIC),
            ("high-frequency", "高频", "High frequency", "#0f5c4d", Tag.Kind.DYNAMIC),
        ]
    }


def tags_url(member):
    return reverse("counter:member_tags", kwargs={"number": member.number})


def test_page_lists_static_tags_as_toggles_and_the_members_dynamic_tags(staff_client, member, tags):
    MemberTag.objects.create(member=member, tag=tags["premium"])
    MemberTag.objects.create(member=member, tag=tags["high-frequency"])
    Tag.objects.create(code="retired", name_zh="旧", name_en="Retired", is_active=False)

    response = staff_client.get(tags_url(member), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="tag-toggle"') == 3  # static and active only
    assert 'data-tag="premium">' in html and 'aria-pressed="true"' in html
    assert html.count('aria-pressed="true"') == 1
    assert html.count('data-testid="dynamic-tag"') == 1 and "High frequency" in html
    assert "Retired" not in html


def test_tapping_a_tag_adds_it_then_tapping_again_removes_it(
    staff_client, staff_user, member, tags
):
    url = tags_url(member)

    added = staff_client.post(url, {"tag": "business", "action": "add"})

    assert added.status_code == 302 and added["Location"] == url
    assert MemberTag.objects.get(member=member).tag == tags["business"]
    assert MemberTag.objects.get(member=member).added_by == staff_user
    page = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tag “Business” added." in page
    assert page.count('aria-pressed="true"') == 1

    removed = staff_client.post(url, {"tag": "business", "action": "remove"})

    assert removed.status_code == 302 and removed["Location"] == url
    assert not MemberTag.objects.exists()
    assert list(StaffAction.objects.order_by("id").values_list("action", flat=True)) == [
        "member_tag_add",
        "member_tag_remove",
    ]


def test_a_double_tap_adds_once(staff_client, member, tags):
    for _ in range(2):
        staff_client.post(tags_url(member), {"tag": "parent", "action": "add"})
    assert MemberTag.objects.filter(member=member).count() == 1
    assert StaffAction.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"tag": "high-frequency", "action": "add"},  # dynamic
        {"tag": "high-frequency", "action": "remove"},
        {"tag": "nope", "action": "add"},
        {"tag": "business", "action": "delete-everything"},
        {},
    ],
)
def test_refused_changes_show_an_error_and_write_nothing(staff_client, member, tags, data):
    MemberTag.objects.create(member=member, tag=tags["high-frequency"])

    response = staff_client.post(tags_url(member), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert 'data-testid="tag-error"' in response.content.decode()
    assert list(MemberTag.objects.values_list("tag__code", flat=True)) == ["high-frequency"]
    assert not StaffAction.objects.exists()


def test_unknown_member_is_404(staff_client):
    url = reverse("counter:member_tags", kwargs={"number": "M404"})
    assert staff_client.get(url).status_code == 404


def test_members_get_403_and_anonymous_visitors_log_in(client, member, tags):
    other = MemberFactory()
    url = tags_url(other)

    anonymous = client.post(url, {"tag": "business", "action": "add"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))

    client.force_login(member.user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"tag": "business", "action": "add"}).status_code == 403
    assert not MemberTag.objects.exists()


def test_tags_page_costs_a_fixed_number_of_queries(
    staff_client, member, django_assert_max_num_queries
):
    for n in range(30):
        tag = Tag.objects.create(
            code=f"tag-{n}",
            name_zh=f"标签{n}",
            kind=Tag.Kind.STATIC if n % 3 else Tag.Kind.DYNAMIC,
        )
        if n % 2:
            MemberTag.objects.create(member=member, tag=tag)
    for _ in range(20):  # other members' tags do not count
        MemberTag.objects.create(member=MemberFactory(), tag=tag)
    ensure_default_site()
    staff_client.get(tags_url(member))

    with django_assert_max_num_queries(5):
        response = staff_client.get(tags_url(member))

    html = response.content.decode()
    assert html.count('data-testid="tag-toggle"') == 20
    assert html.count('data-testid="dynamic-tag"') == 5  # n = 3, 9, 15, 21, 27


def test_panel_links_to_the_tag_page_and_shows_the_members_tags(staff_client, member, tags):
    MemberTag.objects.create(member=member, tag=tags["premium"])
    MemberTag.objects.create(member=member, tag=tags["business"])

    html = staff_client.get(
        reverse("counter:member", kwargs={"number": member.number}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert f'href="{tags_url(member)}"' in html
    assert html.count('data-testid="panel-tag"') == 2
    assert html.index('data-tag="business"') < html.index('data-tag="premium"')
    assert "--tag-colour: #6b4c00" in html
    assert "No tags yet." not in html


def test_owner_manages_tags_in_the_back_office(client, owner_user):
    client.force_login(owner_user)

    response = client.post(
        reverse("wagtailsnippets_membership_tag:add"),
        {
            "name_zh": "高端",
            "name_en": "Premium",
            "code": "premium",
            "kind": "static",
            "colour": "#6b4c00",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    tag = Tag.objects.get(code="premium")
    assert (tag.name_en, tag.kind, tag.is_active) == ("Premium", Tag.Kind.STATIC, True)
    listing = client.get(reverse("wagtailsnippets_membership_tag:list"))
    assert listing.status_code == 200 and "premium" in listing.content.decode()
    bad = client.post(
        reverse("wagtailsnippets_membership_tag:add"),
        {"name_zh": "坏", "code": "bad", "kind": "static", "colour": "red"},
    )
    assert bad.status_code == 200 and not Tag.objects.filter(code="bad").exists()
