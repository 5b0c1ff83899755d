"""What happened to a member that the loyalty engine reacts to: the member's history and the
trigger bus of automatic rewards. Written by the service that makes the change, in the same
transaction; never changed afterwards."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .append_only import AppendOnlyModel


class MemberEvent(AppendOnlyModel):
    class Kind(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        ORDER_COMPLETED = "order_completed", _("Order completed")
        ORDER_REFUNDED = "order_refunded", _("Order refunded")
        ORDER_VOIDED = "order_voided", _("Order voided")
        TOPPED_UP = "topped_up", _("Stored value topped up")
        TIER_CHANGED = "tier_changed", _("Tier changed")
        BIRTHDAY_SET = "birthday_set", _("Birthday set")
        # A member someone referred completed their first order: the referrer's reward is due.
        REFERRAL_QUALIFIED = "referral_qualified", _("Referral qualified")
        PACKAGE_BOUGHT = "package_bought", _("Package bought")

    # Cascades when a member's account is closed: their history goes with them.
    member = models.ForeignKey("membership.Member", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what happened"), max_length=32, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    # What the event is about, e.g. ("order", "O2611…") or ("wallet_entry", "42").
    source_type = models.CharField(_("source type"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=120, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        indexes = [
            models.Index(fields=["kind", "occurred_at"], name="member_event_kind_since"),
            models.Index(fields=["member", "-occurred_at"], name="member_event_history"),
        ]
