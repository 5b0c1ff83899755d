"""allauth forms, tuned for a phone: a code first, a password only if the member wants one."""

from allauth.account.forms import (
    ConfirmLoginCodeForm,
    LoginForm,
    SignupForm,
    VerifyPhoneForm,
)
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LOGIN_BY_CODE = "code"
LOGIN_BY_PASSWORD = "password"


class PortalSignupForm(SignupForm):
    """Sign up with a phone number or an email address (at least one), password optional."""

    field_order = ["name", "phone", "email", "password1", "accept_terms"]

    name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("How the shop should greet you (optional)."),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the membership terms and the privacy notice"),
        required=True,
        error_messages={"required": _("Please accept the terms to become a member.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "password1" in self.fields:
            self.fields["password1"].help_text = _(
                "Optional: without one you log in with a code sent to your phone or email."
            )
        if "email" in self.fields:
            self.fields["email"].label = _("Email")

    def clean(self) -> dict:
        cleaned_data = super().clean()
        phone_given = bool(cleaned_data.get("phone")) or bool(self.errors.get("phone"))
        email_given = bool(cleaned_data.get("email")) or bool(self.errors.get("email"))
        if not phone_given and not email_given:
            raise ValidationError(
                _("Enter a mobile number or an email address: we send your login codes there."),
                code="phone_or_email",
            )
        return cleaned_data


class PortalLoginForm(LoginForm):
    """One field for a phone number or an email; "send me a code" unless a password is chosen.

    allauth logs in by code when the form is valid without a password; the `method` the
    member picked decides whether a typed password counts.
    """

    method = forms.ChoiceField(
        choices=[(LOGIN_BY_CODE, LOGIN_BY_CODE), (LOGIN_BY_PASSWORD, LOGIN_BY_PASSWORD)],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Mobile number or email")
        self.fields["login"].widget.attrs.update(
            {"placeholder": _("Mobile number or email"), "autocomplete": "username"}
        )
        if "password" in self.fields:
            self.fields["password"].required = False
            # static/js/login.js: Enter here means "log in with my password".
            self.fields["password"].widget.attrs["data-enter-clicks"] = (
                "[name=method][value=password]"
            )

    def _method(self) -> str:
        return LOGIN_BY_PASSWORD if self.data.get("method") == LOGIN_BY_PASSWORD else LOGIN_BY_CODE

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if self._method() == LOGIN_BY_CODE:
            return ""
        if not password:
            raise ValidationError(
                _("Enter your password, or ask for a code instead."), code="required"
            )
        return password


def _numeric_code_widget(form: forms.Form) -> None:
    # Codes are six digits (ALLAUTH_USER_CODE_FORMAT): show the number pad, let the phone
    # offer the code from the text message.
    form.fields["code"].widget.attrs.update(
        {"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
    )


class PortalConfirmLoginCodeForm(ConfirmLoginCodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _numeric_code_widget(self)


class PortalVerifyPhoneForm(VerifyPhoneForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _numeric_code_widget(self)
