from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel


class BilingualNameMixin(models.Model):
    """Owner-entered names in both languages; the English one falls back to Chinese."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        lang = (get_language() or "").lower()
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def __str__(self) -> str:
        return self.display_name


class Tier(BilingualNameMixin, ClusterableModel):
    """A member tier configured by the owner: criteria to hold it and what it gives.

    Criteria are evaluated by the loyalty engine over a rolling window of months.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"),
        unique=True,
        help_text=_("Higher rank is a better tier. The lowest is the default."),
    )
    badge_color = models.CharField(_("badge colour"), max_length=7, default="#888888")
    target_share_percent = models.DecimalField(
        _("target share of members (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    # Criteria (rolling window)
    window_months = models.PositiveSmallIntegerField(_("window (months)"), default=12)
    min_spend = models.DecimalField(
        _("minimum spend in window"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    min_orders = models.PositiveIntegerField(_("minimum orders in window"), default=0)
    min_orders_per_recent_month = models.PositiveSmallIntegerField(
        _("minimum orders in each recent month"), default=0
    )
    recent_months = models.PositiveSmallIntegerField(_("recent months checked"), default=0)
    # Benefits with numbers that the engine uses
    stored_value_discount_percent = models.DecimalField(
        _("discount on stored-value payments (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    points_multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    pickup_response_hours = models.PositiveSmallIntegerField(
        _("pickup response window (hours)"), null=True, blank=True
    )

    class Meta:
        ordering = ["-rank"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")


class TierBenefit(models.Model):
    """A benefit shown to members of a tier (text; numeric benefits live on Tier and rules)."""

    tier = ParentalKey(Tier, on_delete=models.CASCADE, related_name="benefits")
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["tier", "sort_order", "id"]
        verbose_name = _("tier benefit")
        verbose_name_plural = _("tier benefits")

    @property
    def title(self) -> str:
        lang = (get_language() or "").lower()
        return self.title_en if lang.startswith("en") and self.title_en else self.title_zh

    def __str__(self) -> str:
        return self.title
