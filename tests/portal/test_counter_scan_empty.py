"""The scan page opened with nothing scanned (or only spaces) answers 400, never a 500."""

import pytest
from django.urls import reverse

from membership.selectors.search import typed_phone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["", "   ", None])
def test_nothing_typed_is_no_phone_number(text):
    assert typed_phone(text=text) is None


@pytest.mark.parametrize("query", ["", "?code=", "?code=%20%20"])
def test_the_scan_page_with_nothing_scanned_answers_400(client, staff_user, query):
    client.force_login(staff_user)

    response = client.get(reverse("counter:scan") + query)

    assert response.status_code == 400
