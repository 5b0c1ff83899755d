"""A phone number form field that hands allauth a normalised E.164 string."""

from django import forms
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
