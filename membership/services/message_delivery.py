"""Recording where a member message went outside the app (one row per message and channel).

The delivery task claims a channel before sending and releases the claim if the send did
not happen, so a task that runs twice (a retry, a second worker) sends once. A worker
killed between the claim and the send leaves the claim: that message is not sent on that
channel, rather than sent twice.
"""

from django.db import IntegrityError, transaction

from membership.models import MessageDelivery


def message_delivery_claim(*, message_id: int, channel: str) -> bool:
    """True if this call may send the message on `channel` (nobody claimed it before)."""
    try:
        with transaction.atomic():
            MessageDelivery.objects.create(message_id=message_id, channel=channel)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def message_delivery_release(*, message_id: int, channel: str) -> None:
    """Undo a claim whose send did not happen, so a later run may send."""
    MessageDelivery.objects.filter(message_id=message_id, channel=channel).delete()
