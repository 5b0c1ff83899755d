from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLogImmutableError(Exception):
    pass


class MemberAccessLog(models.Model):
    """Which staff login opened which member's panel or archive, how, where and when.

    The record the privacy promise needs ("who looked at me?"). Append-only: written only by
    ``membership.services.access.member_access_record``, once per staff login and member in
    each lookup window (a reload or a step back from checkout adds no row).
    """

    class How(models.TextChoices):
        SCAN = "scan", _("Card scanned")
        SEARCH = "search", _("Search")
        NUMBER = "number", _("Member number typed")
        PHONE = "phone", _("Phone number typed")
        PANEL = "panel", _("Opened by address")
        ARCHIVE = "archive", _("Customer archive opened")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="member_accesses",
    )
    member = models.ForeignKey(
        "membership.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="access_log",
    )
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    store = models.ForeignKey(
        "membership.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("member access")
        verbose_name_plural = _("member access log")
        indexes = [
            # "Who looked at member X?" and "what did staff Y open?", newest first.
            models.Index(fields=["member", "-created_at"], name="member_access_by_member"),
            models.Index(fields=["staff", "-created_at"], name="member_access_by_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} → {self.member_id} ({self.how})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AccessLogImmutableError("The member access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AccessLogImmutableError("The member access log is append-only.")
