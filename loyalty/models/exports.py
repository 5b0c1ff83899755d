"""Export files the owner downloads from /cms/: the monthly consumption export and segment
exports. Files live in private storage (never under the public media URL) and are served
only by the owner's download view."""

import functools

from django.conf import settings
from django.core.files.storage import FileSystemStorage, InvalidStorageError, Storage, storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStorage(Storage):
    """The ``exports`` storage of settings.STORAGES, else the folder ``var/exports`` (outside
    MEDIA_ROOT): the files hold members' phone numbers and spend, so no URL may ever reach
    them directly. Looked up at each use, so a deployment (or a test) configures it in
    settings like any other storage."""

    def _backend(self) -> Storage:
        try:
            return storages["exports"]
        except InvalidStorageError:
            return _fallback()

    def _open(self, name, mode="rb"):
        return self._backend().open(name, mode)

    def _save(self, name, content):
        return self._backend().save(name, content)

    def get_available_name(self, name, max_length=None):
        return self._backend().get_available_name(name, max_length=max_length)

    def delete(self, name):
        self._backend().delete(name)

    def exists(self, name):
        return self._backend().exists(name)

    def size(self, name):
        return self._backend().size(name)

    def listdir(self, path):
        return self._backend().listdir(path)

    def url(self, name):
        raise NotImplementedError("Export files are served only by the owner's download view.")


@functools.cache
def _fallback() -> FileSystemStorage:
    return FileSystemStorage(location=settings.BASE_DIR / "var" / "exports")


_storage = ExportStorage()


def export_storage() -> ExportStorage:
    return _storage


class ExportJob(models.Model):
    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly consumption")
        SEGMENT = "segment", _("Segment")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Deleted after the retention period")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Monthly: {"month": "2026-10"}; segment: the report's filters, e.g. {"lifecycle_stage": "active"}.
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    csv_file = models.FileField(
        _("CSV file"), storage=export_storage, upload_to="%Y/%m/", blank=True
    )
    xlsx_file = models.FileField(
        _("Excel file"), storage=export_storage, upload_to="%Y/%m/", blank=True
    )
    # None for the scheduled monthly export.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.MONTHLY:
            return self.parameters.get("month", "")
        return ", ".join(f"{key}={value}" for key, value in sorted(self.parameters.items()))
