from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Booking(models.Model):
    """A pickup or delivery at the member's address. Slots and capacity come with bookings."""

    class Kind(models.TextChoices):
        PICKUP = "pickup", _("Pickup")
        DELIVERY = "delivery", _("Delivery")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        ON_THE_WAY = "on_the_way", _("On the way")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.REQUESTED, Status.CONFIRMED, Status.ON_THE_WAY)

    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="bookings"
    )
    store = models.ForeignKey("membership.Store", on_delete=models.PROTECT, related_name="bookings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    slot_start = models.DateTimeField(_("slot start"))
    slot_end = models.DateTimeField(_("slot end"))
    address = models.CharField(_("address"), max_length=255)
    is_express = models.BooleanField(_("express"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slot_start", "id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [models.Index(fields=["member", "status", "slot_start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_end__gt=models.F("slot_start")), name="booking_slot_ordered"
            )
        ]
