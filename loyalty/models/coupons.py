"""Coupons: owner-defined templates, coupons issued to members (single- or multi-use), and
each coupon's history. Whether a coupon applies and what it takes off: loyalty.engine.coupons."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from membership.models.append_only import AppendOnlyModel
from membership.models.tiers import BilingualNameMixin


class CouponValueType(models.TextChoices):
    """What a coupon takes off (decided by loyalty.engine.coupons)."""

    FIXED = "fixed", _("Fixed amount off")
    PERCENT = "percent", _("Percent off, up to a cap")
    FREE_ITEM = "free_item", _("One free item of a service")


# The rules the database holds for a coupon's terms, shared by templates and issued coupons.
def _terms_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(amount_off__isnull=True) | Q(amount_off__gt=0),
            name=f"{prefix}_amount_positive",
        ),
        models.CheckConstraint(condition=Q(min_spend__gte=0), name=f"{prefix}_min_not_negative"),
        models.CheckConstraint(
            condition=(
                Q(value_type=CouponValueType.FIXED, amount_off__isnull=False)
                & Q(percent_off__isnull=True, max_discount__isnull=True)
                & Q(free_category__isnull=True)
            )
            | (
                Q(value_type=CouponValueType.PERCENT, amount_off__isnull=True)
                & Q(percent_off__isnull=False, percent_off__gt=0, percent_off__lte=100)
                & Q(max_discount__isnull=False)
                & Q(free_category__isnull=True)
            )
            | (
                Q(value_type=CouponValueType.FREE_ITEM, amount_off__isnull=True)
                & Q(percent_off__isnull=True, free_category__isnull=False)
                & Q(scope_category__isnull=True)
            ),
            name=f"{prefix}_value_matches_type",
        ),
        models.CheckConstraint(
            condition=Q(max_discount__isnull=True) | Q(max_discount__gt=0),
            name=f"{prefix}_cap_positive",
        ),
        models.CheckConstraint(
            condition=Q(per_member_limit__isnull=True) | Q(per_member_limit__gte=1),
            name=f"{prefix}_member_limit_positive",
        ),
    ]


class CouponTermsFields(models.Model):
    """What a coupon takes off and on what: kept by the template and copied to each coupon."""

    value_type = models.CharField(
        _("value"), max_length=10, choices=CouponValueType.choices, default=CouponValueType.FIXED
    )
    amount_off = models.DecimalField(
        _("amount off"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("For a fixed amount off."),
    )
    percent_off = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("For a percent off, e.g. 20 for 20%."),
    )
    max_discount = models.DecimalField(
        _("at most (cap)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The most a percent (or free-item) coupon takes off one order."),
    )
    free_category = models.ForeignKey(
        "membership.ServiceCategory",
        verbose_name=_("free item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a free item: one item of this service is free, e.g. a single shirt."),
    )
    scope_category = models.ForeignKey(
        "membership.ServiceCategory",
        verbose_name=_("only on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Leave empty for the whole order. Otherwise the minimum and the discount count "
            "only the items of this service."
        ),
    )
    min_spend = models.DecimalField(
        _("minimum order total"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    per_member_limit = models.PositiveIntegerField(
        _("uses per member"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "How many times one member may use coupons of this kind in all; empty for no limit."
        ),
    )

    class Meta:
        abstract = True

    def clean_terms(self) -> None:
        """Clear messages for the owner (the database refuses the same with its constraints)."""
        errors = {}
        kind = self.value_type
        if kind == CouponValueType.FIXED:
            if self.amount_off is None:
                errors["amount_off"] = _("Enter the amount this coupon takes off.")
            if self.percent_off is not None:
                errors["percent_off"] = _("A fixed-amount coupon has no percent; clear it.")
            if self.free_category_id is not None:
                errors["free_category"] = _("A fixed-amount coupon has no free item; clear it.")
            if self.max_discount is not None:
                errors["max_discount"] = _("A fixed-amount coupon needs no cap; clear it.")
        elif kind == CouponValueType.PERCENT:
            if self.percent_off is None:
                errors["percent_off"] = _("Enter the percent this coupon takes off.")
            if self.max_discount is None:
                errors["max_discount"] = _(
                    "A percent coupon needs a cap: the most it takes off one order."
                )
            if self.amount_off is not None:
                errors["amount_off"] = _("A percent coupon has no fixed amount; clear it.")
            if self.free_category_id is not None:
                errors["free_category"] = _("A percent coupon has no free item; clear it.")
        elif kind == CouponValueType.FREE_ITEM:
            if self.free_category_id is None:
                errors["free_category"] = _("Choose the service that is free.")
            if self.amount_off is not None:
                errors["amount_off"] = _("A free-item coupon has no fixed amount; clear it.")
            if self.percent_off is not None:
                errors["percent_off"] = _("A free-item coupon has no percent; clear it.")
            if self.scope_category_id is not None:
                errors["scope_category"] = _(
                    "A free-item coupon already names its service; leave this empty."
                )
        if errors:
            raise ValidationError(errors)


class CouponTemplate(BilingualNameMixin, CouponTermsFields):
    valid_days = models.PositiveIntegerField(
        _("valid for (days)"),
        default=30,
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Counted from the day the coupon is given. Leave empty to use fixed dates."),
    )
    starts_on = models.DateField(
        _("usable from"),
        null=True,
        blank=True,
        help_text=_("Fixed dates: the first day (empty: from the day it is given)."),
    )
    ends_on = models.DateField(
        _("usable until"), null=True, blank=True, help_text=_("Fixed dates: the last day.")
    )
    uses_per_coupon = models.PositiveIntegerField(
        _("uses per coupon"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("1 for a single-use coupon."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("name_zh"),
        FieldPanel("name_en"),
        FieldPanel("value_type"),
        FieldPanel("amount_off"),
        FieldPanel("percent_off"),
        FieldPanel("max_discount"),
        FieldPanel("free_category"),
        FieldPanel("scope_category"),
        FieldPanel("min_spend"),
        FieldPanel("valid_days"),
        FieldPanel("starts_on"),
        FieldPanel("ends_on"),
        FieldPanel("uses_per_coupon"),
        FieldPanel("per_member_limit"),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["name_zh", "id"]
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")
        constraints = [
            *_terms_constraints("coupon_template"),
            models.CheckConstraint(
                condition=(
                    # NULL >= 1 is not false in SQL: say "not null" where it matters.
                    Q(valid_days__isnull=False, valid_days__gte=1)
                    & Q(starts_on__isnull=True, ends_on__isnull=True)
                    | (
                        Q(valid_days__isnull=True, ends_on__isnull=False)
                        & (Q(starts_on__isnull=True) | Q(starts_on__lte=F("ends_on")))
                    )
                ),
                name="coupon_template_validity",
            ),
            models.CheckConstraint(
                condition=Q(uses_per_coupon__gte=1), name="coupon_template_uses_positive"
            ),
        ]

    def clean(self):
        super().clean()
        errors = {}
        try:
            self.clean_terms()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.ends_on is None:
            if self.valid_days is None:
                errors["valid_days"] = _(
                    "Enter how many days the coupon is valid, or fixed dates (at least the last day)."
                )
            elif self.starts_on is not None:
                errors["ends_on"] = _("Fixed dates need the last day too.")
        else:
            if self.valid_days is not None:
                errors["valid_days"] = _(
                    "Choose one: a number of days or fixed dates. Clear the days to use the dates."
                )
            if self.starts_on is not None and self.starts_on > self.ends_on:
                errors["ends_on"] = _("The last day cannot be before the first day.")
        if errors:
            raise ValidationError(errors)


class MemberCoupon(CouponTermsFields):
    """A coupon held by a member. Its terms are copied from the template when issued (later
    edits to the template do not change it); ``uses_left`` counts down on each use."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        REDEEMED = "redeemed", _("Used")

    member = models.ForeignKey(
        "membership.Member", on_delete=models.PROTECT, related_name="coupons"
    )
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="issued")
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"))
    uses_total = models.PositiveIntegerField(_("uses"), default=1)
    uses_left = models.PositiveIntegerField(_("uses left"), default=1)
    face_value = models.DecimalField(
        _("worth up to"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
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
            *_terms_constraints("member_coupon"),
            models.CheckConstraint(
                condition=Q(uses_total__gte=1, uses_left__gte=0, uses_left__lte=F("uses_total")),
                name="member_coupon_uses_in_range",
            ),
            # Used up exactly when no use is left.
            models.CheckConstraint(
                condition=Q(status="available", uses_left__gt=0)
                | Q(status="redeemed", uses_left=0),
                name="member_coupon_status_matches_uses",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="member_coupon_window"
            ),
        ]

    def __str__(self) -> str:
        return str(self.template)

    @property
    def last_day(self):
        """The last day it can be used, on the shop's calendar (``valid_until`` is exclusive)."""
        return timezone.localdate(self.valid_until - timedelta(microseconds=1))


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
