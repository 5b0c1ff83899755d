"""The dashboard reads the shop's offers from the cache: whatever the owner publishes,
unpublishes, retargets, moves or deletes shows at the next dashboard, and whether an offer
is in its dates is decided at each visit, not when the offers were read."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone, translation

from membership.models import Tag
from portal.content.models import OfferPage
from portal.content.selectors import offers_for_member
from tests.factories import MemberFactory, TierFactory
from tests.portal.test_offer_pages import home, offer  # noqa: F401 -- the fixture

pytestmark = pytest.mark.django_db


def shown(member, language="zh-hans") -> list[str]:
    with translation.override(language):
        return [page.slug for page in offers_for_member(member=member, limit=10)]


def test_published_unpublished_and_deleted_offers_show_at_the_next_dashboard(home):  # noqa: F811
    member = MemberFactory()
    first = offer(home, slug="first")
    assert shown(member) == ["first"]

    offer(home, slug="second")
    assert sorted(shown(member)) == ["first", "second"]

    first.unpublish()
    assert shown(member) == ["second"]

    OfferPage.objects.get(slug="second", locale__language_code="zh-hans").delete()
    assert shown(member) == []


def test_a_new_revision_retargets_the_offer_at_the_next_dashboard(home):  # noqa: F811
    core, seed = TierFactory(code="core"), TierFactory(code="seed")
    member = MemberFactory(tier=seed)
    page = offer(home, slug="core-only", tiers=[core])
    assert shown(member) == []

    page.tiers.set([seed])
    page.save_revision().publish()

    assert shown(member) == ["core-only"]


def test_a_deleted_tier_or_tag_is_forgotten_with_its_targeting(home):  # noqa: F811
    """An offer whose only tier (or tag) is deleted targets no tier (or tag) any more: it
    is for everyone, as the query without the cache said."""
    member = MemberFactory(tier=None)
    gone_tier, gone_tag = TierFactory(code="gone"), Tag.objects.create(code="gone", name_zh="gone")
    offer(home, slug="tiered", tiers=[gone_tier])
    offer(home, slug="tagged", tags=[gone_tag])
    assert shown(member) == []

    gone_tier.delete()
    assert shown(member) == ["tiered"]
    gone_tag.delete()
    assert sorted(shown(member)) == ["tagged", "tiered"]


def test_dates_are_decided_at_each_visit(home):  # noqa: F811
    member = MemberFactory()
    now = timezone.now()
    offer(home, slug="later", valid_from=now + timedelta(hours=1))
    offer(home, slug="ending", valid_until=now + timedelta(hours=1))
    assert shown(member) == ["ending"]  # both read into the cache now

    with mock.patch("portal.content.selectors.timezone.now", return_value=now + timedelta(hours=2)):
        assert shown(member) == ["later"]


def test_offer_addresses_follow_a_new_slug(home):  # noqa: F811
    member = MemberFactory()
    page = offer(home, slug="coats")
    with translation.override("zh-hans"):
        assert offers_for_member(member=member)[0].url.endswith("/coats/")

    page.slug = "winter-coats"
    page.save_revision().publish()

    with translation.override("zh-hans"):
        assert offers_for_member(member=member)[0].url.endswith("/winter-coats/")
