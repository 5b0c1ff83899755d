from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tiers import BilingualNameMixin


class ServiceCategory(BilingualNameMixin):
    """What a shop cleans or serves: suits, down jackets, curtains, luxury bags..."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    default_price = models.DecimalField(
        _("default price"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")


class Order(models.Model):
    """An order rung up at a store. Money moves only through the loyalty ledger."""

    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        REFUNDED = "refunded", _("Refunded")
        VOIDED = "voided", _("Voided")

    member = models.ForeignKey("membership.Member", on_delete=models.PROTECT, related_name="orders")
    store = models.ForeignKey("membership.Store", on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("order number"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.COMPLETED
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.PORTAL_CURRENCY)
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    is_express = models.BooleanField(_("express"), default=False)
    needs_pickup_delivery = models.BooleanField(_("pickup/delivery"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["member", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0), name="order_subtotal_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0), name="order_discount_not_negative"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="order_line_amount_not_negative"
            ),
        ]
