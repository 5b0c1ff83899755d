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


@pytest.fixture(autouse=True)
def _default_language():
    # A request leaves the language it was served in active in the thread (Django's
    # LocaleMiddleware and Wagtail's admin activate, never deactivate): each test starts from
    # the default, whatever ran before it on the same worker.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


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
