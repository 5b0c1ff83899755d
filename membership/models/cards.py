import base64
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_card_secret() -> str:
    # 160 bits, base32 as TOTP secrets usually are.
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


class MemberCard(models.Model):
    """The secret behind a member's rotating QR code. Replacing it invalidates every old code."""

    member = models.OneToOneField(
        "membership.Member", on_delete=models.CASCADE, related_name="card"
    )
    secret = models.CharField(_("secret"), max_length=64, default=new_card_secret)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("member card")
        verbose_name_plural = _("member cards")
