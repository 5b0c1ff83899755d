"""Recomputing segments: every member at once (set-based, a fixed number of queries) and one
member after an order give the same rows; dynamic tags follow the members, static ones stay."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from crontask import scheduler
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.models import DynamicTagRule, MemberSegment, SegmentRun, SegmentSettings
from loyalty.services.segments import segments_recompute_all, segments_refresh_member
from loyalty.tasks import run_segments
from membership.models import MemberTag, Order, Tag
from tests.factories import MemberFactory, OrderFactory, StaffFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def order(member, *, days_ago: float, total: str = "100", **kw) -> Order:
    amount = Decimal(total)
    return OrderFactory(
        member=member,
        subtotal=amount,
        total=amount,
        created_at=NOW - timedelta(days=days_ago),
        **kw,
    )


def dynamic_tag(code: str) -> Tag:
    return Tag.objects.create(code=code, kind=Tag.Kind.DYNAMIC, name_zh=code, name_en=code)


def tags_of(member) -> set[str]:
    return set(MemberTag.objects.filter(member=member).values_list("tag__code", flat=True))


def segment_rows() -> dict:
    return {
        s.member_id: (
            s.lifecycle_stage,
            s.value_group,
            s.recency_score,
            s.frequency_score,
            s.monetary_score,
            s.last_order_at,
            s.orders_in_window,
            s.spend_in_window,
        )
        for s in MemberSegment.objects.all()
    }


def a_shop(size: int) -> list:
    """Members spread over every stage, with varied spend, frequency and pickups."""
    members = []
    for i in range(size):
        member = MemberFactory(joined_at=NOW - timedelta(days=400))
        for n in range(i % 7):
            order(
                member,
                days_ago=(i * 13 + n * 29) % 500,
                total=str(20 + (i * 37 + n * 11) % 300),
                needs_pickup_delivery=n % 2 == 0,
            )
        members.append(member)
    return members


def the_rules():
    big = dynamic_tag("big-spender")
    DynamicTagRule.objects.create(tag=big, kind="spent_this_month", amount=Decimal("150"))
    DynamicTagRule.objects.create(tag=dynamic_tag("win-back"), kind="no_visit", days=90)
    DynamicTagRule.objects.create(tag=dynamic_tag("pickup"), kind="pickup_times", count=2)
    DynamicTagRule.objects.create(
        tag=dynamic_tag("frequent"), kind="high_frequency", count=2, days=60
    )


def test_stages_scores_and_groups_of_a_small_shop():
    prospect = MemberFactory()
    newcomer, regular, sleeper, gone = (MemberFactory() for _ in range(4))
    order(newcomer, days_ago=3, total="300")
    for days in (200, 60, 30, 10, 5, 2):
        order(regular, days_ago=days, total="50")
    order(sleeper, days_ago=300, total="500")
    order(sleeper, days_ago=120, total="500")
    order(gone, days_ago=700, total="80")
    order(regular, days_ago=1, total="999", status=Order.Status.REFUNDED)  # does not count

    result = segments_recompute_all(now=NOW)

    assert result.members == 5
    segments = {s.member_id: s for s in MemberSegment.objects.all()}
    assert segments[prospect.pk].lifecycle_stage == "prospect"
    assert segments[prospect.pk].recency_score is None and segments[prospect.pk].value_group == ""
    assert segments[newcomer.pk].lifecycle_stage == "new"
    assert segments[regular.pk].lifecycle_stage == "active"
    assert segments[sleeper.pk].lifecycle_stage == "sleeping"
    assert segments[gone.pk].lifecycle_stage == "churned"
    regular_row = segments[regular.pk]
    assert (regular_row.orders_in_window, regular_row.spend_in_window) == (6, Decimal("300"))
    assert regular_row.last_order_at == NOW - timedelta(days=2)
    # average tickets 300, 50, 500 and 1, 6, 2 orders in the window: upper medians 300 and 2
    assert segments[newcomer.pk].value_group == "potential"
    assert segments[regular.pk].value_group == "loyal"
    assert segments[sleeper.pk].value_group == "big"
    assert segments[gone.pk].value_group == ""  # nothing in the window
    # frequencies 0, 1, 2, 6: cut-offs 0, 1, 2, 6 (the 80th percentile of four is the top)
    assert [segments[m.pk].frequency_score for m in (gone, newcomer, sleeper, regular)] == [
        1,
        2,
        3,
        4,
    ]
    # days since the last order 2, 3, 120, 700
    assert [segments[m.pk].recency_score for m in (regular, newcomer, sleeper, gone)] == [
        5,
        4,
        3,
        2,
    ]
    assert SegmentRun.objects.get().cutoffs["frequency_line"] == 2


def test_the_owners_own_matrix_lines():
    settings = SegmentSettings.load()
    settings.matrix_line = "fixed"
    settings.amount_line = Decimal("400")
    settings.frequency_line = 1
    settings.save()
    member = MemberFactory()
    order(member, days_ago=3, total="300")

    segments_recompute_all(now=NOW)

    assert MemberSegment.objects.get(member=member).value_group == "loyal"


def test_recompute_all_agrees_with_refreshing_each_member():
    members = a_shop(40)
    the_rules()
    segments_recompute_all(now=NOW)
    everyone = segment_rows()
    tags = set(MemberTag.objects.values_list("member_id", "tag_id"))
    assert len({row[0] for row in everyone.values()}) == 5  # every stage is there
    assert len({row[1] for row in everyone.values()}) == 5  # every group, and none
    assert len({tag for _m, tag in tags}) == 4

    MemberSegment.objects.all().delete()
    MemberTag.objects.all().delete()
    for member in members:
        segments_refresh_member(member_id=member.pk, now=NOW)

    assert segment_rows() == everyone
    assert set(MemberTag.objects.values_list("member_id", "tag_id")) == tags


def test_refresh_of_an_unknown_member_writes_nothing():
    assert segments_refresh_member(member_id=987654, now=NOW) is None
    assert not MemberSegment.objects.exists()


def test_refresh_before_any_run_sets_the_stage_but_no_scores():
    member = MemberFactory()
    order(member, days_ago=1)

    segment = segments_refresh_member(member_id=member.pk, now=NOW)

    stored = MemberSegment.objects.get(member=member)
    assert segment.lifecycle_stage == stored.lifecycle_stage == "new"
    assert stored.recency_score is None and stored.value_group == ""


def recompute_queries(size: int) -> int:
    a_shop(size)
    order(MemberFactory(), days_ago=0, total="200")  # a big spender today, lapsed in 91 days
    the_rules()
    segments_recompute_all(now=NOW)  # the settings row, tags in place
    with CaptureQueriesContext(connection) as queries:
        result = segments_recompute_all(now=NOW + timedelta(days=91))
    assert result.tags_added and result.tags_removed  # each write is in the count
    return len(queries)


def test_recompute_all_costs_the_same_queries_for_10_and_200_members():
    small = recompute_queries(10)
    Order.objects.all().delete()
    MemberTag.objects.all().delete()
    MemberSegment.objects.all().delete()
    Tag.objects.all().delete()
    large = recompute_queries(200)

    assert small == large <= 15, (small, large)


def test_dynamic_tags_follow_the_members_and_static_tags_stay():
    the_rules()
    staff = StaffFactory()
    business = Tag.objects.create(code="business", name_zh="商务", name_en="Business")
    member = MemberFactory()
    MemberTag.objects.create(member=member, tag=business, added_by=staff)
    first = order(member, days_ago=0, total="100")

    segments_recompute_all(now=NOW)
    assert tags_of(member) == {"business"}  # 100 is not more than 150

    order(member, days_ago=0, total="50.01", needs_pickup_delivery=True)
    segments_refresh_member(member_id=member.pk, now=NOW)
    assert tags_of(member) == {"business", "big-spender", "frequent"}

    order(member, days_ago=0, total="1", needs_pickup_delivery=True)
    segments_recompute_all(now=NOW)
    assert tags_of(member) == {"business", "big-spender", "frequent", "pickup"}

    # 91 days on: no visit for 90 days, nothing this month, not frequent any more
    later = NOW + timedelta(days=91)
    result = segments_recompute_all(now=later)
    assert tags_of(member) == {"business", "pickup", "win-back"}
    assert (result.tags_added, result.tags_removed) == (1, 2)
    static = MemberTag.objects.get(member=member, tag=business)
    assert static.added_by == staff

    first.status = Order.Status.REFUNDED
    first.save()
    DynamicTagRule.objects.filter(tag__code="pickup").update(is_active=False)
    segments_refresh_member(member_id=member.pk, now=later)
    assert tags_of(member) == {"business", "win-back"}


def test_dynamic_tags_carry_no_staff_member():
    the_rules()
    member = MemberFactory()
    order(member, days_ago=0, total="200")

    segments_recompute_all(now=NOW)

    row = MemberTag.objects.get(member=member, tag__code="big-spender")
    assert row.added_by is None and row.added_at == NOW


# --- the owner's configuration -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "missing"),
    [
        ("spent_this_month", {}, "amount"),
        ("no_visit", {}, "days"),
        ("pickup_times", {}, "count"),
        ("high_frequency", {"count": 3}, "days"),
        ("high_frequency", {"days": 30}, "count"),
    ],
)
def test_a_rule_names_what_it_misses(kind, fields, missing):
    rule = DynamicTagRule(tag=dynamic_tag("t"), kind=kind, **fields)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert list(error.value.message_dict) == [missing]


def test_a_rule_refuses_a_static_tag():
    static = Tag.objects.create(code="business", name_zh="商务", name_en="Business")
    rule = DynamicTagRule(tag=static, kind="no_visit", days=30)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "tag" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        rule.clean()  # a rule whose tag was made static since
    assert "dynamic tag" in error.value.message_dict["tag"][0]


def test_settings_refuse_sleeping_before_active_and_fixed_lines_without_numbers():
    settings = SegmentSettings(active_days=90, sleeping_days=90, matrix_line="fixed")
    with pytest.raises(ValidationError) as error:
        settings.full_clean()
    assert set(error.value.message_dict) == {"sleeping_days", "amount_line", "frequency_line"}
    SegmentSettings(active_days=90, sleeping_days=91).full_clean()


def test_segments_are_recomputed_every_night():
    shop = ZoneInfo(django_settings.TIME_ZONE)
    job = next(job for job in scheduler.get_jobs() if job.name == "run_segments")

    after = datetime(2026, 11, 23, 9, 0, tzinfo=shop)
    assert job.trigger.get_next_fire_time(None, after) == datetime(2026, 11, 24, 2, 30, tzinfo=shop)


def test_the_nightly_task_runs_the_recompute():
    MemberFactory()

    result = run_segments.call()

    assert result["members"] == 1 and MemberSegment.objects.count() == 1
