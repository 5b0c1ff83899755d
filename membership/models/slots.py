"""Booking slots per store: the owner's weekly template, closed dates and named service zones
(edited inline on the store in /cms/), and the concrete `Slot` rows that hold capacity.

A `Slot` is created on demand, the first time someone books (store, kind, start[, staff]).
Its `booked` count is only ever changed by a conditional UPDATE under a row lock
(membership.services.bookings), and the database refuses `booked > capacity`, so no race can
overfill a slot. `staff` is empty for pickups and deliveries; in-store appointments use one
slot row per staff member.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey


class SlotKind(models.TextChoices):
    PICKUP = "pickup", _("Pickup")
    DELIVERY = "delivery", _("Delivery")
    APPOINTMENT = "appointment", _("In-store appointment")


class Weekday(models.IntegerChoices):  # date.weekday()
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SlotTemplate(models.Model):
    """One weekly slot of a store: every <weekday> at <start>, for <length> minutes."""

    store = ParentalKey("membership.Store", on_delete=models.CASCADE, related_name="slot_templates")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("starts at"), help_text=_("In the shop's time zone."))
    length_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"),
        default=120,
        validators=[MinValueValidator(15), MaxValueValidator(720)],
    )
    pickup_capacity = models.PositiveSmallIntegerField(
        _("pickups"), default=0, help_text=_("Pickups this slot can take. 0: no pickups.")
    )
    delivery_capacity = models.PositiveSmallIntegerField(
        _("deliveries"), default=0, help_text=_("Deliveries this slot can take. 0: none.")
    )
    appointment_capacity = models.PositiveSmallIntegerField(
        _("appointments per staff member"),
        default=0,
        help_text=_("In-store appointments each staff member can take in this slot. 0: none."),
    )
    held_back_percent = models.PositiveSmallIntegerField(
        _("held back for priority tiers (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "This share of the places (rounded) only members of tiers with priority booking "
            "can take, until the release time below."
        ),
    )
    release_minutes = models.PositiveIntegerField(
        _("release held-back places (minutes before)"),
        default=0,
        validators=[MaxValueValidator(60 * 24 * 14)],
        help_text=_(
            "From this many minutes before the slot, held-back places are open to everyone. "
            "0: held back until the slot starts."
        ),
    )

    class Meta:
        ordering = ["store", "weekday", "start_time"]
        verbose_name = _("slot template")
        verbose_name_plural = _("slot templates")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "weekday", "start_time"], name="slot_template_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=6), name="slot_template_weekday_in_week"
            ),
            models.CheckConstraint(
                condition=Q(length_minutes__gte=15, length_minutes__lte=720),
                name="slot_template_length_in_range",
            ),
            models.CheckConstraint(
                condition=Q(held_back_percent__lte=100), name="slot_template_held_back_is_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}"

    def capacity_for(self, kind: str) -> int:
        return {
            SlotKind.PICKUP: self.pickup_capacity,
            SlotKind.DELIVERY: self.delivery_capacity,
            SlotKind.APPOINTMENT: self.appointment_capacity,
        }.get(kind, 0)


class StoreClosedDate(models.Model):
    """A day the store takes no bookings (holidays, stocktaking)."""

    store = ParentalKey("membership.Store", on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["store", "date"]
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")
        constraints = [
            models.UniqueConstraint(fields=["store", "date"], name="store_closed_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"


class ServiceZone(models.Model):
    """A named area the store also serves (a district, a compound), as a centre and radius."""

    store = ParentalKey("membership.Store", on_delete=models.CASCADE, related_name="service_zones")
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    radius_km = models.DecimalField(
        _("radius (km)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.1"))],
    )

    class Meta:
        ordering = ["store", "name_zh"]
        verbose_name = _("service zone")
        verbose_name_plural = _("service zones")
        constraints = [
            models.CheckConstraint(condition=Q(radius_km__gt=0), name="service_zone_radius"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90), name="service_zone_latitude"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180), name="service_zone_longitude"
            ),
        ]

    @property
    def display_name(self) -> str:
        lang = (get_language() or "").lower()
        return self.name_en if lang.startswith("en") and self.name_en else self.name_zh

    def __str__(self) -> str:
        return self.display_name


class Slot(models.Model):
    """One bookable slot with its capacity. `held_back` places are for tiers with priority
    booking until `release_at`; `booked` counts the places taken (never more than capacity)."""

    store = models.ForeignKey("membership.Store", on_delete=models.PROTECT, related_name="slots")
    kind = models.CharField(_("kind"), max_length=12, choices=SlotKind.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slots",
    )
    template = models.ForeignKey(
        SlotTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    held_back = models.PositiveSmallIntegerField(_("held back for priority tiers"), default=0)
    release_at = models.DateTimeField(_("held-back places open to all at"))
    booked = models.PositiveIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["start", "kind", "id"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        indexes = [models.Index(fields=["store", "start"], name="slot_store_start")]
        constraints = [
            models.CheckConstraint(condition=Q(booked__gte=0), name="slot_booked_not_negative"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="slot_booked_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(held_back__lte=F("capacity")), name="slot_held_back_within_capacity"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_end_after_start"),
            # One row per (store, kind, start) for pickups and deliveries, and per staff member
            # for appointments (two partial constraints: NULLs never collide in a unique one).
            models.UniqueConstraint(
                fields=["store", "kind", "start"],
                condition=Q(staff__isnull=True),
                name="slot_unique_without_staff",
            ),
            models.UniqueConstraint(
                fields=["store", "kind", "start", "staff"],
                condition=Q(staff__isnull=False),
                name="slot_unique_per_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d %H:%M}"
