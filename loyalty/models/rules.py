"""Automatic rewards the owner writes in /cms/ without code: a trigger, conditions and one or
more effects. Whether a member qualifies: loyalty.engine.rules; running them:
loyalty.flows.reward_rules."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from membership.models.append_only import AppendOnlyModel
from membership.models.tiers import BilingualNameMixin


class RuleTrigger(models.TextChoices):
    ORDER_COMPLETED = "order_completed", _("An order is completed")
    FIRST_ORDER = "first_order", _("A member's first order is completed")
    TOPPED_UP = "topped_up", _("Stored value is topped up")
    TIER_UP = "tier_up", _("The member moves up a tier")
    TIER_DOWN = "tier_down", _("The member moves down a tier")
    REFERRAL_QUALIFIED = (
        "referral_qualified",
        _("A friend the member referred completes a first order"),
    )
    MONTHLY_REVIEW = "monthly_review", _("The monthly review (the 1st of each month)")
    DAILY = "daily", _("Every day")
    BIRTHDAY = "birthday", _("The member's birthday")

    @classmethod
    def scheduled(cls) -> tuple[str, ...]:
        return (cls.MONTHLY_REVIEW, cls.DAILY, cls.BIRTHDAY)


class RulePeriod(models.TextChoices):
    EACH_TIME = "each", _("Every time it is triggered (each order, top-up…)")
    DAY = "day", _("Once a day")
    MONTH = "month", _("Once a calendar month")
    YEAR = "year", _("Once a calendar year")
    ABSENCE = "absence", _("Once per absence (again only after the member's next visit)")
    EVER = "ever", _("Once ever")


class SpendWindow(models.TextChoices):
    NONE = "", _("No spend or order condition")
    THIS_MONTH = "this_month", _("This calendar month so far")
    LAST_DAYS = "last_days", _("The last N days")


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        **kwargs,
    )


class RewardRule(BilingualNameMixin, ClusterableModel):
    """When to reward whom with what. Off until the owner has tried it with a dry run."""

    trigger = models.CharField(_("when"), max_length=24, choices=RuleTrigger.choices)
    is_enabled = models.BooleanField(
        _("enabled"),
        default=False,
        help_text=_("Try the rule with a dry run first: it shows who would get what today."),
    )
    enabled_at = models.DateTimeField(_("enabled since"), null=True, blank=True, editable=False)
    # Conditions (all must hold; empty means "any").
    tiers = models.ManyToManyField(
        "membership.Tier",
        verbose_name=_("tiers"),
        blank=True,
        related_name="+",
        help_text=_("Only members in one of these tiers (none ticked: any tier)."),
    )
    tags = models.ManyToManyField(
        "membership.Tag",
        verbose_name=_("tags"),
        blank=True,
        related_name="+",
        help_text=_("Only members with at least one of these tags (none: any)."),
    )
    lifecycle_stages = models.CharField(
        _("lifecycle stages"),
        max_length=80,
        blank=True,
        help_text=_("Only members in one of these stages (none ticked: any stage)."),
    )
    spend_window = models.CharField(
        _("spend or orders counted over"),
        max_length=12,
        choices=SpendWindow.choices,
        blank=True,
    )
    window_days = models.PositiveSmallIntegerField(
        _("N days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("For “the last N days”."),
    )
    min_spend = _money(verbose_name=_("spent at least"))
    min_orders = models.PositiveSmallIntegerField(
        _("orders at least"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    streak_months = models.PositiveSmallIntegerField(
        _("consecutive months"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("Spent more than the amount below in each of the last N calendar months."),
    )
    streak_min_spend = _money(verbose_name=_("spent more than, each month"))
    min_days_since_visit = models.PositiveSmallIntegerField(
        _("no visit for at least (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Members whose last completed order is at least this many days old."),
    )
    # Limits.
    period = models.CharField(
        _("at most"),
        max_length=8,
        choices=RulePeriod.choices,
        default=RulePeriod.EACH_TIME,
        help_text=_("How often one member can get this reward."),
    )
    max_per_member = models.PositiveSmallIntegerField(
        _("limit per member"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("The most times one member can ever get it (empty: no limit)."),
    )
    monthly_budget_count = models.PositiveIntegerField(
        _("rewards per month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("The rule stops for the month when this many rewards went out."),
    )
    monthly_budget_amount = _money(
        verbose_name=_("value per month"),
        help_text=_(
            "The rule stops for the month when the rewards' value (coupons at face value, "
            "packages at their price) reaches this."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name_zh", "id"]
        verbose_name = _("reward rule")
        verbose_name_plural = _("reward rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_spend__isnull=True) | Q(min_spend__gt=0),
                name="reward_rule_min_spend_positive",
            ),
            models.CheckConstraint(
                condition=Q(streak_months__isnull=True, streak_min_spend__isnull=True)
                | Q(streak_months__gte=1, streak_min_spend__gt=0),
                name="reward_rule_streak_complete",
            ),
            models.CheckConstraint(
                condition=Q(monthly_budget_amount__isnull=True) | Q(monthly_budget_amount__gt=0),
                name="reward_rule_budget_positive",
            ),
        ]

    @property
    def stage_list(self) -> list[str]:
        return [s for s in self.lifecycle_stages.split(",") if s]

    def clean(self):
        super().clean()
        errors = {}
        if self.spend_window == SpendWindow.LAST_DAYS and not self.window_days:
            errors["window_days"] = _("Say how many days to count.")
        if self.spend_window and not (self.min_spend or self.min_orders):
            errors["min_spend"] = _("Give an amount or a number of orders for the window.")
        if not self.spend_window and (self.min_spend or self.min_orders):
            errors["spend_window"] = _("Choose the window the amount or orders are counted over.")
        if bool(self.streak_months) != bool(self.streak_min_spend):
            errors["streak_min_spend"] = _("A streak needs both the months and the amount.")
        if self.period == RulePeriod.EACH_TIME and self.trigger in RuleTrigger.scheduled():
            errors["period"] = _(
                "A rule that runs on a schedule needs a period (once a day, month, year, "
                "per absence or ever)."
            )
        if errors:
            raise ValidationError(errors)


class EffectKind(models.TextChoices):
    COUPON = "coupon", _("Give a coupon")
    POINTS = "points", _("Give points")
    PACKAGE = "package", _("Give a prepaid package")
    FOLLOW_UP = "follow_up", _("Open a staff follow-up task")
    MESSAGE = "message", _("Send a message")


class RuleEffect(models.Model):
    rule = ParentalKey(RewardRule, on_delete=models.CASCADE, related_name="effects")
    kind = models.CharField(_("effect"), max_length=10, choices=EffectKind.choices)
    coupon_template = models.ForeignKey(
        "loyalty.CouponTemplate",
        verbose_name=_("coupon"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.PositiveIntegerField(
        _("points"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    package = models.ForeignKey(
        "loyalty.Package",
        verbose_name=_("package"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text_zh = models.CharField(
        _("text (Chinese)"),
        max_length=255,
        blank=True,
        help_text=_("The message, or what staff must do for a follow-up task."),
    )
    text_en = models.CharField(_("text (English)"), max_length=255, blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("follow-up due in (days)"), default=1, validators=[MaxValueValidator(60)]
    )
    sort_order = models.PositiveSmallIntegerField(default=0, editable=False)

    panels = [
        FieldPanel("kind"),
        FieldRowPanel([FieldPanel("coupon_template"), FieldPanel("points"), FieldPanel("package")]),
        FieldRowPanel([FieldPanel("text_zh"), FieldPanel("text_en")]),
        FieldPanel("due_days"),
    ]

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("effect")
        verbose_name_plural = _("effects")

    def clean(self):
        super().clean()
        needs = {
            EffectKind.COUPON: ("coupon_template", self.coupon_template_id),
            EffectKind.POINTS: ("points", self.points),
            EffectKind.PACKAGE: ("package", self.package_id),
            EffectKind.FOLLOW_UP: ("text_zh", self.text_zh or self.text_en),
            EffectKind.MESSAGE: ("text_zh", self.text_zh or self.text_en),
        }
        if self.kind in needs and not needs[self.kind][1]:
            raise ValidationError({needs[self.kind][0]: _("This effect needs this field.")})


class RuleFiring(AppendOnlyModel):
    """A rule applied to a member once for one period: the guard against rewarding twice."""

    rule = models.ForeignKey(RewardRule, on_delete=models.PROTECT, related_name="firings")
    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="rule_firings"
    )
    period_key = models.CharField(max_length=40)
    event = models.ForeignKey(
        "membership.MemberEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    effects = models.JSONField(default=dict, blank=True)
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fired_at", "-id"]
        verbose_name = _("reward given")
        verbose_name_plural = _("rewards given")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "member", "period_key"], name="rule_firing_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["rule", "-fired_at"], name="rule_firing_recent")]


class RuleBudget(models.Model):
    """What a rule gave in one month, counted up under a row lock against its budget."""

    rule = models.ForeignKey(RewardRule, on_delete=models.CASCADE, related_name="budgets")
    month = models.CharField(max_length=7)  # "2026-11"
    count = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "month"], name="rule_budget_one_per_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="rule_budget_not_negative"),
        ]


class RuleEventReceipt(models.Model):
    """A member event the rules have read (whether or not any rule fired for it)."""

    event = models.OneToOneField(
        "membership.MemberEvent", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    processed_at = models.DateTimeField(default=timezone.now)


__all__ = [
    "EffectKind",
    "RewardRule",
    "RuleBudget",
    "RuleEffect",
    "RuleEventReceipt",
    "RuleFiring",
    "RulePeriod",
    "RuleTrigger",
    "SpendWindow",
]
