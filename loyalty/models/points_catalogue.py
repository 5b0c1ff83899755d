"""The points catalogue: coupons a member can take in exchange for points.

The owner lists rewards at /cms/ (Stored value & coupons → Points rewards); members browse
them on /me/points/rewards/ and exchange through ``loyalty.flows.points_exchange``, which
spends the points and issues the coupon in one transaction.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from membership.models.tiers import BilingualNameMixin

from .coupons import CouponTemplate


class PointsReward(BilingualNameMixin, models.Model):
    points_cost = models.PositiveIntegerField(
        _("points it costs"),
        validators=[MinValueValidator(1)],
        help_text=_("Taken from the member's points when they exchange."),
    )
    coupon_template = models.ForeignKey(
        CouponTemplate,
        verbose_name=_("coupon it gives"),
        on_delete=models.PROTECT,
        related_name="points_rewards",
        help_text=_("The member gets one coupon with these terms."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active rewards are shown to members.")
    )
    sort_order = models.PositiveSmallIntegerField(
        _("display order"), default=0, help_text=_("Smaller numbers are listed first.")
    )
    per_member_limit = models.PositiveIntegerField(
        _("exchanges per member"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for no limit."),
    )

    panels = [
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("points_cost"), FieldPanel("coupon_template")]),
        FieldRowPanel(
            [FieldPanel("per_member_limit"), FieldPanel("sort_order"), FieldPanel("is_active")]
        ),
    ]

    class Meta:
        ordering = ["sort_order", "points_cost", "id"]
        verbose_name = _("points reward")
        verbose_name_plural = _("points rewards")
        constraints = [
            models.CheckConstraint(
                condition=Q(points_cost__gte=1), name="points_reward_cost_positive"
            ),
            models.CheckConstraint(
                condition=Q(per_member_limit__isnull=True) | Q(per_member_limit__gte=1),
                name="points_reward_limit_positive",
            ),
        ]

    def clean(self):
        super().clean()
        if self.points_cost is not None and self.points_cost < 1:
            raise ValidationError({"points_cost": _("A reward costs at least 1 point.")})
        if self.per_member_limit is not None and self.per_member_limit < 1:
            raise ValidationError(
                {"per_member_limit": _("Enter at least 1, or leave empty for no limit.")}
            )
