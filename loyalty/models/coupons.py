"""Coupons: owner-defined templates, single-use coupons issued to members."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from membership.models.append_only import AppendOnlyModel
from membership.models.tiers import BilingualNameMixin


class CouponTemplate(BilingualNameMixin):
    amount_off = models.DecimalField(
        _("amount off"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    min_spend = models.DecimalField(
        _("minimum order total"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    valid_days = models.PositiveIntegerField(
        _("valid for (days)"), default=30, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name_zh"),
        FieldPanel("name_en"),
        FieldPanel("amount_off"),
        FieldPanel("min_spend"),
        FieldPanel("valid_days"),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["name_zh", "id"]
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_off__gt=0), name="coupon_template_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_spend__gte=0), name="coupon_template_min_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(valid_days__gte=1), name="coupon_template_valid_days_positive"
            ),
        ]


class MemberCoupon(models.Model):
    """A single-use coupon held by a member. Terms are copied from the template when issued."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        REDEEMED = "redeemed", _("Used")

    member = models.ForeignKey(
        "membership.Member", on_delete=models.PROTECT, related_name="coupons"
    )
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="issued")
    amount_off = models.DecimalField(_("amount off"), max_digits=10, decimal_places=2)
    min_spend = models.DecimalField(_("minimum order total"), max_digits=10, decimal_places=2)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    idempotency_key = models.CharField(_("idempotency key"), max_length=160, unique=True)
    source_type = models.CharField(_("source type"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=120, blank=True)

    class Meta:
        ordering = ["valid_until", "id"]
        verbose_name = _("member coupon")
        verbose_name_plural = _("member coupons")
        indexes = [models.Index(fields=["member", "status", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_off__gt=0), name="member_coupon_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_spend__gte=0), name="member_coupon_min_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.template)


class CouponEvent(AppendOnlyModel):
    """Append-only history of a coupon: issued, redeemed, released (on a refund)."""

    class Kind(models.TextChoices):
        ISSUE = "issue", _("Issued")
        REDEEM = "redeem", _("Used")
        RELEASE = "release", _("Given back")

    coupon = models.ForeignKey(MemberCoupon, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    order_total = models.DecimalField(
        _("order total"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    discount = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals"
    )
    source_type = models.CharField(_("source type"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=120, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=160, unique=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("coupon event")
        verbose_name_plural = _("coupon events")
        constraints = [
            # A redemption is released at most once.
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="coupon_release_once"
            ),
        ]
