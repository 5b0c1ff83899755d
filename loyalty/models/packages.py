"""Prepaid service packages ("suit care month card: 4 cleanings + 2 pressings for 399").

The owner defines a Package with per-category counts. A member who buys one (or gets one
as a top-up bonus) holds a MemberPackage with one Entitlement per category; each
entitlement is a tiny ledger: a cached `remaining` and append-only EntitlementEntry rows.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel

from membership.models.tiers import BilingualNameMixin

from .ledger import LedgerEntryBase


class Package(BilingualNameMixin, ClusterableModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: never expires."),
    )
    is_active = models.BooleanField(_("on sale"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    panels = [
        FieldPanel("name_zh"),
        FieldPanel("name_en"),
        FieldPanel("code"),
        FieldPanel("price"),
        FieldPanel("validity_days"),
        FieldPanel("is_active"),
        FieldPanel("sort_order"),
        InlinePanel("items", label=_("Services included"), min_num=1),
    ]

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("prepaid package")
        verbose_name_plural = _("prepaid packages")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gte=1),
                name="package_validity_positive",
            ),
        ]


class PackageItem(models.Model):
    package = ParentalKey(Package, on_delete=models.CASCADE, related_name="items")
    category = models.ForeignKey(
        "membership.ServiceCategory",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity = models.PositiveIntegerField(_("count"), validators=[MinValueValidator(1)])

    panels = [FieldPanel("category"), FieldPanel("quantity")]

    class Meta:
        verbose_name = _("package service")
        verbose_name_plural = _("package services")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="package_item_quantity_positive"
            ),
            models.UniqueConstraint(fields=["package", "category"], name="package_item_unique"),
        ]


class MemberPackage(models.Model):
    member = models.ForeignKey(
        "membership.Member", on_delete=models.PROTECT, related_name="packages"
    )
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("since"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    source_type = models.CharField(_("source type"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=120, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=160, unique=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = _("member package")
        verbose_name_plural = _("member packages")


class Entitlement(models.Model):
    """How many of one service a member package still holds (the cached balance)."""

    member_package = models.ForeignKey(
        MemberPackage, on_delete=models.PROTECT, related_name="entitlements"
    )
    member = models.ForeignKey(
        "membership.Member", on_delete=models.PROTECT, related_name="entitlements"
    )
    category = models.ForeignKey(
        "membership.ServiceCategory", on_delete=models.PROTECT, related_name="+"
    )
    granted = models.PositiveIntegerField(_("granted"))
    remaining = models.IntegerField(_("left"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]
        verbose_name = _("package entitlement")
        verbose_name_plural = _("package entitlements")
        constraints = [
            models.CheckConstraint(condition=Q(remaining__gte=0), name="entitlement_not_negative"),
            models.CheckConstraint(
                condition=Q(remaining__lte=models.F("granted")),
                name="entitlement_not_above_granted",
            ),
            models.UniqueConstraint(
                fields=["member_package", "category"], name="entitlement_one_per_category"
            ),
        ]
        indexes = [models.Index(fields=["member", "category", "remaining"])]


class EntitlementEntry(LedgerEntryBase):
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="entries")
    amount = models.IntegerField(_("count"))
    balance_after = models.IntegerField(_("left after"))

    class Meta(LedgerEntryBase.Meta):
        verbose_name = _("package entitlement entry")
        verbose_name_plural = _("package entitlement entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entitlement_entry_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="entitlement_entry_not_negative"
            ),
        ]
