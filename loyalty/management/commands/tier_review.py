"""The monthly tier review from the command line (cron, or by hand with --dry-run first)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from loyalty.services.tier_review import current_period_start, period_start, tier_review_run


class Command(BaseCommand):
    help = (
        "Review every member's tier as of the start of a day (default: the first of this "
        "month, in the shop's time zone). A period is reviewed once; --dry-run writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def handle(self, *args, as_of=None, dry_run=False, **options):
        start = period_start(as_of) if as_of else current_period_start()
        try:
            result = tier_review_run(as_of=start, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        outcome = "dry run" if dry_run else ("already done" if result.already_done else "done")
        counts = " ".join(f"{name}={value}" for name, value in sorted(result.counts.items()))
        self.stdout.write(
            f"tier review {result.period.isoformat()} ({outcome}): {counts} "
            f"moves={len(result.moves)} time_ms={result.duration_ms}"
        )
