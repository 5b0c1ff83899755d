"""The counter's tier floor page: staff see the member's tier and floor, set, replace and
remove a floor; every wrong input is answered with a message and writes nothing."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from loyalty.engine.tier_review import Rule, shift_forward
from loyalty.models import MemberTierState, TierChange
from loyalty.services.tier_floor import tier_floor_set
from membership.models import MemberEvent, StaffAction
from tests.factories import MemberFactory, TierFactory
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
def tiers(db):
    return (
        TierFactory(code="basic", rank=1, name_en="Basic", name_zh="基础"),
        TierFactory(code="core", rank=2, name_en="Core", name_zh="核心"),
        TierFactory(code="seed", rank=3, name_en="Seed", name_zh="种子"),
    )


@pytest.fixture
def basic_member(tiers):
    return MemberFactory(name="Chen Jing", tier=tiers[0])


def floor_url(member) -> str:
    return reverse("counter:member-tier-floor", kwargs={"number": member.number})


def remove_url(member) -> str:
    return reverse("counter:member-tier-floor-remove", kwargs={"number": member.number})


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def page(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def nothing_written(member, tier):
    member.refresh_from_db()
    assert member.tier == tier
    assert not MemberTierState.objects.filter(floor_tier__isnull=False).exists()
    assert not TierChange.objects.exists()
    assert not MemberEvent.objects.exists()
    assert not StaffAction.objects.filter(action__startswith="tier_floor").exists()


def test_the_page_shows_the_tier_no_floor_and_the_form(staff_client, basic_member):
    html = page(staff_client, floor_url(basic_member))

    assert 'data-testid="floor-current-tier">Basic<' in html
    assert 'data-testid="no-floor"' in html
    assert html.count("<option") == 3
    assert '<option value="basic" selected>Basic</option>' in html
    assert 'type="date"' in html and f'min="{in_days(0)}"' in html
    assert 'data-testid="floor-remove"' not in html  # nothing to remove
    assert "csrfmiddlewaretoken" in html


def test_setting_a_floor_lifts_the_member_and_shows_it(staff_client, staff_user, basic_member):
    url = floor_url(basic_member)

    response = staff_client.post(
        url, {"tier": "core", "until": in_days(30), "reason": "Wedding season VIP"}
    )

    assert response.status_code == 302 and response["Location"] == url
    basic_member.refresh_from_db()
    assert basic_member.tier.code == "core"
    state = MemberTierState.objects.get(member=basic_member)
    assert (state.floor_tier.code, state.floor_set_by) == ("core", staff_user)
    change = TierChange.objects.get(member=basic_member)
    assert (change.reason, change.acting_user) == (Rule.FLOOR, staff_user)
    assert StaffAction.objects.get(action="tier_floor_set").actor == staff_user

    html = page(staff_client, url)
    last_day = date_format(timezone.localdate() + timedelta(days=30), "SHORT_DATE_FORMAT")
    assert f"Floor set: Core at least, through {last_day}." in html
    assert "The member moved up to Core now." in html
    assert 'data-testid="floor-tier">Core<' in html
    assert f"at least, through {last_day}" in html
    assert "Wedding season VIP" in html
    assert staff_user.username in html
    assert 'data-testid="floor-remove"' in html


def test_removing_the_floor_keeps_the_tier_until_the_review(staff_client, staff_user, tiers):
    _basic, core, _seed = tiers
    member = MemberFactory(tier=core)
    tier_floor_set(
        member=member, tier=core, until=timezone.localdate(), reason="VIP", acting_user=staff_user
    )

    response = staff_client.post(remove_url(member), {"clear-reason": "Agreement ended"})

    assert response.status_code == 302 and response["Location"] == floor_url(member)
    assert MemberTierState.objects.get(member=member).floor_tier is None
    member.refresh_from_db()
    assert member.tier == core
    html = page(staff_client, floor_url(member))
    assert "Floor removed. The next monthly review decides the member&#x27;s tier." in html
    assert 'data-testid="no-floor"' in html
    cleared = StaffAction.objects.get(action="tier_floor_clear")
    assert cleared.details["reason"] == "Agreement ended"


too_far = shift_forward(timezone.localdate(), 24) + timedelta(days=1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tier": ""}, "Choose the tier to keep the member at."),
        ({"tier": "nope"}, "Choose one of the tiers in the list."),
        ({"tier": "core\x00"}, "Choose one of the tiers in the list."),
        ({"until": ""}, "Enter the floor&#x27;s last day."),
        ({"until": "2026-13-40"}, "Enter the last day as a date, e.g. 2026-06-30."),
        ({"until": "99999-01-01"}, "Enter the last day as a date, e.g. 2026-06-30."),
        ({"until": "1e5"}, "Enter the last day as a date, e.g. 2026-06-30."),
        ({"until": in_days(-1)}, "The floor&#x27;s last day cannot be in the past."),
        ({"until": too_far.isoformat()}, "A floor can last at most 24 months"),
        ({"reason": ""}, "Give a reason, e.g. what was agreed with the member."),
        ({"reason": "   "}, "Give a reason, e.g. what was agreed with the member."),
        ({"reason": "x" * 256}, "Keep the reason to 255 characters or fewer."),
        ({"reason": "VIP\x00"}, "Null characters are not allowed."),
        ({"reason": "VIP\x07"}, "The reason cannot contain control characters."),
    ],
)
def test_wrong_input_shows_a_message_and_writes_nothing(staff_client, basic_member, data, message):
    post = {"tier": "core", "until": in_days(30), "reason": "VIP"} | data

    response = staff_client.post(floor_url(basic_member), post, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="errorlist' in html
    nothing_written(basic_member, basic_member.tier)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give a reason, e.g. what was agreed with the member."),
        ({"clear-reason": "  "}, "Give a reason, e.g. what was agreed with the member."),
        ({"clear-reason": "x\x00"}, "Null characters are not allowed."),
        ({"clear-reason": "x" * 256}, "Keep the reason to 255 characters or fewer."),
    ],
)
def test_removing_needs_a_reason(staff_client, staff_user, basic_member, tiers, data, message):
    tier_floor_set(
        member=basic_member,
        tier=tiers[0],
        until=timezone.localdate(),
        reason="VIP",
        acting_user=staff_user,
    )

    response = staff_client.post(remove_url(basic_member), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'data-testid="floor-remove-form"' in html
    assert MemberTierState.objects.get(member=basic_member).floor_tier == tiers[0]
    assert not StaffAction.objects.filter(action="tier_floor_clear").exists()


def test_removing_when_there_is_no_floor_says_so(staff_client, basic_member):
    response = staff_client.post(
        remove_url(basic_member), {"clear-reason": "tidy up"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="floor-remove-errors"' in html
    assert "This member has no tier floor to remove." in html
    nothing_written(basic_member, basic_member.tier)


def test_changes_are_post_only_with_csrf(basic_member, staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)

    assert client.get(remove_url(basic_member)).status_code == 405
    refused = client.post(
        floor_url(basic_member), {"tier": "core", "until": in_days(3), "reason": "VIP"}
    )
    assert refused.status_code == 403
    nothing_written(basic_member, basic_member.tier)


def test_unknown_member_is_404(staff_client, tiers):
    url = reverse("counter:member-tier-floor", kwargs={"number": "M404"})
    assert staff_client.get(url).status_code == 404
    assert staff_client.post(url, {"tier": "core"}).status_code == 404


def test_members_get_403_and_anonymous_visitors_log_in(client, basic_member):
    other = MemberFactory()
    post = {"tier": "seed", "until": in_days(3), "reason": "me"}

    anonymous = client.get(floor_url(basic_member))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client.post(floor_url(basic_member), post).status_code == 302

    client.force_login(other.user)
    assert client.get(floor_url(basic_member)).status_code == 403
    assert client.post(floor_url(basic_member), post).status_code == 403
    assert client.post(floor_url(other), post).status_code == 403  # not even their own
    assert client.post(remove_url(basic_member), {"clear-reason": "x"}).status_code == 403
    nothing_written(basic_member, basic_member.tier)


def test_the_member_panel_links_to_the_floor_page(staff_client, basic_member):
    html = page(staff_client, reverse("counter:member", kwargs={"number": basic_member.number}))

    assert 'data-testid="panel-tier-floor"' in html
    assert f'href="{floor_url(basic_member)}"' in html


def test_the_page_costs_a_fixed_number_of_queries(
    staff_client, staff_user, tiers, django_assert_max_num_queries
):
    basic, core, seed = tiers
    for n in range(12):
        TierFactory(code=f"extra-{n}", rank=10 + n)
    member = MemberFactory(tier=basic)
    for _ in range(30):  # a long tier history, and other members' floors
        TierChange.objects.create(member=member, from_tier=basic, to_tier=core, reason="manual")
        other = MemberFactory(tier=core)
        MemberTierState.objects.create(member=other, floor_tier=seed, floor_set_by=staff_user)
    tier_floor_set(
        member=member, tier=seed, until=in_days_date(90), reason="VIP", acting_user=staff_user
    )
    ensure_default_site()
    staff_client.get(floor_url(member))  # the first opening is logged; later ones are not

    with django_assert_max_num_queries(5):
        response = staff_client.get(floor_url(member), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert html.count("<option") == 15
    assert 'data-testid="floor-tier">Seed<' in html


def in_days_date(days: int):
    return timezone.localdate() + timedelta(days=days)
