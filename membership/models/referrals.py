"""Who brought whom: one row per member who signed up with another member's referral code."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Referral(models.Model):
    # Both sides are kept as NULL when an account is closed: the row (and its phone hash) stays,
    # so a phone number is referred once, ever, and counts stay right for the other side.
    referrer = models.ForeignKey(
        "membership.Member",
        verbose_name=_("referred by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="referrals_made",
    )
    referred = models.OneToOneField(
        "membership.Member",
        verbose_name=_("new member"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="referral",
    )
    # A keyed hash of the new member's mobile number (E.164), never the number itself.
    phone_hash = models.CharField(_("phone number hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)
    # Set once, by the new member's first completed order (membership.services.orders).
    qualified_at = models.DateTimeField(_("qualified"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["referrer", "qualified_at"], name="referral_by_referrer")]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id}"
