"""Package sales: who bought which package, for how much, paid how (counter or online).

One row per sale. A counter or stored-value sale is written paid, in the transaction that
grants the package; an online sale starts as a pending row for a Stripe Checkout session
and is paid (and the package granted) only by the verified webhook. The row links to what
the sale wrote (the member package, the stored-value payment), so an owner can find a sale
and refund it later.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ledger import WalletEntry
from .packages import MemberPackage, Package


class PackageSale(models.Model):
    class PaidBy(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        STORED_VALUE = "stored_value", _("Stored value")
        ONLINE = "online", _("Online payment")

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        OPEN = "open", _("Waiting for payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(
        "membership.Member", on_delete=models.PROTECT, related_name="package_sales"
    )
    package = models.ForeignKey(
        Package, verbose_name=_("package"), on_delete=models.PROTECT, related_name="sales"
    )
    price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2)
    # What the member paid: the list price, less the tier's discount when paid from stored value.
    amount_paid = models.DecimalField(_("paid"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    paid_by = models.CharField(_("paid by"), max_length=16, choices=PaidBy.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CREATED
    )
    member_package = models.OneToOneField(
        MemberPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="sale"
    )
    wallet_entry = models.OneToOneField(
        WalletEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="package_sale"
    )
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Counter and stored-value sales: the form's key (a retry finds the sale it wrote).
    idempotency_key = models.CharField(max_length=160, unique=True, null=True, blank=True)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("package sale")
        verbose_name_plural = _("package sales")
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0) & Q(amount_paid__gte=0),
                name="package_sale_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__lte=models.F("price")),
                name="package_sale_paid_not_above_price",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(member_package__isnull=False),
                name="package_sale_paid_has_package",
            ),
        ]
        indexes = [models.Index(fields=["member", "-created_at"], name="package_sale_member")]

    def __str__(self) -> str:
        return f"{self.package_id} → {self.member_id} ({self.get_status_display()})"
