from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone

from membership.models import Member
from membership.services.profile import member_update_profile
from tests.factories import MemberFactory, ServiceCategoryFactory

pytestmark = pytest.mark.django_db


def valid_changes(**overrides) -> dict:
    changes = {
        "name": "  Wang Fang ",
        "gender": Member.Gender.FEMALE,
        "birthday": date(1990, 5, 17),
        "address": "18 Garden Road",
        "latitude": Decimal("31.2304161234"),
        "longitude": Decimal("121.4737012345"),
        "needs_pickup_delivery": True,
        "express_preference": Member.Frequency.OFTEN,
        "discount_sensitivity": Member.Sensitivity.HIGH,
        "payment_preference": Member.PaymentPreference.STORED_VALUE,
        "favourite_categories": [],
        "consent_marketing_sms": True,
        "consent_marketing_email": False,
    }
    changes.update(overrides)
    return changes


def snapshot(member: Member) -> dict:
    fresh = Member.objects.get(pk=member.pk)
    data = model_to_dict(fresh)
    data["favourite_categories"] = sorted(c.pk for c in fresh.favourite_categories.all())
    return data


def test_update_saves_every_field_and_replaces_favourites():
    suits, coats, bags = ServiceCategoryFactory.create_batch(3)
    member = MemberFactory()
    member.favourite_categories.set([bags])

    member_update_profile(member=member, **valid_changes(favourite_categories=[suits, coats]))

    member = Member.objects.get(pk=member.pk)
    assert member.name == "Wang Fang"
    assert member.gender == "female"
    assert member.birthday == date(1990, 5, 17)
    assert member.address == "18 Garden Road"
    assert member.latitude == Decimal("31.230416")
    assert member.longitude == Decimal("121.473701")
    assert member.needs_pickup_delivery is True
    assert member.express_preference == "often"
    assert member.discount_sensitivity == "high"
    assert member.payment_preference == "stored_value"
    assert member.consent_marketing_sms is True
    assert member.consent_marketing_email is False
    assert set(member.favourite_categories.all()) == {suits, coats}


def test_update_leaves_login_tier_number_and_terms_alone():
    member = MemberFactory()
    before = snapshot(member)

    member_update_profile(member=member, **valid_changes())

    after = snapshot(member)
    for field in ["user", "number", "tier", "tier_since", "joined_at", "consent_terms_at"]:
        assert after[field] == before[field]


def test_clearing_optional_fields_is_allowed():
    member = MemberFactory(birthday=date(1990, 1, 1), latitude=Decimal("1"), longitude=Decimal("2"))

    member_update_profile(
        member=member, **valid_changes(birthday=None, latitude=None, longitude=None, gender="")
    )

    member.refresh_from_db()
    assert (member.birthday, member.latitude, member.longitude, member.gender) == (
        None,
        None,
        None,
        "",
    )


def test_birthday_today_is_fine():
    member = MemberFactory()
    member_update_profile(member=member, **valid_changes(birthday=timezone.localdate()))
    member.refresh_from_db()
    assert member.birthday == timezone.localdate()


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"birthday": timezone.localdate() + timedelta(days=1)}, "birthday", "birthday_in_future"),
        ({"birthday": date(1890, 1, 1)}, "birthday", "birthday_too_old"),
        ({"latitude": Decimal("90.000001")}, "latitude", "latitude_out_of_range"),
        ({"latitude": Decimal("-91")}, "latitude", "latitude_out_of_range"),
        ({"longitude": Decimal("180.5")}, "longitude", "longitude_out_of_range"),
        ({"longitude": Decimal("-1000")}, "longitude", "longitude_out_of_range"),
        ({"longitude": None}, "latitude", "coordinates_incomplete"),
        ({"gender": "robot"}, "gender", "invalid_choice"),
        ({"express_preference": "always"}, "express_preference", "invalid_choice"),
        ({"discount_sensitivity": ""}, "discount_sensitivity", "invalid_choice"),
        ({"payment_preference": "cash"}, "payment_preference", "invalid_choice"),
        ({"name": "x" * 81}, "name", "name_too_long"),
        ({"address": "x" * 256}, "address", "address_too_long"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_written(overrides, field, code):
    category = ServiceCategoryFactory()
    member = MemberFactory(name="Before", address="Old address")
    before = snapshot(member)

    with pytest.raises(ValidationError) as excinfo:
        member_update_profile(
            member=member, **valid_changes(favourite_categories=[category], **overrides)
        )

    errors = excinfo.value.error_dict
    assert field in errors
    assert [e.code for e in errors[field]] == [code]
    assert str(errors[field][0].message)  # a message a person can read
    assert snapshot(member) == before
    assert member.name == "Before"  # the object in memory is untouched too


def test_several_errors_are_reported_together():
    member = MemberFactory()
    with pytest.raises(ValidationError) as excinfo:
        member_update_profile(
            member=member,
            **valid_changes(
                birthday=timezone.localdate() + timedelta(days=30), longitude=Decimal("999")
            ),
        )
    assert set(excinfo.value.error_dict) == {"birthday", "longitude"}
