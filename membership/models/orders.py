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
    """An order rung up at a store. Money moves only through the loyalty ledger.

    Two things about an order move on their own:

    - ``status`` is the money: UNPAID (clothes taken in, to be paid on collection: nothing
      settled yet, the lines carry the prices and every sum is 0), COMPLETED (paid: points,
      tier spend and rules count it), REFUNDED or VOIDED. Only a COMPLETED order counts.
    - ``stage`` is the clothes: RECEIVED, CLEANING, READY, then COLLECTED at the counter or
      DELIVERED. An instant counter sale is born COLLECTED and paid.

    ``created_at`` is when the order took effect for the books: when it was paid and
    completed (the intake time while it is unpaid; moved to the payment time when it is
    settled on collection), so spend, visits, points and events all date it alike.
    ``received_at`` is when the clothes were taken in (None for an instant sale).
    """

    class Status(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        COMPLETED = "completed", _("Completed")
        REFUNDED = "refunded", _("Refunded")
        VOIDED = "voided", _("Voided")

    class Stage(models.TextChoices):
        RECEIVED = "received", _("Received")
        CLEANING = "cleaning", _("Cleaning")
        READY = "ready", _("Ready for pickup")
        COLLECTED = "collected", _("Collected")
        DELIVERED = "delivered", _("Delivered")

    class PaymentTiming(models.TextChoices):
        ON_RECEIPT = "on_receipt", _("Paid when taken in")
        ON_COLLECTION = "on_collection", _("Paid on collection")

    # The clothes are still at the shop.
    OPEN_STAGES = (Stage.RECEIVED, Stage.CLEANING, Stage.READY)
    # Handed back to the member.
    HANDED_OVER_STAGES = (Stage.COLLECTED, Stage.DELIVERED)
    # Statuses of an order still being worked on (a refunded or voided one is not).
    LIVE_STATUSES = (Status.UNPAID, Status.COMPLETED)

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
    # The garment order's life (an instant counter sale is COLLECTED from the start).
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.COLLECTED
    )
    payment_timing = models.CharField(
        _("payment"),
        max_length=16,
        choices=PaymentTiming.choices,
        default=PaymentTiming.ON_RECEIPT,
    )
    received_at = models.DateTimeField(_("taken in"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready since"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("collected/delivered at"), null=True, blank=True)
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
        indexes = [
            models.Index(fields=["member", "-created_at"]),
            # A store's garment orders still at the shop (the counter's list), by due date.
            models.Index(
                fields=["store", "due_at"],
                condition=Q(stage__in=["received", "cleaning", "ready"]),
                name="order_open_by_store",
            ),
        ]
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
            # Taken in to be paid on collection: nothing is settled yet (the lines carry the
            # prices), and the clothes cannot leave the shop unpaid.
            models.CheckConstraint(
                condition=~Q(status="unpaid")
                | Q(
                    subtotal=0,
                    total=0,
                    discount=0,
                    points_earned=0,
                    points_redeemed=0,
                    package_uses=0,
                    stage__in=["received", "cleaning", "ready"],
                ),
                name="order_unpaid_settles_nothing",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_cancelled(self) -> bool:
        return self.status in (self.Status.REFUNDED, self.Status.VOIDED)

    @property
    def is_unpaid(self) -> bool:
        return self.status == self.Status.UNPAID

    @property
    def is_open(self) -> bool:
        """The clothes are still at the shop and the order is live (not refunded/voided)."""
        return self.stage in self.OPEN_STAGES and self.status in self.LIVE_STATUSES

    @property
    def is_garment(self) -> bool:
        """Clothes were taken in (not an instant counter sale)."""
        return self.received_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def lines_total(self) -> Decimal:
        """What the lines add up to (an unpaid order's subtotal is 0 until it is settled).
        Reads the prefetched lines."""
        return sum((line.amount for line in self.lines.all()), Decimal("0.00"))


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # What staff noted about the item at intake: a stain, a missing button, damage.
    note = models.CharField(_("note"), max_length=255, blank=True)

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
