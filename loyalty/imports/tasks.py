"""Background jobs of the import (django.tasks): checking the rows for the preview, and the
confirmed run. Entry points: nothing in loyalty or membership imports them."""

from django.tasks import task

from loyalty.services.imports import import_check, import_run


@task
def check_import(job_id: int) -> dict:
    job = import_check(job_id=job_id)
    return {"status": job.status, "failed": job.failed}


@task
def run_import(job_id: int) -> dict:
    job = import_run(job_id=job_id)
    return {
        "status": job.status,
        "created": job.created,
        "updated": job.updated,
        "skipped": job.skipped,
        "failed": job.failed,
    }
