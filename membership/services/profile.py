"""The member edits their own archive fields (not login phone/email, not staff notes, not tier)."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from membership.models import Member, MemberEvent, ServiceCategory
from membership.services.events import member_event_record

NAME_MAX_LENGTH = 80
ADDRESS_MAX_LENGTH = 255
OLDEST_AGE_YEARS = 120


def _validate(
    *,
    name: str,
    gender: str,
    birthday: date | None,
    address: str,
    latitude: Decimal | None,
    longitude: Decimal | None,
    express_preference: str,
    discount_sensitivity: str,
    payment_preference: str,
) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message, code: str, params: dict | None = None) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code, params=params))

    if len(name) > NAME_MAX_LENGTH:
        add(
            "name",
            _("A name can be at most %(limit)d characters."),
            "name_too_long",
            {"limit": NAME_MAX_LENGTH},
        )
    if len(address) > ADDRESS_MAX_LENGTH:
        add(
            "address",
            _("An address can be at most %(limit)d characters."),
            "address_too_long",
            {"limit": ADDRESS_MAX_LENGTH},
        )
    if birthday is not None:
        today = timezone.localdate()
        if birthday > today:
            add("birthday", _("Your birthday can't be in the future."), "birthday_in_future")
        elif birthday < today.replace(year=today.year - OLDEST_AGE_YEARS, day=1):
            add(
                "birthday",
                _("Please check the year of your birthday."),
                "birthday_too_old",
            )
    if (latitude is None) != (longitude is None):
        add(
            "latitude",
            _("Give both latitude and longitude, or neither."),
            "coordinates_incomplete",
        )
    if latitude is not None and not Decimal("-90") <= latitude <= Decimal("90"):
        add("latitude", _("Latitude must be between -90 and 90."), "latitude_out_of_range")
    if longitude is not None and not Decimal("-180") <= longitude <= Decimal("180"):
        add(
            "longitude",
            _("Longitude must be between -180 and 180."),
            "longitude_out_of_range",
        )
    for field, value, choices in [
        ("gender", gender, Member.Gender.values),
        ("express_preference", express_preference, Member.Frequency.values),
        ("discount_sensitivity", discount_sensitivity, Member.Sensitivity.values),
        ("payment_preference", payment_preference, Member.PaymentPreference.values),
    ]:
        if value not in choices:
            add(field, _("Choose one of the options."), "invalid_choice")
    return errors


def _six_places(value: Decimal | None) -> Decimal | None:
    # What the columns hold (about 0.1 m); a browser's GPS reading has more digits.
    return None if value is None else value.quantize(Decimal("0.000001"))


@transaction.atomic
def member_update_profile(
    *,
    member: Member,
    name: str,
    gender: str = "",
    birthday: date | None = None,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    needs_pickup_delivery: bool = False,
    express_preference: str = Member.Frequency.SOMETIMES,
    discount_sensitivity: str = Member.Sensitivity.MEDIUM,
    payment_preference: str = "",
    favourite_categories: Iterable[ServiceCategory] = (),
    consent_marketing_sms: bool = False,
    consent_marketing_email: bool = False,
) -> Member:
    """Save what the member may change about themselves; refuse bad input and write nothing.

    Login phone and email change through allauth's verified flows, never here.
    """
    name = (name or "").strip()
    address = (address or "").strip()
    gender = gender or ""
    payment_preference = payment_preference or ""
    errors = _validate(
        name=name,
        gender=gender,
        birthday=birthday,
        address=address,
        latitude=latitude,
        longitude=longitude,
        express_preference=express_preference,
        discount_sensitivity=discount_sensitivity,
        payment_preference=payment_preference,
    )
    if errors:
        raise ValidationError(errors)

    if birthday is not None and birthday != member.birthday:
        # Birthday rewards key on this; the date itself stays in the archive, not the event.
        member_event_record(member_id=member.pk, kind=MemberEvent.Kind.BIRTHDAY_SET)
    member.name = name
    member.gender = gender
    member.birthday = birthday
    member.address = address
    member.latitude = _six_places(latitude)
    member.longitude = _six_places(longitude)
    member.needs_pickup_delivery = needs_pickup_delivery
    member.express_preference = express_preference
    member.discount_sensitivity = discount_sensitivity
    member.payment_preference = payment_preference
    member.consent_marketing_sms = consent_marketing_sms
    member.consent_marketing_email = consent_marketing_email
    member.save(
        update_fields=[
            "name",
            "gender",
            "birthday",
            "address",
            "latitude",
            "longitude",
            "needs_pickup_delivery",
            "express_preference",
            "discount_sensitivity",
            "payment_preference",
            "consent_marketing_sms",
            "consent_marketing_email",
        ]
    )
    member.favourite_categories.set(list(favourite_categories))
    return member
