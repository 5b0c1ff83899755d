from django.core.management.base import BaseCommand

from loyalty.flows.points_expiry import points_warn_expiring
from loyalty.services.points import points_expire_due


class Command(BaseCommand):
    help = "Expire points past their date and warn members whose points expire soon."

    def handle(self, *args, **options):
        expired = points_expire_due()
        warned = points_warn_expiring()
        self.stdout.write(f"expired_points={expired} members_warned={warned}")
