"""allauth forms, tuned for a phone: a code first, a password only if the member wants one."""

from allauth.account.forms import (
    ChangePhoneForm,
    ConfirmLoginCodeForm,
    LoginForm,
    RequestLoginCodeForm,
    SignupForm,
    VerifyPhoneForm,
)
from allauth.core import context
from allauth.core.exceptions import RateLimited
from allauth.core.ratelimit import respond_429
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from membership.selectors.referrals import referrer_by_code
from membership.sms import sms_ceiling_reached

from .fields import check_signup_country

# Where a referral link (/r/<code>/) leaves its code until the visitor signs up.
REFERRAL_SESSION_KEY = "referral_code"

LOGIN_BY_CODE = "code"
LOGIN_BY_PASSWORD = "password"

# Said (to everyone alike, it reveals nothing about accounts) while the hourly SMS ceiling
# is reached, instead of pretending a text is on its way.
SMS_PAUSED_LOGIN = _(
    "We cannot send text messages right now. Log in with your email or your password, "
    "or try again later."
)
SMS_PAUSED_PHONE = _(
    "We cannot send text messages right now. Use your email instead, or try again later."
)


def _refuse_while_sms_paused(message) -> None:
    if sms_ceiling_reached():
        raise ValidationError(message, code="sms_paused")


class PortalSignupForm(SignupForm):
    """Sign up with a phone number or an email address (at least one), password optional."""

    field_order = ["name", "phone", "email", "password1", "referral_code", "accept_terms"]

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
    referral_code = forms.CharField(
        label=_("Referral code"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        help_text=_("Optional: the code from a friend's invitation."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.referrer = None  # the member whose code was given, once the form is clean
        request = context.request
        if request is not None and not self.is_bound:
            # Prefilled from the link: /r/<code>/ or /accounts/signup/?ref=<code>.
            code = request.GET.get("ref") or request.session.get(REFERRAL_SESSION_KEY, "")
            self.initial.setdefault("referral_code", str(code)[:20])
        if "password1" in self.fields:
            self.fields["password1"].help_text = _(
                "Optional: without one you log in with a code sent to your phone or email."
            )
        if "email" in self.fields:
            self.fields["email"].label = _("Email")

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "")
        if phone:
            check_signup_country(phone)
            _refuse_while_sms_paused(SMS_PAUSED_PHONE)
        return phone

    def clean_referral_code(self) -> str:
        code = self.cleaned_data.get("referral_code", "")
        if not code.strip():
            return ""
        self.referrer = referrer_by_code(code=code)
        if self.referrer is None:
            raise ValidationError(
                _("We don't know this referral code. Check it, or leave it empty."),
                code="unknown_referral_code",
            )
        return self.referrer.referral_code

    def try_save(self, request):
        # Signing up again with a number that already has a membership makes allauth text it
        # once more, and its per-number limit ("verify_phone") then raises instead of
        # answering: show the "too many requests" page, not a server error.
        try:
            return super().try_save(request)
        except RateLimited:
            return None, respond_429(request)

    def clean(self) -> dict:
        cleaned_data = super().clean()
        phone_given = bool(cleaned_data.get("phone")) or bool(self.errors.get("phone"))
        email_given = bool(cleaned_data.get("email")) or bool(self.errors.get("email"))
        if not phone_given and not email_given:
            raise ValidationError(
                _("Enter a mobile number or an email address: we send your login codes there."),
                code="phone_or_email",
            )
        if self.referrer is not None and not phone_given:
            # A referral is tied to a mobile number (one referral per number, ever).
            self.add_error(
                "referral_code",
                ValidationError(
                    _(
                        "Referral codes work with a mobile number: enter yours, or leave the "
                        "code empty."
                    ),
                    code="referral_needs_phone",
                ),
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

    def clean(self):
        login = self.cleaned_data.get("login", "")
        if self._method() == LOGIN_BY_CODE and login and "@" not in login:
            # Before allauth's own checks, which would count the request against the number.
            _refuse_while_sms_paused(SMS_PAUSED_LOGIN)
        return super().clean()


class PortalRequestLoginCodeForm(RequestLoginCodeForm):
    """allauth's "send me a code" page, which accepted an empty form and then crashed."""

    def clean(self):
        cleaned_data = super().clean()
        if self.errors:
            return cleaned_data
        if not cleaned_data.get("phone") and not cleaned_data.get("email"):
            raise ValidationError(
                _("Enter your mobile number or your email: we send the code there."),
                code="required",
            )
        return cleaned_data

    def clean_phone(self) -> str:
        if self.cleaned_data.get("phone"):
            # Before allauth's own checks, which would count the request against the number.
            _refuse_while_sms_paused(SMS_PAUSED_LOGIN)
        return super().clean_phone()


class PortalChangePhoneForm(ChangePhoneForm):
    def clean_phone(self) -> str:
        phone = super().clean_phone()
        check_signup_country(phone)
        _refuse_while_sms_paused(SMS_PAUSED_PHONE)
        return phone


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
