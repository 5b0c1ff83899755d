"""The counter's member search box: what reaches the search query is checked first."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MemberSearchForm(forms.Form):
    # A phone number, a member number or part of a name: 80 characters is plenty.
    q = forms.CharField(
        max_length=80,
        required=False,
        error_messages={
            "max_length": _("Search for at most %(limit_value)d characters."),
            "null_characters_not_allowed": _(
                "The search contains a character that cannot be searched for. Type it again."
            ),
        },
    )
