"""Points expiry warnings: recorded by the points service, texted after commit."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.notifications import send_points_expiry_sms
from loyalty.services.points import points_expiry_warn, points_expiry_warnings_due


def points_warn_expiring(*, now: datetime | None = None) -> int:
    """Record a warning for each lot expiring within the owner's warning window.

    Members see these on their points page; those who agreed to SMS also get one text
    per run, sent after the transaction commits. Returns the number of members warned.
    """
    now = now or timezone.now()
    due = points_expiry_warnings_due(now=now)
    for member, lots in due:
        with transaction.atomic():  # one member at a time: a failure keeps the others' texts
            if points_expiry_warn(member=member, lots=lots, now=now):
                transaction.on_commit(
                    lambda mid=member.pk: send_points_expiry_sms.enqueue(member_id=mid)
                )
    return len(due)


__all__ = ["points_warn_expiring"]
