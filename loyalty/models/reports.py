"""The monthly summary behind the owner's reports, and the permission to read them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportMonthSummary(models.Model):
    """Counts of one closed month, per tier (at the month's end or the month before, see each
    field) and per store (empty: all stores). Written by the monthly review and by
    ``report_summary_backfill``; reports read these instead of scanning every order.
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    store = models.ForeignKey(
        "membership.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tier = models.ForeignKey("membership.Tier", on_delete=models.CASCADE, related_name="+")
    # By tier at the end of the month.
    members = models.PositiveIntegerField(_("members"), default=0)
    buyers = models.PositiveIntegerField(_("members who bought"), default=0)
    active = models.PositiveIntegerField(_("active members"), default=0)
    # By tier at the end of the month before.
    previous_buyers = models.PositiveIntegerField(_("bought the month before"), default=0)
    repurchasers = models.PositiveIntegerField(_("bought again"), default=0)
    previous_active = models.PositiveIntegerField(_("active the month before"), default=0)
    retained = models.PositiveIntegerField(_("still active"), default=0)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        ordering = ["month", "tier"]
        verbose_name = _("report month summary")
        verbose_name_plural = _("report month summaries")
        permissions = [("view_owner_reports", _("Can see the owner's reports"))]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "store", "tier"], name="report_summary_month_store_tier"
            ),
            # NULL is distinct in a unique index: the all-stores row needs its own.
            models.UniqueConstraint(
                fields=["month", "tier"],
                condition=Q(store__isnull=True),
                name="report_summary_month_all_stores_tier",
            ),
            models.CheckConstraint(
                condition=Q(repurchasers__lte=models.F("previous_buyers"))
                & Q(retained__lte=models.F("previous_active")),
                name="report_summary_parts_within_wholes",
            ),
        ]
