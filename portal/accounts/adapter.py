"""allauth adapter: phone numbers live on our User, codes go out through the SMS backend."""

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.utils.translation import gettext as _

from membership.models import User
from membership.services.members import member_create
from membership.sms import send_sms


class PortalAccountAdapter(DefaultAccountAdapter):
    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        body = _("Your verification code is %(code)s. It expires in a few minutes.") % {
            "code": code
        }
        transaction.on_commit(lambda: send_sms(phone, body))

    def get_phone(self, user) -> tuple[str, bool] | None:
        if user.phone:
            return str(user.phone), user.phone_verified
        return None

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def set_phone_verified(self, user, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str):
        return User.objects.filter(phone=phone).order_by("-phone_verified", "pk").first()

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            member_create(user=user)
        return user
