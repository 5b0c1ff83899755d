"""A phone number form field that hands allauth a normalised E.164 string."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from phonenumber_field.phonenumber import to_python


def normalize_phone(value: object) -> str | None:
    """E.164 form of a phone number typed in any common way, or None if it is not valid.

    A national number ("138 0013 8000") is read in the shop's region (PHONENUMBER_DEFAULT_REGION).
    """
    if not value:
        return None
    number = to_python(str(value))
    if number is None or not number.is_valid():
        return None
    return number.as_e164


def signup_country_codes() -> list[str]:
    """The calling codes a new number may have (PORTAL_SIGNUP_COUNTRY_CODES), without "+"."""
    return [str(code).strip().lstrip("+") for code in settings.PORTAL_SIGNUP_COUNTRY_CODES]


def check_signup_country(e164: str) -> None:
    """Refuse a number from a country the shop does not serve: sign-up and phone changes text
    a code to the number, and far-away numbers are what SMS pumping uses."""
    number = to_python(e164)
    codes = signup_country_codes()
    if number is None or str(number.country_code) not in codes:
        raise ValidationError(
            _("This shop accepts mobile numbers starting with %(codes)s only."),
            code="phone_country",
            params={"codes": ", ".join(f"+{code}" for code in codes)},
        )


class E164PhoneField(PhoneNumberField):
    """Validates like django-phonenumber-field, returns a plain string (allauth expects str)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel",
                    "inputmode": "tel",
                    "placeholder": _("Mobile number"),
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        number = super().clean(value)
        return number.as_e164 if number else ""
