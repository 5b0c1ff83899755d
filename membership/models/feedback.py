from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderFeedback(models.Model):
    """The member's rating of one order (1–5), with an optional comment or complaint."""

    order = models.OneToOneField(
        "membership.Order", on_delete=models.CASCADE, related_name="feedback"
    )
    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    is_complaint = models.BooleanField(_("complaint"), default=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order feedback")
        verbose_name_plural = _("order feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="order_feedback_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.rating}"
