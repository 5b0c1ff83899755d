"""Marking a follow-up done checks where to go next BEFORE it writes anything."""

import pytest
from django.urls import reverse

from membership.models import FollowUpTask, StaffAction
from membership.services.followups import followup_create
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    return followup_create(
        member=MemberFactory(), reason="Call about the stain", source=FollowUpTask.Source.RULE
    )


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def _done(client, task, **data):
    url = reverse("counter:followup-done", kwargs={"pk": task.pk})
    return client.post(url, {"note": "Called back", **data})


@pytest.mark.parametrize(
    "next_url",
    [
        "x",
        "followups",
        "-1",
        "counter:followups",
        "https://evil.example/",
        "//evil.example/path",
        "javascript:alert(1)",
        "/\\evil.example",
        "/counter/\x00",
        " /counter/",
    ],
)
def test_a_next_that_is_not_a_local_path_is_refused_and_nothing_is_written(
    staff_client, task, next_url
):
    response = _done(staff_client, task, next=next_url)

    assert response.status_code == 400
    task.refresh_from_db()
    assert task.done_at is None
    assert not StaffAction.objects.filter(action="followup.done").exists()


@pytest.mark.parametrize(
    "next_url",
    ["/counter/follow-ups/?page=2", "/counter/members/M000000001/", "/counter/follow-ups/"],
)
def test_a_local_path_is_followed_after_the_task_is_done(staff_client, task, next_url):
    response = _done(staff_client, task, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == next_url
    task.refresh_from_db()
    assert task.done_at is not None


def test_without_next_it_goes_back_to_the_to_do_list(staff_client, task):
    response = _done(staff_client, task)

    assert response.status_code == 302
    assert response["Location"] == reverse("counter:followups")
    task.refresh_from_db()
    assert task.done_at is not None and task.done_note == "Called back"


def test_a_refused_note_is_not_written_and_still_goes_back(staff_client, task):
    response = _done(staff_client, task, note="x" * 300, next="/counter/follow-ups/")

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is None


def test_a_nul_byte_in_the_note_is_refused(staff_client, task):
    response = _done(staff_client, task, note="ok\x00", next="/counter/follow-ups/")

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is None
