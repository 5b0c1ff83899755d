from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from membership.models import FollowUpTask, StaffAction
from membership.selectors.followups import followups_for_member, followups_open
from membership.services.followups import followup_complete, followup_create
from tests.factories import MemberFactory, OrderFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_staff_opens_a_manual_follow_up_and_it_is_audited():
    member, staff = MemberFactory(), StaffFactory()
    due = timezone.now() + timedelta(days=2)

    task = followup_create(
        member=member,
        reason="Call back about the curtains",
        source=FollowUpTask.Source.MANUAL,
        due_at=due,
        acting_user=staff,
    )

    assert task.created_by == staff and task.due_at == due and task.done_at is None
    action = StaffAction.objects.get(action="followup.create")
    assert action.actor == staff and action.member == member
    assert action.object_id == str(task.pk) and action.store_id == staff.store_id
    assert list(followups_open()) == [task]
    assert list(followups_for_member(member=member)) == [task]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "  "}, "Say what needs doing"),
        ({"reason": "x" * 256}, "under 255"),
        ({"source": "nonsense"}, "Unknown follow-up source"),
        ({"acting_user": None}, "staff member must open"),
        ({"due_at": "past"}, "in the past"),
    ],
)
def test_bad_follow_ups_are_refused_and_nothing_is_written(kwargs, message):
    member, staff = MemberFactory(), StaffFactory()
    args = {
        "member": member,
        "reason": "Call back",
        "source": FollowUpTask.Source.MANUAL,
        "due_at": timezone.now() + timedelta(days=1),
        "acting_user": staff,
    } | kwargs
    if args["due_at"] == "past":
        args["due_at"] = timezone.now() - timedelta(days=3)
    with pytest.raises(ValidationError, match=message):
        followup_create(**args)
    assert FollowUpTask.objects.count() == 0 and StaffAction.objects.count() == 0


def test_a_follow_up_cannot_point_at_another_members_order():
    member, staff = MemberFactory(), StaffFactory()
    with pytest.raises(ValidationError, match="another member"):
        followup_create(
            member=member,
            reason="Call",
            source=FollowUpTask.Source.MANUAL,
            order=OrderFactory(),
            acting_user=staff,
        )
    assert FollowUpTask.objects.count() == 0


def test_rule_tasks_need_no_staff_and_default_to_due_in_a_day():
    task = followup_create(
        member=MemberFactory(), reason="Win-back call", source=FollowUpTask.Source.RULE
    )
    assert task.created_by is None
    assert timedelta(hours=23) < task.due_at - timezone.now() <= timedelta(hours=24)
    assert StaffAction.objects.count() == 0


def test_complete_records_who_and_refuses_twice():
    staff = StaffFactory()
    task = followup_create(member=MemberFactory(), reason="Call", source=FollowUpTask.Source.RULE)

    done = followup_complete(task=task, acting_user=staff, note="Spoke to her, happy now")

    assert done.done_by == staff and done.done_at is not None
    assert done.done_note == "Spoke to her, happy now"
    assert StaffAction.objects.filter(action="followup.done", actor=staff).count() == 1
    with pytest.raises(ValidationError, match="already done"):
        followup_complete(task=task, acting_user=StaffFactory())
    task.refresh_from_db()
    assert task.done_by == staff
    assert list(followups_open()) == []


def test_open_list_is_ordered_most_overdue_first():
    member = MemberFactory()
    now = timezone.now()
    later = followup_create(
        member=member, reason="b", source="rule", due_at=now + timedelta(days=3)
    )
    sooner = followup_create(
        member=member, reason="a", source="rule", due_at=now - timedelta(hours=5)
    )
    assert list(followups_open()) == [sooner, later]
