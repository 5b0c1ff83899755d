"""allauth adapter: phone numbers live on our User, codes go out through the SMS backend.

allauth's phone support needs all five phone methods below; the default adapter passes
`manage.py check` and fails at the first code request.
"""

import hashlib
import logging

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from membership import ratelimit
from membership.models import User
from membership.services.members import member_create
from membership.services.referrals import referral_code_ensure, referral_record
from membership.sms import masked_for_log

from .fields import E164PhoneField, normalize_phone
from .forms import REFERRAL_SESSION_KEY
from .tasks import sms_deliver

logger = logging.getLogger(__name__)

# "This number already has a membership" goes to a real member; anyone can trigger it by
# signing up with their number, so it is sent at most once an hour per number.
ACCOUNT_EXISTS_NOTICE_RATE = [ratelimit.Rate(amount=1, seconds=3600)]


def _send_sms_after_commit(phone: str, body: str) -> None:
    to = normalize_phone(phone) or phone
    transaction.on_commit(lambda: sms_deliver.enqueue(to=to, body=body))


class PortalAccountAdapter(DefaultAccountAdapter):
    # --- phone numbers -------------------------------------------------------------------
    def phone_form_field(self, **kwargs):
        return E164PhoneField(**kwargs)

    def get_phone(self, user) -> tuple[str, bool] | None:
        if user.phone:
            return str(user.phone), user.phone_verified
        return None

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = normalize_phone(phone) or phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def set_phone_verified(self, user, phone: str) -> None:
        # allauth calls this once the code sent to `phone` was entered, also at the end of a
        # phone change: only then does the new number replace the old one.
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str):
        e164 = normalize_phone(phone)
        if e164 is None:
            return None
        return User.objects.filter(phone=e164).first()

    # --- text messages -------------------------------------------------------------------
    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        body = _("Your verification code is %(code)s. It expires in a few minutes.") % {
            "code": code
        }
        _send_sms_after_commit(phone, body)

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        # Enumeration prevention keeps the page identical; the text is not sent at all. A
        # number without an account is exactly what SMS pumping uses (premium and far-away
        # numbers), and paying to tell a stranger "no membership" helps nobody.
        logger.info("No text to %s: no account has this number", masked_for_log(phone))

    def send_account_already_exists_sms(self, phone: str) -> None:
        if self.get_user_by_phone(phone) is None:  # only ever text a member
            return
        key = hashlib.sha256((normalize_phone(phone) or phone).encode()).hexdigest()[:32]
        if not ratelimit.take(f"sms-exists:{key}", ACCOUNT_EXISTS_NOTICE_RATE):
            return
        body = _(
            "Someone tried to sign up with this number, which already has a membership. "
            "Log in with a code instead."
        )
        _send_sms_after_commit(phone, body)

    # --- sign-up -------------------------------------------------------------------------
    def save_user(self, request, user, form, commit=True):
        # The login and its member archive are created together or not at all.
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                member = member_create(
                    user=user,
                    name=form.cleaned_data.get("name", ""),
                    accepted_terms=bool(form.cleaned_data.get("accept_terms")),
                )
                referral_code_ensure(member=member)
                self._record_referral(request, member=member, form=form)
        return user

    def _record_referral(self, request, *, member, form) -> None:
        """Link the new member to whoever referred them. A referral refused (their own code,
        a number referred before) does not stop the sign-up: the membership is made without
        it and the member is told why on the next page."""
        referrer = getattr(form, "referrer", None)
        if request is not None and hasattr(request, "session"):
            request.session.pop(REFERRAL_SESSION_KEY, None)
        if referrer is None:
            return
        try:
            referral_record(referrer=referrer, referred=member, phone=member.user.phone or "")
        except ValidationError as refused:
            if request is not None:
                messages.warning(request, refused.messages[0])


def user_display(user) -> str:
    """How allauth names a login in its messages ("Logged in as ..."): never the generated
    username, which means nothing to the member."""
    if getattr(user, "phone", None):
        return user.phone.as_international
    return user.email or user.get_username()
