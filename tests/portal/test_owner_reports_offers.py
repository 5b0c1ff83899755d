"""The offer report on the owner reports' base: the months chosen count first views and uses
in them (the shop's month, a view at 00:30 on 1 February is February's), a chart of the page's
offers and the one-line explanation, CSV export, and its old addresses."""

import pytest
from django.urls import reverse
from wagtail.users.models import UserProfile

from portal.content.services import offer_use_record, offer_views_record
from tests.factories import MemberFactory, OwnerFactory
from tests.loyalty.report_history import local
from tests.portal.test_offer_targeting import home, offer  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

URL = reverse("content_offer_report")


def test_the_months_chosen_count_views_and_uses_in_them(client, home):  # noqa: F811
    coats = offer(home, slug="coats")
    early, late, both = MemberFactory(), MemberFactory(), MemberFactory()
    offer_views_record(member=early, offer_ids=[coats.pk], now=local(1, 31, 23, 30))
    offer_use_record(member=early, offer=coats, now=local(2, 1, 0, 30))
    offer_views_record(member=late, offer_ids=[coats.pk], now=local(2, 1, 0, 30))
    offer_views_record(member=both, offer_ids=[coats.pk], now=local(2, 20))
    offer_use_record(member=both, offer=coats, now=local(3, 2))
    owner = OwnerFactory()
    profile = UserProfile.get_for_user(owner)  # the admin in English, for the words below
    profile.preferred_language = "en"
    profile.save()
    client.force_login(owner)

    def exported(first, last):
        response = client.get(URL, {"from_month": first, "to_month": last, "export": "csv"})
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return [line.split(",")[2:] for line in text.strip().splitlines()[1:]]

    # seen by, used by, conversion
    assert exported("2026-01", "2026-01") == [["1", "0", "0.0%"]]
    assert exported("2026-02", "2026-02") == [["2", "1", "50.0%"]]
    assert exported("2026-01", "2026-03") == [["3", "2", "66.7%"]]
    page = client.get(URL, {"from_month": "2026-01", "to_month": "2026-03"}).content.decode()
    assert 'data-owner-chart="owner-report-chart-data"' in page
    assert "store filter does not apply" in page
    assert reverse("content_offer_report_results").startswith(URL)
