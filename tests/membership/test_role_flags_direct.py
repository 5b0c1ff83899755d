"""Role flags count a permission given to the user directly as well as through a group."""

import pytest
from django.contrib.auth.models import Permission

from membership.selectors.roles import user_role_flags, users_with_role_flags
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_directly_granted_permission_opens_that_area_only():
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )

    flags = user_role_flags(user=users_with_role_flags().get(pk=user.pk))

    assert (flags.counter, flags.back_office) == (False, True)


def test_a_member_in_the_members_group_opens_nothing():
    member_user = MemberFactory().user

    loaded = users_with_role_flags().get(pk=member_user.pk)

    assert (loaded.holds_counter, loaded.holds_back_office) == (False, False)
