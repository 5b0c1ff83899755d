"""Role flags count a permission given to the user directly as well as through a group."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from membership.selectors.roles import session_user, user_role_flags, users_with_role_flags
from tests.factories import MemberFactory, OwnerFactory, StaffFactory, UserFactory

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


def test_the_session_user_statement_answers_as_the_queryset_does():
    member = MemberFactory()
    for user in (member.user, StaffFactory(), OwnerFactory(), UserFactory()):
        expected = users_with_role_flags().get(pk=user.pk)
        with CaptureQueriesContext(connection) as queries:
            loaded = session_user(user_id=user.pk)
        assert len(queries.captured_queries) == 1
        assert (loaded.pk, loaded.password, loaded.last_login) == (
            user.pk,
            user.password,
            expected.last_login,
        )
        assert (loaded.holds_counter, loaded.holds_back_office, loaded.member_pk) == (
            expected.holds_counter,
            expected.holds_back_office,
            expected.member_pk,
        )
    assert session_user(user_id=member.user.pk).member_pk == member.pk
    assert session_user(user_id=10**9) is None
