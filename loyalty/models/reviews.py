"""The monthly tier review: each run, every move it (or an order, or staff) made, and the
review state a member carries between runs (a grace warning, a staff floor)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.engine.tier_review import Rule
from membership.models.append_only import AppendOnlyModel


class TierReviewRun(models.Model):
    """One review of one period (the month starting on `period`). A second run of the same
    period finds this row and writes nothing."""

    period = models.DateField(_("period"), unique=True)
    as_of = models.DateTimeField(_("reviewed as of"))
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed = models.PositiveIntegerField(_("members reviewed"), default=0)
    promoted = models.PositiveIntegerField(_("promoted"), default=0)
    demoted = models.PositiveIntegerField(_("demoted"), default=0)
    held = models.PositiveIntegerField(_("held"), default=0)
    warned = models.PositiveIntegerField(_("warned"), default=0)
    floored = models.PositiveIntegerField(_("kept by a floor"), default=0)
    duration_ms = models.PositiveIntegerField(_("time taken (ms)"), default=0)
    created_at = models.DateTimeField(_("run at"), default=timezone.now)

    class Meta:
        ordering = ["-period"]
        verbose_name = _("tier review")
        verbose_name_plural = _("tier reviews")

    def __str__(self) -> str:
        return _("Review of %(period)s") % {"period": self.period.isoformat()}


class TierChange(AppendOnlyModel):
    """A member moved from one tier to another, and why."""

    class Reason(models.TextChoices):
        PROMOTION = Rule.PROMOTION.value, _("Promotion")
        DEMOTION = Rule.DEMOTION.value, _("Demotion")
        HOLD_EXPIRED = Rule.HOLD_EXPIRED.value, _("Hold period ended")
        FLOOR = Rule.FLOOR.value, _("Staff floor")
        MANUAL = "manual", _("Manual")

    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.ForeignKey(
        "membership.Tier",
        verbose_name=_("from tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_tier = models.ForeignKey(
        "membership.Tier", verbose_name=_("to tier"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("rule"), max_length=20, choices=Reason.choices)
    review = models.ForeignKey(
        TierReviewRun, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    order_number = models.CharField(_("order"), max_length=32, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        indexes = [
            models.Index(fields=["member", "-occurred_at"], name="tier_change_history"),
            models.Index(fields=["occurred_at"], name="tier_change_flow"),
        ]

    def __str__(self) -> str:
        before = self.from_tier.display_name if self.from_tier else "–"
        return f"{self.member.number}: {before} → {self.to_tier.display_name}"


class MemberTierState(models.Model):
    """What the review remembers about a member besides their tier. Only members with a
    grace warning, a floor or an SMS notice before a review have a row."""

    member = models.OneToOneField(
        "membership.Member", on_delete=models.CASCADE, related_name="tier_state"
    )
    warned_at = models.DateTimeField(_("warned at review"), null=True, blank=True)
    floor_tier = models.ForeignKey(
        "membership.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    floor_until = models.DateTimeField(_("floor until"), null=True, blank=True)
    floor_reason = models.CharField(_("floor reason"), max_length=255, blank=True)
    demotion_notice_for = models.DateField(
        _("told by SMS before the review of"), null=True, blank=True
    )
    floor_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("member tier state")
        verbose_name_plural = _("member tier states")
