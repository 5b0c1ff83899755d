"""/me/inbox/: the member's messages, newest first, paginated; shown ones are marked read;
the dashboard's inbox line; the profile's notice choices."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from membership.models import MemberMessage
from membership.services.messages import member_message_post
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
URL = "/me/inbox/"
PAGE_SIZE = 20


def post_messages(member, count: int, *, start=None, prefix="m") -> list[MemberMessage]:
    start = start or timezone.now() - timedelta(days=count)
    return [
        member_message_post(
            member_id=member.pk,
            kind=MemberMessage.Kind.CUSTOM,
            data={"subject_en": f"Note {n}", "subject_zh": f"通知 {n}", "body_en": f"Body {n}"},
            idempotency_key=f"{prefix}{member.pk}-{n}",
            created_at=start + timedelta(hours=n),
        )
        for n in range(count)
    ]


def subjects(response) -> list[str]:
    return re.findall(r"<strong>(Note \d+|通知 \d+)", response.content.decode())


def test_the_url_is_the_members_inbox():
    assert reverse("customer:inbox") == URL


def test_newest_first_paginated_and_the_shown_page_is_marked_read(client, member):
    post_messages(member, PAGE_SIZE + 5)
    client.force_login(member.user)

    first = client.get(URL)

    assert first.status_code == 200
    assert subjects(first) == [f"Note {n}" for n in range(PAGE_SIZE + 4, 4, -1)]
    assert first.content.decode().count("data-unread") == PAGE_SIZE
    unread = MemberMessage.objects.filter(member=member, read_at__isnull=True)
    assert sorted(unread.values_list("data__subject_en", flat=True)) == [
        f"Note {n}" for n in range(5)
    ]

    again = client.get(URL)
    assert "data-unread" not in again.content.decode()  # read now

    older = client.get(URL + "?page=2")
    assert subjects(older) == [f"Note {n}" for n in range(4, -1, -1)]
    assert older.content.decode().count("data-unread") == 5
    assert not unread.exists()


@pytest.mark.parametrize("page", ["0", "-1", "999", "abc", "1" * 40, "1\x00"])
def test_a_wrong_page_number_shows_a_page_not_an_error(client, member, page):
    post_messages(member, 3)
    client.force_login(member.user)
    assert client.get(URL, {"page": page}).status_code == 200


def test_mark_all_read(client, member):
    post_messages(member, PAGE_SIZE + 5)
    client.force_login(member.user)

    response = client.post(URL)

    assert response.status_code == 302 and response["Location"] == URL
    assert not MemberMessage.objects.filter(member=member, read_at__isnull=True).exists()


def test_another_members_messages_are_never_shown_nor_marked(client, member):
    other = MemberFactory()
    post_messages(other, 3, prefix="o")
    post_messages(member, 1)
    client.force_login(member.user)

    client.post(URL)
    response = client.get(URL)

    assert subjects(response) == ["Note 0"]
    assert MemberMessage.objects.filter(member=other, read_at__isnull=True).count() == 3


def test_an_empty_inbox_says_so(client, member):
    client.force_login(member.user)
    response = client.get(URL)
    assert 'data-testid="inbox-empty"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    for response in (client.get(URL), client.post(URL)):
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_staff_and_owner_logins_go_to_the_counter_and_mark_nothing(
    client, staff_user, owner_user, member
):
    post_messages(member, 2)
    for user in (staff_user, owner_user):
        client.force_login(user)
        assert client.get(URL)["Location"] == reverse("counter:home")
        assert client.post(URL)["Location"] == reverse("counter:home")
    assert MemberMessage.objects.filter(read_at__isnull=True).count() == 2


def test_a_login_without_a_member_archive_gets_404(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="nobody"))
    assert client.get(URL).status_code == 404


def test_other_methods_are_refused(client, member):
    client.force_login(member.user)
    assert client.put(URL).status_code == 405


def test_both_languages_render(client, member):
    post_messages(member, 1)
    client.force_login(member.user)

    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    MemberMessage.objects.update(read_at=None)
    chinese = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Note 0" in english and '<html lang="en"' in english
    assert "通知 0" in chinese and '<html lang="zh-hans"' in chinese


def test_the_inbox_costs_the_same_with_a_long_history(client, django_assert_max_num_queries):
    light, heavy = MemberFactory(), MemberFactory()
    post_messages(light, 2, prefix="l")
    post_messages(heavy, 300, prefix="h")
    counts = []
    for member in (light, heavy):
        client.force_login(member.user)
        client.get(URL)  # rows created on first use
        MemberMessage.objects.update(read_at=None)  # the update counts too
        with django_assert_max_num_queries(6) as captured:
            assert client.get(URL).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- the dashboard's line --------------------------------------------------------------------


def test_the_dashboard_shows_the_unread_count_and_the_newest_unread(client, member):
    post_messages(member, 3)
    client.force_login(member.user)

    html = client.get(reverse("customer:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.search(r'data-testid="inbox-unread"[^>]*>3<', html)
    assert re.search(r'data-testid="inbox-newest">Body 2<', html)

    client.get(URL)
    html = client.get(reverse("customer:dashboard")).content.decode()
    assert 'data-testid="inbox-unread"' not in html and "No new messages" in html


# --- the profile's notice choices ------------------------------------------------------------


def test_the_member_turns_notices_on_and_off_on_the_profile(client, member):
    client.force_login(member.user)
    base = {"express_preference": "sometimes", "discount_sensitivity": "medium"}

    response = client.post(reverse("customer:profile"), base | {"notify_by_sms": "on"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.notify_by_sms and not member.notify_by_email
    page = client.get(reverse("customer:profile")).content.decode()
    assert re.search(r'name="notify_by_sms"[^>]*checked', page)

    client.post(reverse("customer:profile"), base | {"notify_by_email": "on"})
    member.refresh_from_db()
    assert not member.notify_by_sms and member.notify_by_email


def test_a_refused_profile_saves_no_notice_choice(client, member):
    client.force_login(member.user)
    response = client.post(
        reverse("customer:profile"),
        {
            "express_preference": "sometimes",
            "discount_sensitivity": "medium",
            "latitude": "45",  # without a longitude: refused by the profile service
            "notify_by_sms": "on",
        },
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert not member.notify_by_sms
