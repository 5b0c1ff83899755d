"""Export jobs: request one, generate its CSV and Excel files in the background, and delete
the files after the retention period.

Generation streams rows from loyalty.selectors.exports into both files at once (a CSV
written as it goes and an openpyxl write-only workbook), so memory stays flat at 100,000
members. Cells that a spreadsheet would run as a formula (text starting with =, +, -, @)
are written as text.
"""

import csv
import io
import logging
import re
import tempfile
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from loyalty.models import ExportJob, LifecycleStage, ValueGroup
from loyalty.selectors.exports import (
    MONTHLY_HEADINGS,
    SEGMENT_HEADINGS,
    SegmentFilters,
    monthly_consumption_rows,
    segment_rows,
)
from membership.models import Tag, User
from membership.services.audit import audit_record

logger = logging.getLogger(__name__)

# How long export files are kept: long enough to fetch last quarter's files again, short
# enough that members' phone numbers do not pile up on disk.
RETENTION_DAYS = 90
PROGRESS_EVERY = 10_000  # rows between progress updates of the job row

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_SAFE_PHONE = re.compile(r"^\+[0-9]{6,20}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NO_GROUP = "none"  # the report's "no order in the window"
SEGMENT_PARAMETERS = (
    "lifecycle_stage",
    "value_group",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "tag",
)


def parse_month(value) -> date:
    """A "YYYY-MM" month that has ended, else ValidationError."""
    match = _MONTH.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        raise ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
    first = date(year, month, 1)
    if first > timezone.localdate().replace(day=1):
        raise ValidationError(_("That month has not started yet."), code="future")
    return first


def segment_filters(parameters: dict) -> SegmentFilters:
    """The report's filter values, checked again (they come from a request), else
    ValidationError."""
    unknown = set(parameters) - set(SEGMENT_PARAMETERS)
    if unknown:
        raise ValidationError(_("Unknown filter."), code="invalid")
    stage = parameters.get("lifecycle_stage") or ""
    if stage and stage not in LifecycleStage.values:
        raise ValidationError(_("Unknown lifecycle stage."), code="invalid")
    group = parameters.get("value_group") or None
    if group is not None and group != NO_GROUP and group not in ValueGroup.values:
        raise ValidationError(_("Unknown value group."), code="invalid")
    scores = {}
    for name in ("recency_score", "frequency_score", "monetary_score"):
        value = parameters.get(name)
        if value in (None, ""):
            scores[name] = None
        elif str(value) in {"1", "2", "3", "4", "5"}:
            scores[name] = int(value)
        else:
            raise ValidationError(_("A score is a number from 1 to 5."), code="invalid")
    tag_id = None
    if parameters.get("tag") not in (None, ""):
        tag = str(parameters["tag"])
        if not tag.isdigit() or len(tag) > 18:
            raise ValidationError(_("Unknown tag."), code="invalid")
        tag_id = Tag.objects.filter(pk=int(tag), is_active=True).values_list("pk", flat=True)
        tag_id = tag_id.first()
        if tag_id is None:
            raise ValidationError(_("Unknown tag."), code="invalid")
    return SegmentFilters(
        lifecycle_stage=stage,
        value_group="" if group == NO_GROUP else group,
        tag_id=tag_id,
        **scores,
    )


def export_request(*, kind: str, parameters: dict, acting_user: User) -> ExportJob:
    """Queue an export the owner asked for (the caller enqueues its generation on commit).
    ValidationError for a bad kind or bad parameters; nothing is written then."""
    if kind == ExportJob.Kind.MONTHLY:
        month = parse_month(parameters.get("month"))
        clean = {"month": f"{month.year:04d}-{month.month:02d}"}
    elif kind == ExportJob.Kind.SEGMENT:
        segment_filters(parameters)
        clean = {key: str(value) for key, value in parameters.items() if value not in (None, "")}
    else:
        raise ValidationError(_("Unknown kind of export."), code="invalid")
    with transaction.atomic():
        job = ExportJob.objects.create(kind=kind, parameters=clean, requested_by=acting_user)
        audit_record(
            actor=acting_user, action="export.requested", obj=job, details={"kind": kind, **clean}
        )
    return job


def previous_month(today: date | None = None) -> date:
    first = (today or timezone.localdate()).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def export_monthly_scheduled(*, today: date | None = None) -> ExportJob:
    """The scheduled export of last month's consumption (run on the 1st). A second run for
    the same month returns the job of the first unless it failed."""
    month = previous_month(today)
    label = f"{month.year:04d}-{month.month:02d}"
    existing = (
        ExportJob.objects.filter(
            kind=ExportJob.Kind.MONTHLY, requested_by=None, parameters__month=label
        )
        .exclude(status=ExportJob.Status.FAILED)
        .first()
    )
    if existing is not None:
        return existing
    return ExportJob.objects.create(kind=ExportJob.Kind.MONTHLY, parameters={"month": label})


def _cell(value):
    # A phone number in E.164 ("+86…") is data, not a formula.
    formula = isinstance(value, str) and value.startswith(_FORMULA_START)
    return "'" + value if formula and not _SAFE_PHONE.match(value) else value


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if value is None:
        return ""
    return str(value)


def _write(job: ExportJob, headings: list, rows: Iterable[list]) -> int:
    """Stream ``rows`` into a CSV and an XLSX file and attach both to ``job``."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{job.kind}-{job.pk}-{job.label}")[:80]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(job.get_kind_display())[:31])
    count = 0
    with (
        tempfile.TemporaryFile() as csv_file,
        tempfile.TemporaryFile() as xlsx_file,
    ):
        text = io.TextIOWrapper(csv_file, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        header = [str(heading) for heading in headings]
        writer.writerow(header)
        sheet.append(header)
        for row in rows:
            cells = [_cell(value) for value in row]
            writer.writerow([_text(value) for value in cells])
            sheet.append(cells)
            count += 1
            if count % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=job.pk).update(rows=count)
        text.flush()
        text.detach()
        workbook.save(xlsx_file)
        csv_file.seek(0)
        xlsx_file.seek(0)
        job.csv_file.save(f"{stem}.csv", File(csv_file), save=False)
        job.xlsx_file.save(f"{stem}.xlsx", File(xlsx_file), save=False)
    return count


def export_generate(*, job_id: int) -> ExportJob:
    """Write the job's files (the background task). A job already done is left alone."""
    job = ExportJob.objects.get(pk=job_id)
    if job.status not in (ExportJob.Status.QUEUED, ExportJob.Status.FAILED):
        return job
    job.status, job.started_at, job.error = ExportJob.Status.RUNNING, timezone.now(), ""
    job.save(update_fields=["status", "started_at", "error"])
    try:
        if job.kind == ExportJob.Kind.MONTHLY:
            month = parse_month(job.parameters.get("month"))
            job.rows = _write(job, MONTHLY_HEADINGS, monthly_consumption_rows(month=month))
        else:
            filters = segment_filters(job.parameters)
            job.rows = _write(job, SEGMENT_HEADINGS, segment_rows(filters))
    except Exception as error:
        logger.exception("Export %s failed", job.pk)
        job.status, job.error = ExportJob.Status.FAILED, str(error)[:255]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    job.status, job.finished_at = ExportJob.Status.DONE, timezone.now()
    job.save(update_fields=["status", "rows", "csv_file", "xlsx_file", "finished_at"])
    return job


def export_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the files of exports older than RETENTION_DAYS (the job row stays, as a record
    of who exported what)."""
    cutoff = (now or timezone.now()) - timedelta(days=RETENTION_DAYS)
    purged = 0
    old = ExportJob.objects.filter(created_at__lt=cutoff).exclude(status=ExportJob.Status.EXPIRED)
    for job in old.only("id", "csv_file", "xlsx_file").iterator(chunk_size=500):
        for field in (job.csv_file, job.xlsx_file):
            if field:
                field.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.EXPIRED, csv_file="", xlsx_file=""
        )
        purged += 1
    return purged
