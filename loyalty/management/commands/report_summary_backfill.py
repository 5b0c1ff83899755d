"""Fill the owner reports' monthly summary for past months (after an import, or on a shop that
ran before the summary existed). The monthly job keeps it filled afterwards."""

from django.core.management.base import BaseCommand, CommandError

from loyalty.services.report_summary import report_summary_fill_missing


class Command(BaseCommand):
    help = "Summarise the last N closed months for the owner's reports."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=24, help="How many closed months.")
        parser.add_argument(
            "--refill", action="store_true", help="Recompute months already summarised."
        )

    def handle(self, *args, months: int, refill: bool, **options):
        if months < 1 or months > 120:
            raise CommandError("--months must be between 1 and 120.")
        filled = report_summary_fill_missing(months=months, refill=refill)
        for month in filled:
            self.stdout.write(f"{month:%Y-%m}")
        self.stdout.write(f"{len(filled)} month(s) summarised.")
