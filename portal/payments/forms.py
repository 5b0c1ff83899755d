"""Choosing a package to buy: by its code, among the packages on sale now."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.selectors.packages import packages_on_sale

_CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")


class PackageField(forms.ModelChoiceField):
    """A package on sale, by code. Anything not shaped like a code (a NUL byte, a very long
    value) is refused before it reaches a query."""

    default_error_messages = {
        "invalid_choice": _("This package is not on sale. Choose one from the list."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", packages_on_sale())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("error_messages", {"required": _("Choose a package.")})
        super().__init__(**kwargs)

    def to_python(self, value):
        if value not in self.empty_values and not (
            isinstance(value, str) and _CODE.fullmatch(value)
        ):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class PackageOnlineForm(forms.Form):
    package = PackageField()
