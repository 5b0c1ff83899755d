"""Benchmark the import of customers from an old till against a bare bulk insert of as many
users.

Generates a customer CSV (--rows, 50,000 by default: phone, name, birthday, tier, balance on
one row in two, points on one in three), then times in the same run:

- baseline: ``User.objects.bulk_create`` of the same number of users, rolled back: the least
  any import of that many customers has to write;
- upload (read the file), check (the preview of every row, as the background task does),
  run (the confirmed import, batch by batch, through the member and ledger services);
- with --rerun, the same file again (every row found already imported: nothing written).

and prints each time, rows per second and the ratio to the baseline. Use a scratch database:

    createdb bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import python manage.py bench_import

The bench customers' phones are +86 166 0000 0000 and up; a second run finds them imported.
"""

import csv
import io
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from loyalty.models import ImportKind, ImportStatus
from loyalty.services.imports import import_check, import_confirm, import_run, import_upload
from membership.models import Tier, User

FIRST_PHONE = 16600000000


def _customer_csv(rows: int, tier_code: str, first_phone: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["phone", "name", "birthday", "tier", "balance", "points"])
    for n in range(rows):
        writer.writerow(
            [
                str(first_phone + n),
                f"Bench {n}",
                f"19{70 + n % 30}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                tier_code if n % 5 == 0 else "",
                f"{n % 500}.50" if n % 2 == 0 else "",
                str(n % 1000 + 1) if n % 3 == 0 else "",
            ]
        )
    return out.getvalue().encode()


def _baseline(rows: int) -> float:
    started = time.perf_counter()
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(username=f"bench-base-{n}", phone=f"+86{FIRST_PHONE + 10**9 + n}")
                for n in range(rows)
            ],
            batch_size=2000,
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


class Command(BaseCommand):
    help = "Time an import of N customers from an old till against a bare bulk_create."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=50_000)
        parser.add_argument("--rerun", action="store_true", help="import the same file again")
        parser.add_argument(
            "--check-only", action="store_true", help="time the preview, do not run the import"
        )
        parser.add_argument(
            "--offset", type=int, default=0, help="start the phones this far up (new customers)"
        )

    def handle(self, *args, rows: int, rerun: bool, offset: int, check_only: bool, **options):
        tier = Tier.objects.order_by("-rank").first()
        owner = User.objects.filter(is_superuser=True).first()
        data = _customer_csv(rows, tier.code if tier else "", FIRST_PHONE + offset)
        self.stdout.write(f"{rows} customers, file of {len(data) / 1e6:.1f} MB")
        baseline = _baseline(rows)
        self._line("baseline: bulk_create users", baseline, rows, baseline)
        for attempt in ("first run", "re-run") if rerun else ("first run",):
            started = time.perf_counter()
            job = import_upload(
                kind=ImportKind.CUSTOMERS, data=data, file_name="bench.csv", acting_user=owner
            )
            read = time.perf_counter()
            job = import_check(job_id=job.pk)
            checked = time.perf_counter()
            self.stdout.write(
                f"{attempt}: preview new={job.created} update={job.updated} "
                f"skip={job.skipped} refused={job.failed}"
            )
            self._line("  upload (read the file)", read - started, rows, baseline)
            self._line("  check (the preview)", checked - read, rows, baseline)
            if check_only:
                continue
            if job.created + job.updated == 0:
                self.stdout.write("  nothing to import: the run is not needed")
                continue
            import_confirm(job=job, acting_user=owner)
            job = import_run(job_id=job.pk)
            done = time.perf_counter()
            assert job.status == ImportStatus.DONE, job.status
            self._line("  run (writes)", done - checked, rows, baseline)
            self._line("  upload + check + run", done - started, rows, baseline)
            self.stdout.write(
                f"  created={job.created} updated={job.updated} skipped={job.skipped} "
                f"refused={job.failed}"
            )

    def _line(self, label: str, seconds: float, rows: int, baseline: float) -> None:
        self.stdout.write(
            f"{label:32} {seconds:8.2f} s  {rows / seconds:9.0f} rows/s  "
            f"{seconds / baseline:6.1f}× baseline"
        )
