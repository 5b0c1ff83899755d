from decimal import Decimal

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.models import ClusterableModel

from membership.member_pages import shop_pages_changed

# What the shop's active stores offer (pickup, delivery, appointments), for the member's
# dashboard on every visit; forgotten whenever a store is saved or deleted.
VISITS_OFFERED_CACHE_KEY = "membership:visits-offered:v1"


def visits_offered_forget() -> None:
    shop_pages_changed()
    cache.delete(VISITS_OFFERED_CACHE_KEY)
    # Again after commit: a page may have cached the old answer while the change was open.
    transaction.on_commit(lambda: cache.delete(VISITS_OFFERED_CACHE_KEY))


class Store(ClusterableModel):
    """One shop of the business. Members belong to the business and are served at any store.

    Its booking settings live here too (one row, edited on one page in /cms/); the weekly slot
    template, closed dates and service zones are its inline rows (membership.models.slots).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    service_radius_km = models.DecimalField(
        _("service radius (km)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Garment orders: the due date the counter proposes at intake.
    turnaround_days = models.PositiveSmallIntegerField(
        _("days to clean an order"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_("The due date proposed when clothes are taken in."),
    )
    express_turnaround_days = models.PositiveSmallIntegerField(
        _("days to clean an express order"),
        default=1,
        validators=[MaxValueValidator(60)],
        help_text=_("0 means the same day."),
    )
    # Bookings
    offers_pickup = models.BooleanField(_("offers pickup"), default=True)
    offers_delivery = models.BooleanField(_("offers delivery"), default=True)
    offers_appointments = models.BooleanField(
        _("offers in-store appointments"),
        default=False,
        help_text=_("Salons and beauty shops: members book a time at the store."),
    )
    appointment_services = models.ManyToManyField(
        "membership.ServiceCategory",
        verbose_name=_("services by appointment"),
        blank=True,
        related_name="appointment_stores",
        help_text=_("What members can book an appointment for at this store."),
    )
    booking_cutoff_minutes = models.PositiveIntegerField(
        _("booking cut-off (minutes before the slot)"),
        default=120,
        validators=[MaxValueValidator(60 * 24 * 14)],
        help_text=_(
            "Members book at least this long before a slot starts. Tiers with a pickup response "
            "window may book slots starting within their window even so."
        ),
    )
    change_cutoff_minutes = models.PositiveIntegerField(
        _("cancel and reschedule cut-off (minutes before the slot)"),
        default=120,
        validators=[MaxValueValidator(60 * 24 * 14)],
        help_text=_("Members may cancel or move a booking until this long before its slot."),
    )
    booking_days_ahead = models.PositiveSmallIntegerField(
        _("bookable days ahead"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("How many days ahead members can see and book slots."),
    )
    express_offered = models.BooleanField(_("offers express"), default=False)
    express_surcharge = models.DecimalField(
        _("express surcharge"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Added to the order when a member asks for express."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        constraints = [
            models.CheckConstraint(
                condition=Q(service_radius_km__gte=0), name="store_radius_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="store_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="store_longitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(express_surcharge__gte=0), name="store_express_surcharge_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(booking_days_ahead__gte=1, booking_days_ahead__lte=90),
                name="store_booking_days_ahead_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        visits_offered_forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        visits_offered_forget()
        return result
