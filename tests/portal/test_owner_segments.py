"""The owner lists and exports the members of any segment in /cms/; staff and members do not
get in. The owner configures the segment lines and dynamic tag rules there too."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import DynamicTagRule, MemberSegment, SegmentSettings
from loyalty.services.segments import segments_recompute_all
from membership.models import MemberTag, Tag
from tests.factories import MemberFactory, OrderFactory

pytestmark = pytest.mark.django_db

URL = "owner_segments"
NOW = timezone.now()


def refused(response) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "login" in response["Location"]


def order(member, days_ago: int, total: str = "100"):
    amount = Decimal(total)
    OrderFactory(
        member=member,
        subtotal=amount,
        total=amount,
        created_at=NOW - timedelta(days=days_ago),
    )


@pytest.fixture
def shop():
    vip = Tag.objects.create(code="vip", kind=Tag.Kind.DYNAMIC, name_zh="大单", name_en="VIP")
    DynamicTagRule.objects.create(tag=vip, kind="spent_this_month", amount=Decimal("150"))
    members = {
        "prospect": MemberFactory(name="Pat Prospect", number="M100"),
        "new": MemberFactory(name="Nina New", number="M101"),
        "sleeping": MemberFactory(name="Sam Sleeping", number="M102"),
        "churned": MemberFactory(name="Carl Churned", number="M103"),
    }
    order(members["new"], 0, "300")
    order(members["sleeping"], 120)
    order(members["churned"], 900)
    segments_recompute_all(now=NOW)
    return members


def export(client, **params) -> list[list[str]]:
    response = client.get(reverse(URL), {**params, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="segments.csv"'
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_the_owner_lists_members_by_stage_group_score_and_tag(client, owner_user, shop):
    client.force_login(owner_user)

    response = client.get(reverse(URL), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert all(m.number in html for m in shop.values())

    def listed(**params) -> set[str]:
        html = client.get(reverse(URL), params).content.decode()
        return {number for number in ("M100", "M101", "M102", "M103") if number in html}

    assert listed(lifecycle_stage="sleeping") == {"M102"}
    assert listed(lifecycle_stage="prospect") == {"M100"}
    assert listed(value_group="none") == {"M100", "M103"}
    # average tickets 300 and 100, one order each in the window: upper medians 300 and 1
    assert listed(value_group="big") == {"M101"}
    assert listed(value_group="loyal") == {"M102"}
    assert listed(recency_score="5") == {"M101"}
    assert listed(tag=Tag.objects.get(code="vip").pk) == {"M101"}
    assert listed(lifecycle_stage="churned", value_group="big") == set()


def test_a_wrong_filter_is_a_message_not_an_error(client, owner_user, shop):
    client.force_login(owner_user)
    for params in ({"recency_score": "9"}, {"tag": "x\x00"}, {"lifecycle_stage": "asleep"}):
        response = client.get(reverse(URL), params)
        assert response.status_code == 200, params


def test_the_owner_exports_a_segment(client, owner_user, shop):
    client.force_login(owner_user)

    rows = export(client, lifecycle_stage="new")

    header, *members = rows
    assert header[:3] == ["Member number", "Name", "Phone"]
    assert len(members) == 1
    row = dict(zip(header, members[0], strict=True))
    assert row["Member number"] == "M101" and row["Lifecycle stage"] == "New"
    assert row["Value group"] == "Big customer (frequent, high amount)"
    assert row["Tags"] == "VIP" and row["Spend in the window"] == "300.00"
    assert row["Offers by SMS"] == "No"
    assert len(export(client)) == 1 + MemberSegment.objects.count()


def test_the_export_covers_the_whole_filtered_list_not_a_page(client, owner_user):
    for i in range(60):
        MemberFactory(number=f"M2{i:03d}")
    segments_recompute_all(now=NOW)
    client.force_login(owner_user)

    page = client.get(reverse(URL)).content.decode()
    assert page.count("M2") < 60 and "p=2" in page
    assert len(export(client, lifecycle_stage="prospect")) == 61
    xlsx = client.get(reverse(URL), {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].endswith("spreadsheetml.sheet")


def test_the_list_costs_the_same_queries_with_many_members(
    client, owner_user, shop, django_assert_max_num_queries
):
    for _ in range(30):
        member = MemberFactory()
        order(member, 5, "200")
        MemberTag.objects.create(member=member, tag=Tag.objects.get(code="vip"))
    segments_recompute_all(now=NOW)
    client.force_login(owner_user)
    client.get(reverse(URL))

    with django_assert_max_num_queries(20):
        response = client.get(reverse(URL), {"tag": Tag.objects.get(code="vip").pk})
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["staff", "member"])
def test_staff_and_members_cannot_open_or_export_it(client, who, staff_user, member, shop):
    client.force_login(staff_user if who == "staff" else member.user)
    assert refused(client.get(reverse(URL)))
    assert refused(client.get(reverse(URL), {"export": "csv"}))


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert refused(client.get(reverse(URL), {"export": "csv"}))


def test_the_owner_finds_it_in_the_reports_menu(client, owner_user):
    client.force_login(owner_user)
    html = client.get("/cms/").content.decode()
    assert reverse(URL) in html


# --- configuration in /cms/ ------------------------------------------------------------------


def test_the_owner_adds_a_dynamic_tag_rule_and_sees_what_is_missing(client, owner_user):
    tag = Tag.objects.create(code="frequent", kind=Tag.Kind.DYNAMIC, name_zh="高频", name_en="F")
    client.force_login(owner_user)
    add = reverse("dynamic_tag_rules:add")
    assert client.get(reverse("dynamic_tag_rules:index")).status_code == 200

    response = client.post(
        add, {"tag": tag.pk, "kind": "high_frequency", "count": "4", "days": "", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "Set the number of days for this rule." in response.content.decode()
    assert not DynamicTagRule.objects.exists()

    response = client.post(
        add,
        {"tag": tag.pk, "kind": "high_frequency", "count": "4", "days": "30", "is_active": "on"},
    )
    assert response.status_code == 302
    assert DynamicTagRule.objects.get().days == 30


def test_the_segment_settings_page_refuses_sleeping_before_active(client, owner_user):
    client.force_login(owner_user)
    response = client.get(reverse("wagtailsettings:edit", args=["loyalty", "segmentsettings"]))
    url = response["Location"]  # the settings row's own page
    assert client.get(url).status_code == 200

    data = {
        "new_days": "30",
        "active_days": "90",
        "sleeping_days": "60",
        "window_months": "12",
        "matrix_line": "median",
        "amount_line": "",
        "frequency_line": "",
    }
    response = client.post(url, data)
    assert "Must be more than the active days." in response.content.decode()
    assert SegmentSettings.load().sleeping_days == 180

    response = client.post(url, data | {"sleeping_days": "200"})
    assert response.status_code == 302
    assert SegmentSettings.load().sleeping_days == 200


def test_staff_cannot_edit_the_rules(client, staff_user):
    client.force_login(staff_user)
    assert refused(client.get(reverse("dynamic_tag_rules:index")))
