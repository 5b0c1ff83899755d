import pytest

from membership import sms
from tests.factories import MemberFactory, OwnerFactory, StaffFactory


@pytest.fixture(autouse=True)
def _clear_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits count in the cache (per IP: every test client is 127.0.0.1);
    # without this, the suite's sign-ups and logins add up and trip them at random.
    from django.core.cache import cache

    cache.clear()
    yield


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
