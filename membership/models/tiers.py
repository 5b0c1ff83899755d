from decimal import Decimal

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from membership.member_pages import shop_pages_changed

# Where pages that explain tiers keep the tiers' rules; cleared whenever a tier changes.
TIER_RULES_CACHE_KEY = "loyalty:tier-rules:v2"


def tier_rules_forget() -> None:
    shop_pages_changed()
    cache.delete(TIER_RULES_CACHE_KEY)
    # Again after commit: a page may have cached the old rules while the change was open.
    transaction.on_commit(lambda: cache.delete(TIER_RULES_CACHE_KEY))


# Shown to members and written into the page's <style>: only #rrggbb may get there.
colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # followed by six hex digits, e.g. #2f6fb0.")
)


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
    badge_color = models.CharField(
        _("badge colour"), max_length=7, default="#888888", validators=[colour_validator]
    )
    target_share_percent = models.DecimalField(
        _("target share of members (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    repurchase_target_percent = models.DecimalField(
        _("repurchase target (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "Of the tier's members who bought in a month, the share who should buy again the "
            "next month (e.g. 90). The repurchase report flags a shortfall. Empty: no target."
        ),
    )
    # Criteria (rolling window)
    window_months = models.PositiveSmallIntegerField(
        _("window (months)"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Months are calendar months: the review on the 1st counts the whole months before "
            "it (12 on 1 April: April last year to March). Members see the same months."
        ),
    )
    min_spend = models.DecimalField(
        _("minimum spend in window"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_orders = models.PositiveIntegerField(_("minimum orders in window"), default=0)
    min_orders_per_recent_month = models.PositiveSmallIntegerField(
        _("minimum orders in each recent month"), default=0
    )
    recent_months = models.PositiveSmallIntegerField(_("recent months checked"), default=0)
    min_spend_per_recent_month = models.DecimalField(
        _("minimum spend in each recent month"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("E.g. 300 with 2 recent months: over ¥300 in each of the last 2 months."),
    )
    # How members move in and out (the monthly review; months are calendar months)
    promote_on_order = models.BooleanField(
        _("promote on the qualifying order"),
        default=False,
        help_text=_("Off: members enter this tier at the monthly review."),
    )
    demote_one_step = models.BooleanField(
        _("demote one tier at a time"),
        default=True,
        help_text=_("Off: a member who no longer qualifies drops straight to the tier earned."),
    )
    hold_months = models.PositiveSmallIntegerField(
        _("kept for at least (months)"),
        default=0,
        validators=[MaxValueValidator(60)],
        help_text=_("A member keeps this tier this many months from entry, whatever happens."),
    )
    grace_review = models.BooleanField(
        _("warn before demoting"),
        default=False,
        help_text=_("The first failed review only warns the member; the second demotes."),
    )
    frequency_drop_months = models.PositiveSmallIntegerField(
        _("visit drop: months compared"),
        default=0,
        validators=[MaxValueValidator(12)],
        help_text=_("N: orders in the last N months are compared with the N months before."),
    )
    frequency_drop_percent = models.PositiveSmallIntegerField(
        _("visit drop: demote at or below (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("E.g. 50: a member whose visits halved leaves this tier. 0: off."),
    )
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
        _("pickup response window (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=_(
            "E.g. 2: members of this tier may book a pickup slot that starts within 2 hours, "
            "past the store's booking cut-off, and see the earliest one first. Empty: none."
        ),
    )
    priority_booking = models.BooleanField(
        _("priority booking"),
        default=False,
        help_text=_(
            "Members of this tier may take the places each slot holds back for priority tiers."
        ),
    )

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        tier_rules_forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        tier_rules_forget()
        return result

    class Meta:
        ordering = ["-rank"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        # The database refuses what the form refuses (a script or a shell cannot bypass it).
        constraints = [
            models.CheckConstraint(condition=Q(window_months__gte=1), name="tier_window_positive"),
            models.CheckConstraint(
                condition=Q(min_spend__gte=0), name="tier_min_spend_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(target_share_percent__gte=0, target_share_percent__lte=100),
                name="tier_target_share_is_percent",
            ),
            models.CheckConstraint(
                condition=Q(repurchase_target_percent__gte=0, repurchase_target_percent__lte=100)
                | Q(repurchase_target_percent__isnull=True),
                name="tier_repurchase_target_is_percent",
            ),
            models.CheckConstraint(
                condition=Q(
                    stored_value_discount_percent__gte=0, stored_value_discount_percent__lte=100
                ),
                name="tier_discount_is_percent",
            ),
            models.CheckConstraint(
                condition=Q(points_multiplier__gte=0), name="tier_multiplier_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(min_spend_per_recent_month__gte=0),
                name="tier_monthly_spend_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(frequency_drop_percent__lte=100), name="tier_visit_drop_is_percent"
            ),
        ]


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

    # Members read benefits with the tier rules, from the cache (see Tier.save).
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        tier_rules_forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        tier_rules_forget()
        return result

    def __str__(self) -> str:
        return self.title
