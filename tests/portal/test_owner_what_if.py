"""The tier edit screen's what-if: the owner tries a threshold, sees the next review's outcome
(counts and a sample) without saving anything, and may save and re-tier members at once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import TierChange, TierReviewRun
from membership.models import Member, StaffAction, Tier
from tests.factories import MemberFactory, OrderFactory, TierFactory
from tests.portal.test_owner_admin import form_as_posted

pytestmark = pytest.mark.django_db
EDIT = "wagtailsnippets_membership_tier:edit"
D = Decimal


@pytest.fixture
def tiers():
    basic = TierFactory(code="basic", name_en="Basic", rank=1)
    core = TierFactory(code="core", name_en="Core", rank=2, min_spend=D("500"), window_months=3)
    return basic, core


def members_spending(tier, amount, count, prefix):
    long_ago = timezone.now() - timedelta(days=400)
    made = []
    for i in range(count):
        member = MemberFactory(name=f"{prefix}{i}", tier=tier, tier_since=long_ago)
        OrderFactory(
            member=member,
            total=D(amount),
            subtotal=D(amount),
            created_at=timezone.now() - timedelta(days=5),
        )
        made.append(member)
    return made


def edit_form(client, tier, **fields) -> dict:
    data = form_as_posted(client.get(reverse(EDIT, args=[tier.pk])).context["form"])
    return data | fields


def test_the_owner_sees_the_effect_of_a_lower_threshold_and_nothing_is_saved(
    client, owner_user, tiers, django_assert_max_num_queries
):
    basic, core = tiers
    risers = members_spending(basic, "450", 3, "riser")
    members_spending(basic, "100", 2, "stayer")
    faller = members_spending(core, "50", 1, "faller")[0]
    client.force_login(owner_user)
    data = edit_form(client, core, min_spend="400", **{"what-if": "1:1"})

    # A fixed budget: the form validates each of the tier's check constraints in the database
    # (one query each, in a savepoint); the members cost none (see the test that compares 3 and 43 members).
    with django_assert_max_num_queries(50):
        response = client.post(reverse(EDIT, args=[core.pk]), data)

    assert response.status_code == 200
    what_if = response.context["what_if"]
    assert {m.member_id for m in what_if.ups} == {m.pk for m in risers}
    assert [m.member_id for m in what_if.downs] == [faller.pk]
    shares = {share.tier.code: share for share in what_if.shares}
    assert (shares["core"].now, shares["core"].with_change) == (1, 3)
    assert (shares["basic"].now, shares["basic"].with_change) == (5, 3)
    assert shares["core"].tier.min_spend == D("400")  # the values tried
    page = response.content.decode()
    assert "riser0" in page and "faller0" in page
    core.refresh_from_db()
    assert core.min_spend == D("500")
    assert not TierReviewRun.objects.exists() and not TierChange.objects.exists()
    assert Member.objects.filter(tier=core).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_spend", "-5"), ("window_months", "0"), ("min_orders", "many"), ("rank", "")],
)
def test_bad_input_shows_the_errors_and_runs_nothing(client, owner_user, tiers, field, value):
    basic, core = tiers
    members_spending(basic, "450", 2, "riser")
    client.force_login(owner_user)
    before = list(Tier.objects.order_by("pk").values())

    response = client.post(
        reverse(EDIT, args=[core.pk]), edit_form(client, core, **{field: value, "what-if": "1:1"})
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context.get("what_if") is None
    assert list(Tier.objects.order_by("pk").values()) == before
    assert not TierReviewRun.objects.exists()


def test_hostile_page_numbers_fall_back_to_the_first_page(client, owner_user, tiers):
    basic, core = tiers
    members_spending(basic, "450", 2, "riser")
    client.force_login(owner_user)
    for pages in ["x", "99999:99999", "-1:0", "1:1:1", "\x00"]:
        data = edit_form(client, core, min_spend="400", **{"what-if": pages})
        response = client.post(reverse(EDIT, args=[core.pk]), data)
        assert response.status_code == 200
        assert len(response.context["up_rows"]) == 2


def test_the_sample_is_paginated_by_twenty(client, owner_user, tiers):
    basic, core = tiers
    risers = members_spending(basic, "450", 23, "riser")
    client.force_login(owner_user)
    url = reverse(EDIT, args=[core.pk])

    first = client.post(url, edit_form(client, core, min_spend="400", **{"what-if": "1:1"}))
    second = client.post(url, edit_form(client, core, min_spend="400", **{"what-if": "2:1"}))

    assert len(first.context["up_rows"]) == 20
    assert [row[0].pk for row in second.context["up_rows"]] == [m.pk for m in risers[20:]]
    assert len(first.context["what_if"].ups) == 23


def _queries_for_preview(client, core) -> int:
    data = edit_form(client, core, min_spend="400", **{"what-if": "1:1"})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse(EDIT, args=[core.pk]), data)
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_members(client, owner_user, tiers):
    basic, core = tiers
    client.force_login(owner_user)
    members_spending(basic, "450", 2, "few")
    members_spending(core, "50", 1, "fewer")
    few = _queries_for_preview(client, core)
    members_spending(basic, "450", 30, "many")
    members_spending(core, "50", 10, "more")
    assert _queries_for_preview(client, core) == few


def test_save_and_re_tier_now_applies_once_as_todays_review_by_the_owner(client, owner_user, tiers):
    basic, core = tiers
    risers = members_spending(basic, "450", 2, "riser")
    client.force_login(owner_user)
    url = reverse(EDIT, args=[core.pk])

    response = client.post(url, edit_form(client, core, min_spend="400", **{"apply-now": ""}))

    assert response.status_code == 302
    core.refresh_from_db()
    assert core.min_spend == D("400")
    run = TierReviewRun.objects.get()
    assert (run.period, run.acting_user) == (timezone.localdate(), owner_user)
    assert set(TierChange.objects.values_list("member_id", flat=True)) == {m.pk for m in risers}
    assert all(c.review == run for c in TierChange.objects.all())
    assert StaffAction.objects.filter(action="tier_review", actor=owner_user).count() == 1

    # A second click the same day re-tiers nobody and says when the change applies.
    again = client.post(
        url, edit_form(client, core, min_spend="100", **{"apply-now": ""}), follow=True
    )
    assert TierReviewRun.objects.count() == 1 and TierChange.objects.count() == 2
    assert "already reviewed today" in again.content.decode()
