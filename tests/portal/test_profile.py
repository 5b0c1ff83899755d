"""The member's profile page: own data only, validated, login phone/email only through allauth."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.forms.models import model_to_dict
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from membership import sms
from membership.models import Member, MemberNote, User
from tests.factories import MemberFactory, ServiceCategoryFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "customer:profile"


def valid_post(**overrides) -> dict:
    data = {
        "name": "Wang Fang",
        "gender": "female",
        "birthday": "1990-05-17",
        "address": "18 Garden Road",
        "latitude": "31.230416",
        "longitude": "121.473701",
        "needs_pickup_delivery": "on",
        "express_preference": "often",
        "discount_sensitivity": "high",
        "payment_preference": "stored_value",
        "consent_marketing_email": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def snapshot(member: Member) -> dict:
    fresh = Member.objects.get(pk=member.pk)
    data = model_to_dict(fresh)
    data["favourite_categories"] = sorted(c.pk for c in fresh.favourite_categories.all())
    user = fresh.user
    data["login"] = (str(user.phone), user.phone_verified, user.email)
    return data


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse(PROFILE))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_staff_login_without_member_archive_goes_to_the_counter(client):
    staff = UserFactory()
    staff.user_permissions.add(Permission.objects.get(codename="use_counter"))
    client.force_login(staff)
    response = client.get(reverse(PROFILE))
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:home")


def test_profile_shows_the_members_own_archive_and_how_they_log_in(client):
    suits = ServiceCategoryFactory(name_en="Suits")
    member = MemberFactory(
        name="Wang Fang",
        address="18 Garden Road",
        birthday=date(1990, 5, 17),
        user__phone="+8613912345678",
        user__email="fang@example.com",
    )
    member.favourite_categories.set([suits])
    EmailAddress.objects.create(user=member.user, email="fang@example.com", primary=True)
    client.force_login(member.user)

    response = client.get(reverse(PROFILE), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert member.number in html
    assert 'value="Wang Fang"' in html
    assert 'value="18 Garden Road"' in html
    assert 'value="1990-05-17"' in html
    assert "+86 139 1234 5678" in html
    assert "fang@example.com" in html
    assert re.search(rf'value="{suits.pk}"[^>]*checked', html)
    assert reverse("account_change_phone") in html
    assert reverse("account_email") in html
    assert 'data-testid="tab-profile"' in html
    assert "data-locate" in html  # the "use my location" button


def test_saving_the_profile_updates_the_archive(client):
    suits, coats = ServiceCategoryFactory.create_batch(2)
    member = MemberFactory()
    client.force_login(member.user)

    response = client.post(
        reverse(PROFILE), valid_post(favourite_categories=[str(suits.pk), str(coats.pk)])
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(PROFILE)
    member.refresh_from_db()
    assert member.name == "Wang Fang"
    assert member.birthday == date(1990, 5, 17)
    assert member.latitude == Decimal("31.230416")
    assert member.needs_pickup_delivery is True
    assert member.consent_marketing_email is True
    assert member.consent_marketing_sms is False
    assert set(member.favourite_categories.all()) == {suits, coats}


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"birthday": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "Your birthday can&#x27;t be in the future.",
        ),
        ({"birthday": "1880-02-01"}, "Please check the year of your birthday."),
        ({"birthday": "not a date"}, "Enter a valid date."),
        ({"latitude": "95"}, "Latitude must be between -90 and 90."),
        ({"longitude": "-181"}, "Longitude must be between -180 and 180."),
        ({"latitude": "north"}, "Enter a number."),
        ({"longitude": ""}, "Give both latitude and longitude, or neither."),
        ({"express_preference": "always"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(client, overrides, message):
    category = ServiceCategoryFactory()
    member = MemberFactory(name="Before")
    client.force_login(member.user)
    before = snapshot(member)

    response = client.post(
        reverse(PROFILE),
        valid_post(favourite_categories=[str(category.pk)], **overrides),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Nothing was saved." in html
    assert snapshot(member) == before


def test_phone_and_email_cannot_be_changed_from_the_profile_form(client):
    member = MemberFactory(user__phone="+8613912345678", user__email="fang@example.com")
    client.force_login(member.user)

    client.post(
        reverse(PROFILE),
        valid_post(phone="+8613700000000", email="thief@example.com", phone_verified="on"),
    )

    user = User.objects.get(pk=member.user.pk)
    assert str(user.phone) == "+8613912345678"
    assert user.email == "fang@example.com"


def test_changing_the_login_phone_needs_the_code_sent_to_the_new_number(
    client, django_capture_on_commit_callbacks
):
    member = MemberFactory(user__phone="+8613912345678")
    client.force_login(member.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_change_phone"), {"phone": "137 0000 0000"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(pk=member.user.pk)
    assert (str(user.phone), user.phone_verified) == ("+8613912345678", True)  # not yet
    [text] = [m for m in sms.outbox if m.to == "+8613700000000"]
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", text.body).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_verify_phone"), {"code": code})

    user.refresh_from_db()
    assert (str(user.phone), user.phone_verified) == ("+8613700000000", True)


def test_a_bad_new_phone_number_is_refused_and_nothing_changes(
    client, django_capture_on_commit_callbacks
):
    member = MemberFactory(user__phone="+8613912345678")
    client.force_login(member.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_change_phone"), {"phone": "12345"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()
    user = User.objects.get(pk=member.user.pk)
    assert str(user.phone) == "+8613912345678"
    assert sms.outbox == []


def test_a_new_email_is_pending_until_verified(client):
    member = MemberFactory(user__email="fang@example.com")
    EmailAddress.objects.create(
        user=member.user, email="fang@example.com", primary=True, verified=True
    )
    client.force_login(member.user)

    client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})

    user = User.objects.get(pk=member.user.pk)
    assert user.email == "fang@example.com"
    assert not EmailAddress.objects.get(email="new@example.com").verified
    html = client.get(reverse(PROFILE), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting for you to confirm new@example.com" in html


def test_staff_notes_are_neither_shown_nor_editable(client):
    member = MemberFactory()
    MemberNote.objects.create(member=member, author=UserFactory(), text="Complained about a stain")
    client.force_login(member.user)

    html = client.get(reverse(PROFILE)).content.decode()
    client.post(reverse(PROFILE), valid_post(notes="I am lovely", note="I am lovely"))

    assert "Complained about a stain" not in html
    assert list(MemberNote.objects.values_list("text", flat=True)) == ["Complained about a stain"]


def test_profile_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    categories = ServiceCategoryFactory.create_batch(30)
    member = MemberFactory()
    member.favourite_categories.set(categories[:20])
    client.force_login(member.user)
    client.get(reverse(PROFILE))  # the site's settings row is created on first use

    with django_assert_max_num_queries(10):
        response = client.get(reverse(PROFILE))

    assert response.status_code == 200


# --- a member never sees another member's data ----------------------------------------------


@pytest.fixture
def two_members():
    tier = TierFactory()
    a = MemberFactory(
        name="Alice Anders",
        address="1 Alpha Street",
        tier=tier,
        user__phone="+8613911111111",
        user__email="alice@example.com",
    )
    b = MemberFactory(
        name="Bob Brenner",
        address="2 Bravo Avenue",
        tier=tier,
        user__phone="+8613922222222",
        user__email="bob@example.com",
    )
    return a, b


def b_markers(b: Member) -> list[str]:
    return [
        b.name,
        b.number,
        b.address,
        b.user.email,
        "13922222222",
        "139 2222 2222",
    ]


def test_url_tampering_never_shows_or_changes_another_members_profile(client, two_members):
    a, b = two_members
    b_before = snapshot(b)
    client.force_login(a.user)

    pages = [
        client.get(reverse(PROFILE)),
        client.get(reverse(PROFILE), {"member": b.pk, "id": b.pk, "user": b.user.pk}),
        client.get(f"/me/profile/{b.pk}/"),
        client.get(f"/me/profile/{b.number}/"),
    ]
    client.post(
        reverse(PROFILE),
        valid_post(member=b.pk, id=b.pk, user=b.user.pk, number=b.number, name="Hacked"),
    )

    for response in pages:
        html = response.content.decode()
        for marker in b_markers(b):
            assert marker not in html
    assert snapshot(b) == b_before
    a.refresh_from_db()
    assert a.name == "Hacked"  # the post changed the logged-in member only
    assert a.number != b.number


def _customer_urls_without_arguments() -> list[str]:
    resolver = get_resolver()
    names = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "customer" and pattern.name:
                names.append(f"customer:{pattern.name}")

    walk(resolver.url_patterns, None)
    urls = []
    for name in names:
        try:
            urls.append(reverse(name))
        except NoReverseMatch:  # pages that need an argument are covered by their own tests
            continue
    return urls


def test_no_member_page_shows_another_members_data(client, two_members):
    a, b = two_members
    client.force_login(a.user)
    urls = _customer_urls_without_arguments()
    assert reverse(PROFILE) in urls and reverse("customer:dashboard") in urls

    for url in urls:
        response = client.get(url, follow=True)
        html = response.content.decode(errors="replace")
        for marker in b_markers(b):
            assert marker not in html, f"{url} shows {marker!r} of another member"
