from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Booking(models.Model):
    """A pickup or delivery at the member's address, or an in-store appointment for a service
    (with the staff member whose slot it is in), in one slot of a store.

    A return delivery booked with a pickup is its own row (kind delivery, `return_for` the
    pickup): each visit has its own slot, status and driver. Bookings made before slots
    existed (or entered by staff without one) have no `slot`.
    """

    class Kind(models.TextChoices):
        PICKUP = "pickup", _("Pickup")
        DELIVERY = "delivery", _("Delivery")
        APPOINTMENT = "appointment", _("In-store appointment")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        ON_THE_WAY = "on_the_way", _("On the way")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    class Recurrence(models.IntegerChoices):
        NONE = 0, _("Just once")
        WEEKLY = 1, _("Every week")
        FORTNIGHTLY = 2, _("Every 2 weeks")
        FOUR_WEEKLY = 4, _("Every 4 weeks")

    OPEN_STATUSES = (Status.REQUESTED, Status.CONFIRMED, Status.ON_THE_WAY)
    # The member may still cancel or move these (before the store's cut-off).
    CHANGEABLE_STATUSES = (Status.REQUESTED, Status.CONFIRMED)

    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="bookings"
    )
    store = models.ForeignKey("membership.Store", on_delete=models.PROTECT, related_name="bookings")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    slot = models.ForeignKey(
        "membership.Slot",
        verbose_name=_("slot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    slot_start = models.DateTimeField(_("slot start"))
    slot_end = models.DateTimeField(_("slot end"))
    return_for = models.OneToOneField(
        "self",
        verbose_name=_("return delivery of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="return_delivery",
    )
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    note = models.TextField(_("note"), max_length=500, blank=True)
    is_express = models.BooleanField(_("express"), default=False)
    # The store's surcharge when booked: a later price change does not touch this booking.
    express_surcharge = models.DecimalField(
        _("express surcharge"), max_digits=8, decimal_places=2, default=0
    )
    # Booked inside the tier's pickup response window: the shop promised to come by then.
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    recurrence_weeks = models.PositiveSmallIntegerField(
        _("repeats"), choices=Recurrence.choices, default=Recurrence.NONE
    )
    series = models.UUIDField(_("series"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # In-store appointments: the service booked, and whether the member asked for the staff
    # member of the slot (or took anyone free).
    service = models.ForeignKey(
        "membership.ServiceCategory",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    staff_requested = models.BooleanField(_("staff member asked for"), default=False)
    # The staff board's: who drives, and why a visit was missed.
    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("driver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="driver_bookings",
    )
    missed_reason = models.CharField(_("why it was missed"), max_length=255, blank=True)
    # The garment order this visit brings to the shop (a pickup) or takes back (a delivery).
    order = models.ForeignKey(
        "membership.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )

    class Meta:
        ordering = ["slot_start", "id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["member", "status", "slot_start"]),
            models.Index(fields=["store", "slot_start"], name="booking_store_start"),
            models.Index(fields=["series"], name="booking_series"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_end__gt=models.F("slot_start")), name="booking_slot_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(kind="appointment") | Q(service__isnull=False),
                name="booking_appointment_has_service",
            ),
            models.CheckConstraint(
                condition=Q(recurrence_weeks__in=[0, 1, 2, 4]), name="booking_recurrence_weeks"
            ),
            models.CheckConstraint(
                condition=Q(express_surcharge__gte=0), name="booking_surcharge_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="booking_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="booking_longitude_in_range",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
