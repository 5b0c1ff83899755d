"""An import from the shop's old till: the uploaded rows, their preview, and the run's progress.

The job row is the file kept between preview and confirm (the rows as read, not the upload),
and then the confirmed run's progress, counted batch by batch by the background task."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Past orders")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking the rows")
    PREVIEWED = "previewed", _("Previewed, waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ImportJob(models.Model):
    kind = models.CharField(_("what"), max_length=12, choices=ImportKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    # The rows as read from the file: {"headers": [...], "rows": [[...], ...]}.
    rows = models.JSONField(_("rows"), default=dict)
    total = models.PositiveIntegerField(_("rows in the file"), default=0)
    done = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # Each bad row: {"row": n, "errors": ["why", ...]} (the preview's, then the run's).
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    # The preview: for each row [what would happen, why], e.g. ["new", "new member"].
    outcomes = models.JSONField(_("preview"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import from the old till")
        verbose_name_plural = _("imports from the old till")
        permissions = [("run_import", _("Can import customers and orders from the old till"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 100

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)
