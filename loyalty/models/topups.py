"""Top-up bonus rules and online (Stripe Checkout) top-ups."""

import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from .ledger import WalletEntry


class TopUpBonusRule(models.Model):
    """Top up at least `min_amount`, get `bonus_amount` extra and/or a package.

    When several rules match, the one with the highest threshold applies.
    """

    name = models.CharField(_("name"), max_length=80)
    min_amount = models.DecimalField(
        _("top-up of at least"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    bonus_amount = models.DecimalField(
        _("bonus money"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    package = models.ForeignKey(
        "loyalty.Package",
        verbose_name=_("bonus package"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("min_amount"),
        FieldPanel("bonus_amount"),
        FieldPanel("package"),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["min_amount", "id"]
        verbose_name = _("top-up bonus")
        verbose_name_plural = _("top-up bonuses")
        constraints = [
            models.CheckConstraint(condition=Q(min_amount__gt=0), name="bonus_rule_min_positive"),
            models.CheckConstraint(
                condition=Q(bonus_amount__gte=0), name="bonus_rule_bonus_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OnlineTopUp(models.Model):
    """One Stripe Checkout session for a top-up; credited at most once."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        OPEN = "open", _("Waiting for payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(
        "membership.Member", on_delete=models.PROTECT, related_name="online_top_ups"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CREATED
    )
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    wallet_entry = models.OneToOneField(
        WalletEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="online_top_up"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("online top-up")
        verbose_name_plural = _("online top-ups")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="online_top_up_amount_positive")
        ]


class StripeEvent(models.Model):
    """Every verified webhook event, by Stripe's id (a redelivery is recognised)."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=80)
    session_id = models.CharField(max_length=255, blank=True, db_index=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    outcome = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
