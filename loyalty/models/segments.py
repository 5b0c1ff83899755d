"""Segments: lifecycle stage, RFM scores, the amount × frequency matrix and dynamic tags.

The owner sets the lines (Settings → Segments) and the dynamic tag rules (/cms/ → Members →
Dynamic tag rules); ``loyalty.services.segments`` writes ``MemberSegment`` rows and the
dynamic ``MemberTag`` rows, nightly for everyone and after each order for one member.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from loyalty.engine import segments as engine


class LifecycleStage(models.TextChoices):
    PROSPECT = engine.PROSPECT, _("Prospect")
    NEW = engine.NEW, _("New")
    ACTIVE = engine.ACTIVE, _("Active")
    SLEEPING = engine.SLEEPING, _("Sleeping")
    CHURNED = engine.CHURNED, _("Churned")


class ValueGroup(models.TextChoices):
    """The seeds' final classification by amount and frequency (大客户, 潜力客户, 忠实客户,
    偶尔客户)."""

    BIG = engine.BIG, _("Big customer (frequent, high amount)")
    POTENTIAL = engine.POTENTIAL, _("Potential (infrequent, high amount)")
    LOYAL = engine.LOYAL, _("Loyal (frequent, low amount)")
    OCCASIONAL = engine.OCCASIONAL, _("Occasional (infrequent, low amount)")


class MatrixLine(models.TextChoices):
    MEDIAN = "median", _("The median of the members who ordered in the window")
    FIXED = "fixed", _("My own numbers below")


@register_setting(icon="group")
class SegmentSettings(BaseGenericSetting):
    new_days = models.PositiveSmallIntegerField(
        _("new customer for (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("A member is new for this many days after their first order."),
    )
    active_days = models.PositiveSmallIntegerField(
        _("active if the last order is within (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    sleeping_days = models.PositiveSmallIntegerField(
        _("sleeping if the last order is within (days)"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Longer than the active days. Members whose last order is older are churned; "
            "members who never ordered are prospects."
        ),
    )
    window_months = models.PositiveSmallIntegerField(
        _("analysis window (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "RFM frequency and amount, the matrix and the pickup tag count the completed "
            "orders of this many months back."
        ),
    )
    matrix_line = models.CharField(
        _("matrix lines"),
        max_length=10,
        choices=MatrixLine.choices,
        default=MatrixLine.MEDIAN,
        help_text=_(
            "Amount is the average spend per order in the window, frequency the number of "
            "orders in the window. At or above a line is high or frequent."
        ),
    )
    amount_line = models.DecimalField(
        _("high amount: average spend per order of at least"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    frequency_line = models.PositiveSmallIntegerField(
        _("frequent: orders in the window, at least"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("new_days"), FieldPanel("active_days"), FieldPanel("sleeping_days")],
            heading=_("Lifecycle stage"),
        ),
        FieldPanel("window_months"),
        MultiFieldPanel(
            [
                FieldPanel("matrix_line"),
                FieldRowPanel([FieldPanel("amount_line"), FieldPanel("frequency_line")]),
            ],
            heading=_("Amount × frequency matrix"),
        ),
    ]

    class Meta:
        verbose_name = _("segments")

    def clean(self):
        super().clean()
        errors = {}
        if (
            self.active_days is not None
            and self.sleeping_days is not None
            and self.sleeping_days <= self.active_days
        ):
            errors["sleeping_days"] = _("Must be more than the active days.")
        if self.matrix_line == MatrixLine.FIXED:
            if self.amount_line is None:
                errors["amount_line"] = _("Set the amount line, or use the median.")
            if self.frequency_line is None:
                errors["frequency_line"] = _("Set the frequency line, or use the median.")
        if errors:
            raise ValidationError(errors)

    def lifecycle_limits(self) -> engine.LifecycleLimits:
        return engine.LifecycleLimits(
            new_days=self.new_days, active_days=self.active_days, sleeping_days=self.sleeping_days
        )


class DynamicTagRule(models.Model):
    """Puts a dynamic tag on the members who meet it, and takes it off those who no longer do."""

    class Kind(models.TextChoices):
        SPENT_THIS_MONTH = engine.SPENT_THIS_MONTH, _("Spent more than an amount this month")
        NO_VISIT = engine.NO_VISIT, _("No visit for a number of days")
        PICKUP_TIMES = engine.PICKUP_TIMES, _("Used pickup/delivery a number of times")
        HIGH_FREQUENCY = engine.HIGH_FREQUENCY, _("High frequency: orders within days")

    tag = models.ForeignKey(
        "membership.Tag",
        verbose_name=_("tag"),
        on_delete=models.CASCADE,
        related_name="dynamic_rules",
        limit_choices_to={"kind": "dynamic"},
        help_text=_("A dynamic tag (Members → Tags, kind: dynamic). Staff cannot change it."),
    )
    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Spent this month: the tag goes to members who spent more than this."),
    )
    count = models.PositiveSmallIntegerField(
        _("number of orders"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Pickup/delivery: this many or more in the analysis window. High frequency: "
            "this many or more orders within the days below."
        ),
    )
    days = models.PositiveSmallIntegerField(
        _("days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "No visit: members who have ordered before but not in this many days. "
            "High frequency: the orders are counted over this many days."
        ),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive rules take their tag off everyone.")
    )

    class Meta:
        ordering = ["tag__code", "id"]
        verbose_name = _("dynamic tag rule")
        verbose_name_plural = _("dynamic tag rules")

    def __str__(self) -> str:
        return f"{self.tag} · {self.get_kind_display()}"

    NEEDS = {
        Kind.SPENT_THIS_MONTH: ("amount",),
        Kind.NO_VISIT: ("days",),
        Kind.PICKUP_TIMES: ("count",),
        Kind.HIGH_FREQUENCY: ("count", "days"),
    }

    def clean(self):
        super().clean()
        errors = {}
        if self.tag_id and self.tag.kind != "dynamic":
            errors["tag"] = _("Choose a dynamic tag: staff set static tags by hand.")
        labels = {
            "amount": _("Set the amount for this rule."),
            "count": _("Set the number of orders for this rule."),
            "days": _("Set the number of days for this rule."),
        }
        for name in self.NEEDS.get(self.kind, ()):
            if getattr(self, name) is None:
                errors[name] = labels[name]
        if errors:
            raise ValidationError(errors)

    def as_engine_rule(self) -> engine.TagRule:
        return engine.TagRule(
            tag_id=self.tag_id, kind=self.kind, amount=self.amount, count=self.count, days=self.days
        )


class MemberSegment(models.Model):
    """Where a member stands, as of the last recompute (nightly, and after each order)."""

    member = models.OneToOneField(
        "membership.Member",
        verbose_name=_("member"),
        related_name="segment",
        on_delete=models.CASCADE,
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=10, choices=LifecycleStage.choices, db_index=True
    )
    value_group = models.CharField(
        _("value group"),
        max_length=10,
        choices=ValueGroup.choices,
        blank=True,
        default="",
        db_index=True,
        help_text=_("Empty when the member has no order in the analysis window."),
    )
    recency_score = models.PositiveSmallIntegerField(_("R"), null=True, blank=True)
    frequency_score = models.PositiveSmallIntegerField(_("F"), null=True, blank=True)
    monetary_score = models.PositiveSmallIntegerField(_("M"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    orders_in_window = models.PositiveIntegerField(_("orders in the window"), default=0)
    spend_in_window = models.DecimalField(
        _("spend in the window"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("member segment")
        verbose_name_plural = _("member segments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recency_score__isnull=True)
                | models.Q(recency_score__gte=1, recency_score__lte=5),
                name="membersegment_recency_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(frequency_score__isnull=True)
                | models.Q(frequency_score__gte=1, frequency_score__lte=5),
                name="membersegment_frequency_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(monetary_score__isnull=True)
                | models.Q(monetary_score__gte=1, monetary_score__lte=5),
                name="membersegment_monetary_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.lifecycle_stage}"


class SegmentRun(models.Model):
    """One recompute of every member: the population's lines it found (used by the refresh of
    one member until the next run) and what it changed."""

    computed_at = models.DateTimeField(_("computed"), default=timezone.now, db_index=True)
    members = models.PositiveIntegerField(_("members"), default=0)
    tags_added = models.PositiveIntegerField(_("tags added"), default=0)
    tags_removed = models.PositiveIntegerField(_("tags removed"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    cutoffs = models.JSONField(_("lines"), default=dict)

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("segment run")
        verbose_name_plural = _("segment runs")
