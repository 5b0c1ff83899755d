"""Building import files and running them through upload → check → confirm → run."""

import csv
import io

from loyalty.models import ImportJob
from loyalty.services.imports import import_check, import_confirm, import_run, import_upload


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def preview(kind: str, data: bytes, owner, file_name: str = "till.csv") -> ImportJob:
    job = import_upload(kind=kind, data=data, file_name=file_name, acting_user=owner)
    return import_check(job_id=job.pk)


def run(job: ImportJob, owner) -> ImportJob:
    import_confirm(job=job, acting_user=owner)
    return import_run(job_id=job.pk)


def whys(job: ImportJob) -> dict[int, str]:
    """Row number (as the spreadsheet numbers it) → why, for the refused rows."""
    return {i + 2: why for i, (outcome, why) in enumerate(job.outcomes) if outcome == "error"}
