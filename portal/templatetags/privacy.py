"""Showing personal data partly, where a page lists many people."""

from django import template
from phonenumber_field.phonenumber import PhoneNumber, to_python

register = template.Library()


@register.filter
def masked_phone(value) -> str:
    """ "+86 139****5678": enough to tell two members apart at the counter, not a phone list."""
    if not value:
        return ""
    number = value if isinstance(value, PhoneNumber) else to_python(str(value))
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        return "****"
    national = str(number.national_number)
    if len(national) < 8:
        return f"+{number.country_code} ****{national[-2:]}"
    return f"+{number.country_code} {national[:3]}****{national[-4:]}"
