"""One way to show a phone number everywhere: international format, "+86 138 0000 0000"."""

from django import template
from phonenumber_field.phonenumber import PhoneNumber, to_python

register = template.Library()


@register.filter
def phone(value) -> str:
    if not value:
        return ""
    number = value if isinstance(value, PhoneNumber) else to_python(str(value))
    if isinstance(number, PhoneNumber) and number.is_valid():
        return number.as_international
    return str(value)
