from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tiers import BilingualNameMixin


class ServiceCategory(BilingualNameMixin):
    """What a shop cleans or serves: suits, down jackets, curtains, luxury bags..."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    default_price = models.DecimalField(
        _("default price"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_price__gte=0), name="service_category_price_not_negative"
            )
        ]


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
    # How the order was settled. discount = coupon + package + tier discount, and
    # total (what the member paid) = stored value + cash + card + points.
    coupon_discount = models.DecimalField(
        _("coupon discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    coupon_label = models.CharField(_("coupon"), max_length=160, blank=True)
    package_discount = models.DecimalField(
        _("covered by package"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    package_label = models.CharField(_("package"), max_length=160, blank=True)
    package_uses = models.PositiveSmallIntegerField(_("package uses"), default=0)
    tier_discount_percent = models.DecimalField(
        _("tier discount on stored value (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
    )
    tier_discount = models.DecimalField(
        _("tier discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    wallet_amount = models.DecimalField(
        _("paid from stored value"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    cash_amount = models.DecimalField(
        _("paid in cash"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    card_amount = models.DecimalField(
        _("paid by card"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    points_earned = models.PositiveIntegerField(_("points earned"), default=0)
    # Points spent as payment, and the money they covered (part of the total).
    points_redeemed = models.PositiveIntegerField(_("points used as payment"), default=0)
    points_amount = models.DecimalField(
        _("paid with points"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    # A double-submitted checkout form carries the same key and records one order.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=160, null=True, blank=True, unique=True
    )
    # Refund or void: who, when, why.
    cancelled_at = models.DateTimeField(_("refunded/voided at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("refunded/voided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancel_reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["member", "-created_at"])]
        # The sums are rounded to cents: SQLite keeps decimals as floating point, where
        # 1.02 + 9.19 is not 10.21 (PostgreSQL's numeric is exact either way).
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    coupon_discount__gte=0,
                    package_discount__gte=0,
                    tier_discount__gte=0,
                    wallet_amount__gte=0,
                    cash_amount__gte=0,
                    card_amount__gte=0,
                    points_amount__gte=0,
                    points_redeemed__gte=0,
                ),
                name="order_settlement_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    total=Round(
                        F("wallet_amount")
                        + F("cash_amount")
                        + F("card_amount")
                        + F("points_amount"),
                        2,
                    )
                ),
                name="order_total_is_sum_of_payments",
            ),
            models.CheckConstraint(
                condition=Q(subtotal=Round(F("discount") + F("total"), 2)),
                name="order_subtotal_is_discount_plus_total",
            ),
            models.CheckConstraint(
                condition=Q(
                    discount=Round(
                        F("coupon_discount") + F("package_discount") + F("tier_discount"), 2
                    )
                ),
                name="order_discount_is_sum_of_discounts",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0), name="order_subtotal_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0), name="order_discount_not_negative"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(points_amount=0) | Q(points_redeemed__gt=0),
                name="order_points_amount_needs_points",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_cancelled(self) -> bool:
        return self.status != self.Status.COMPLETED


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
