"""The member's inbox: notices the shop posts (stored-value changes, coupons, packages,
rewards, owner-written messages) and where each was delivered outside the app.

A message stores what happened (kind + data), not its words: the text is written at display
time in the reader's language (membership.message_words).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemberMessage(models.Model):
    class Kind(models.TextChoices):
        BALANCE_CHANGED = "balance_changed", _("Stored value changed")
        COUPON_ISSUED = "coupon_issued", _("Coupon received")
        POINTS_GRANTED = "points_granted", _("Points received")
        PACKAGE_GRANTED = "package_granted", _("Package received")
        ORDER_READY = "order_ready", _("Order ready")
        BOOKING_CHANGED = "booking_changed", _("Booking update")
        BOOKING_REMINDER = "booking_reminder", _("Booking reminder")
        REWARD = "reward", _("Reward")
        CUSTOM = "custom", _("Message from the shop")

    # Cascades when a member's account is closed: their messages go with them.
    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # What the words are written from: amounts as strings, source ids, owner-written texts.
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # The same notice is never posted twice (e.g. "wallet_entry:42").
    idempotency_key = models.CharField(_("request key"), max_length=200, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("member message")
        verbose_name_plural = _("member messages")
        indexes = [
            models.Index(fields=["member", "-created_at", "-id"], name="member_message_inbox"),
            models.Index(
                fields=["member", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="member_message_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.member_id})"

    @property
    def is_service_notice(self) -> bool:
        return self.kind in SERVICE_KINDS


# Notices about the member's own money and purchases: sent outside the app with the member's
# consent to service notices (Member.notify_by_*). Every other kind (coupons, points,
# rewards, owner-written messages) is marketing and needs Member.consent_marketing_*.
SERVICE_KINDS = frozenset(
    {
        MemberMessage.Kind.BALANCE_CHANGED,
        MemberMessage.Kind.PACKAGE_GRANTED,
        MemberMessage.Kind.ORDER_READY,
        MemberMessage.Kind.BOOKING_CHANGED,
        MemberMessage.Kind.BOOKING_REMINDER,
    }
)


class MessageDelivery(models.Model):
    """A message sent (or being sent) on one outside channel ("sms", "email", ...): the row
    is claimed before sending, so a task that runs twice sends once."""

    message = models.ForeignKey(MemberMessage, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=32)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message delivery")
        verbose_name_plural = _("message deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "channel"], name="message_delivered_once_per_channel"
            )
        ]
