import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from membership.models import Member
from membership.selectors.rows import one_or_none
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_one_or_none_finds_the_row_on_a_unique_column_without_ordering():
    member = MemberFactory()
    MemberFactory()

    with CaptureQueriesContext(connection) as queries:
        found = one_or_none(Member.objects.filter(number=member.number))

    assert found == member
    assert "ORDER BY" not in queries.captured_queries[0]["sql"]
    assert one_or_none(Member.objects.filter(number="nobody")) is None
