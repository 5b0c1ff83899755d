"""What the owner sets in the back office (/cms/ → Settings → Loyalty)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class ExpiryPolicy(models.TextChoices):
    NEVER = "never", _("Points never expire")
    MONTHS = "months", _("N months after they were earned")
    END_OF_YEAR = "end_of_year", _("At the end of the year after they were earned")


def parse_amount_choices(text: str) -> list[Decimal]:
    """'100, 200, 500' → [100, 200, 500]; raises ValueError on anything else."""
    amounts = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        amount = Decimal(part)
        if not amount.is_finite() or amount <= 0:
            raise ValueError(part)
        amounts.append(amount)
    return sorted(set(amounts))


@register_setting(icon="tag")
class LoyaltySettings(BaseGenericSetting):
    # Points
    points_per_currency_unit = models.DecimalField(
        _("points per currency unit spent"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Before the tier's multiplier. Fractions of a point are dropped."),
    )
    points_expiry_policy = models.CharField(
        _("points expire"), max_length=12, choices=ExpiryPolicy.choices, default=ExpiryPolicy.NEVER
    )
    points_expiry_months = models.PositiveSmallIntegerField(
        _("months until points expire"), default=12, validators=[MinValueValidator(1)]
    )
    points_warning_days = models.PositiveSmallIntegerField(
        _("warn members this many days before points expire"), default=30
    )
    # Spending points
    points_payment_enabled = models.BooleanField(
        _("members can pay with points"),
        default=False,
        help_text=_("At the counter, staff can take part of an order in points."),
    )
    points_payment_rate = models.PositiveIntegerField(
        _("points per currency unit when paying"),
        default=100,
        validators=[MinValueValidator(1)],
        help_text=_(
            "E.g. 100: 100 points pay 1.00. The value of the points used is rounded down "
            "to the cent."
        ),
    )
    points_payment_max_percent = models.PositiveSmallIntegerField(
        _("largest share of an order payable with points (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "0 to 100, of the amount due after packages and coupons. No points are earned "
            "on the part paid with points."
        ),
    )
    points_payment_minimum = models.PositiveIntegerField(
        _("fewest points that can be used at once"),
        default=0,
        help_text=_("0 means any number of points."),
    )
    # Tiers
    tier_warning_days = models.PositiveSmallIntegerField(
        _("warn members this many days before they would move down"),
        default=7,
        validators=[MaxValueValidator(27)],
        help_text=_(
            "Members who would move down at the next monthly review are told on their "
            "dashboard, and by SMS if they agreed to texts. 0 turns the warning off."
        ),
    )
    # Stored value
    top_up_amount_choices = models.CharField(
        _("top-up amounts offered online"),
        max_length=200,
        default="100,200,500,1000",
        help_text=_("Comma-separated amounts, e.g. 100,200,500."),
    )
    top_up_maximum = models.DecimalField(
        _("largest single top-up"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("5000"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    # Online payment (Stripe Checkout)
    pay_by_card = models.BooleanField(_("card"), default=True)
    pay_by_alipay = models.BooleanField(_("Alipay"), default=False)
    pay_by_wechat_pay = models.BooleanField(_("WeChat Pay"), default=False)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("points_per_currency_unit"),
                FieldPanel("points_expiry_policy"),
                FieldPanel("points_expiry_months"),
                FieldPanel("points_warning_days"),
            ],
            heading=_("Points"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("points_payment_enabled"),
                FieldPanel("points_payment_rate"),
                FieldPanel("points_payment_max_percent"),
                FieldPanel("points_payment_minimum"),
            ],
            heading=_("Spending points"),
            help_text=_(
                "Points can pay part of an order at the counter, and members can exchange "
                "them for coupons in the points catalogue (Stored value & coupons → Points "
                "rewards)."
            ),
        ),
        MultiFieldPanel([FieldPanel("tier_warning_days")], heading=_("Tiers")),
        MultiFieldPanel(
            [FieldPanel("top_up_amount_choices"), FieldPanel("top_up_maximum")],
            heading=_("Stored value"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("pay_by_card"),
                FieldPanel("pay_by_alipay"),
                FieldPanel("pay_by_wechat_pay"),
            ],
            heading=_("Online top-up payment methods"),
        ),
    ]

    class Meta:
        verbose_name = _("loyalty settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(points_per_currency_unit__gte=0), name="points_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(points_expiry_months__gte=1), name="points_expiry_months_positive"
            ),
            models.CheckConstraint(
                condition=Q(top_up_maximum__gt=0), name="top_up_maximum_positive"
            ),
            models.CheckConstraint(
                condition=Q(points_payment_rate__gte=1), name="points_payment_rate_positive"
            ),
            models.CheckConstraint(
                condition=Q(points_payment_max_percent__gte=0, points_payment_max_percent__lte=100),
                name="points_payment_share_is_a_percent",
            ),
            models.CheckConstraint(
                condition=Q(points_payment_minimum__gte=0),
                name="points_payment_minimum_not_negative",
            ),
        ]

    def clean(self):
        super().clean()
        try:
            amounts = parse_amount_choices(self.top_up_amount_choices)
        except (ValueError, ArithmeticError):
            raise ValidationError(
                {"top_up_amount_choices": _("Enter positive amounts separated by commas.")}
            ) from None
        if self.top_up_maximum and any(a > self.top_up_maximum for a in amounts):
            raise ValidationError(
                {"top_up_amount_choices": _("An offered amount is above the largest top-up.")}
            )
        if self.points_payment_rate is not None and self.points_payment_rate < 1:
            raise ValidationError(
                {"points_payment_rate": _("Enter at least 1 point per currency unit.")}
            )
        if self.points_payment_max_percent is not None and self.points_payment_max_percent > 100:
            raise ValidationError(
                {"points_payment_max_percent": _("Enter a share between 0 and 100.")}
            )
        if not (self.pay_by_card or self.pay_by_alipay or self.pay_by_wechat_pay):
            raise ValidationError(_("Choose at least one online payment method."))

    @property
    def amount_choices(self) -> list[Decimal]:
        try:
            return parse_amount_choices(self.top_up_amount_choices)
        except (ValueError, ArithmeticError):
            return []

    @property
    def payment_method_types(self) -> list[str]:
        types = []
        if self.pay_by_card:
            types.append("card")
        if self.pay_by_alipay:
            types.append("alipay")
        if self.pay_by_wechat_pay:
            types.append("wechat_pay")
        return types or ["card"]
