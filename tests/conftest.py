import pytest

from membership import sms
from tests.factories import MemberFactory, OwnerFactory, StaffFactory


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture
def owner_user(db):
    return OwnerFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client
