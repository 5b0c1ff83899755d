"""Sign-up and the demo seed agree: every member's login is in the Members group."""

import pytest
from django.contrib.auth.models import Group

from membership.roles import MEMBER_GROUP
from membership.selectors.roles import user_role_flags
from membership.services.members import member_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_member_joins_the_members_group_and_gets_no_staff_area():
    user = UserFactory()

    member_create(user=user, name="Li Lei")

    assert list(user.groups.values_list("name", flat=True)) == [MEMBER_GROUP]
    flags = user_role_flags(user=type(user).objects.get(pk=user.pk))
    assert (flags.counter, flags.back_office) == (False, False)


def test_member_create_is_idempotent_for_the_group_too():
    user = UserFactory()

    first = member_create(user=user)
    again = member_create(user=user)

    assert first.pk == again.pk
    assert Group.objects.get(name=MEMBER_GROUP).user_set.filter(pk=user.pk).count() == 1
