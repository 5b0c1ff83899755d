"""Static member tags: staff add and remove them (idempotent, audited); dynamic or switched-off
tags are refused and nothing is written."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from membership.models import MemberTag, StaffAction, Tag
from membership.selectors.tags import (
    member_tag_choices,
    member_tags,
    tag_by_code,
    tags_static_active,
)
from membership.services.tags import member_tag_add, member_tag_remove
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def make_tag(code="business", **fields) -> Tag:
    defaults = {"name_zh": "商务", "name_en": "Business", "colour": "#1f3a5f"}
    return Tag.objects.create(code=code, **{**defaults, **fields})


def test_add_puts_the_tag_on_the_member_with_who_and_an_audit_row(member, staff_user):
    tag = make_tag()

    member_tag = member_tag_add(member=member, tag=tag, acting_user=staff_user)

    assert member_tag.member == member and member_tag.tag == tag
    assert member_tag.added_by == staff_user and member_tag.added_at is not None
    action = StaffAction.objects.get()
    assert (action.action, action.actor, action.member) == ("member_tag_add", staff_user, member)
    assert (action.object_type, action.object_id) == ("tag", str(tag.pk))
    assert action.details == {"tag": "business"}


def test_adding_twice_writes_one_row_and_one_audit_row(member, staff_user):
    tag = make_tag()

    first = member_tag_add(member=member, tag=tag, acting_user=staff_user)
    again = member_tag_add(member=member, tag=tag, acting_user=staff_user)

    assert first.pk == again.pk
    assert MemberTag.objects.filter(member=member, tag=tag).count() == 1
    assert StaffAction.objects.filter(action="member_tag_add").count() == 1


def test_remove_takes_it_off_with_an_audit_row_and_twice_is_fine(member, staff_user):
    tag = make_tag()
    other = MemberFactory()
    member_tag_add(member=member, tag=tag, acting_user=staff_user)
    member_tag_add(member=other, tag=tag, acting_user=staff_user)

    assert member_tag_remove(member=member, tag=tag, acting_user=staff_user) is True
    assert member_tag_remove(member=member, tag=tag, acting_user=staff_user) is False

    assert not MemberTag.objects.filter(member=member).exists()
    assert MemberTag.objects.filter(member=other, tag=tag).exists()  # only this member's
    removed = StaffAction.objects.filter(action="member_tag_remove")
    assert removed.count() == 1
    assert (removed.get().actor, removed.get().member) == (staff_user, member)


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"kind": Tag.Kind.DYNAMIC}, "tag_dynamic", "set automatically by rules"),
        ({"is_active": False}, "tag_inactive", "switched off"),
    ],
)
def test_dynamic_or_inactive_tags_are_refused_and_nothing_written(
    member, staff_user, fields, code, message
):
    tag = make_tag(code="high-frequency", name_en="High frequency", **fields)

    with translation.override("en"), pytest.raises(ValidationError) as add_error:
        member_tag_add(member=member, tag=tag, acting_user=staff_user)

    assert add_error.value.code == code
    with translation.override("en"):
        assert message in add_error.value.messages[0]
        assert "High frequency" in add_error.value.messages[0]
    assert not MemberTag.objects.exists()
    assert not StaffAction.objects.exists()


@pytest.mark.parametrize("fields", [{"kind": Tag.Kind.DYNAMIC}, {"is_active": False}])
def test_staff_cannot_remove_dynamic_or_inactive_tags(member, staff_user, fields):
    tag = make_tag(code="spent-500", **fields)
    MemberTag.objects.create(member=member, tag=tag)  # as the rules would have set it

    with pytest.raises(ValidationError):
        member_tag_remove(member=member, tag=tag, acting_user=staff_user)

    assert MemberTag.objects.filter(member=member, tag=tag).exists()
    assert not StaffAction.objects.exists()


def test_selectors_list_active_tags_in_order_and_mark_the_members(member, staff_user):
    premium = make_tag(code="premium", name_en="Premium")
    business = make_tag(code="business")
    make_tag(code="retired", is_active=False)
    dynamic_mine = make_tag(code="high-frequency", kind=Tag.Kind.DYNAMIC)
    make_tag(code="no-visit-3-months", kind=Tag.Kind.DYNAMIC)
    member_tag_add(member=member, tag=premium, acting_user=staff_user)
    MemberTag.objects.create(member=member, tag=dynamic_mine)

    assert list(tags_static_active()) == [business, premium]
    assert [mt.tag for mt in member_tags(member=member)] == [dynamic_mine, premium]
    assert tag_by_code(code="premium") == premium and tag_by_code(code="nope") is None
    choices = member_tag_choices(member=member)
    assert [(t.code, t.has) for t in choices.static] == [("business", False), ("premium", True)]
    assert choices.dynamic == [dynamic_mine]
