import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from membership.roles import STAFF_GROUP
from membership.selectors.roles import user_role_flags
from portal.accounts.backends import PortalAuthenticationBackend, PortalModelBackend
from tests.factories import MemberFactory, OwnerFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [PortalModelBackend, PortalAuthenticationBackend])
def test_the_session_user_arrives_with_its_role_flags(backend, django_assert_num_queries):
    staff, owner, member = StaffFactory(), OwnerFactory(), MemberFactory().user

    loaded = {user: backend().get_user(user.pk) for user in (staff, owner, member)}

    with django_assert_num_queries(0):
        flags = {user: user_role_flags(user=loaded[user]) for user in loaded}
    assert (flags[staff].counter, flags[staff].back_office) == (True, False)
    assert (flags[owner].counter, flags[owner].back_office) == (True, True)
    assert (flags[member].counter, flags[member].back_office) == (False, False)


def test_a_user_not_loaded_by_the_backends_is_asked_in_one_query(django_assert_num_queries):
    staff = StaffFactory()
    with django_assert_num_queries(1):
        assert user_role_flags(user=staff).counter is True


def test_removing_staff_from_the_group_takes_effect_on_the_next_request(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get(reverse("counter:home")).status_code == 200

    staff.groups.remove(Group.objects.get(name=STAFF_GROUP))

    assert client.get(reverse("counter:home")).status_code == 403
