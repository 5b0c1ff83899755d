from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FollowUpTask(models.Model):
    """Something staff must do for a member: call back after a complaint, win them back...

    Opened by member feedback, by hand at the counter, or by automatic rules.
    """

    class Source(models.TextChoices):
        FEEDBACK = "feedback", _("Member feedback")
        MANUAL = "manual", _("Opened by staff")
        RULE = "rule", _("Automatic rule")

    member = models.ForeignKey(
        "membership.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="followups",
    )
    order = models.ForeignKey(
        "membership.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    reason = models.CharField(_("what to do"), max_length=255)
    details = models.TextField(_("details"), max_length=2000, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_followups",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), db_index=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_note = models.CharField(_("outcome"), max_length=255, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [
            models.Index(fields=["done_at", "due_at"]),
            models.Index(fields=["member", "done_at"]),
        ]

    def __str__(self) -> str:
        return self.reason

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
