"""Recording member events. Call inside the transaction of the change the event records."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from membership.models import MemberEvent

Kind = MemberEvent.Kind


def member_event_record(
    *,
    member_id: int,
    kind: str,
    occurred_at: datetime | None = None,
    source_type: str = "",
    source_id: Any = "",
    data: dict[str, Any] | None = None,
) -> MemberEvent:
    """Append one event. `data` must be JSON-serialisable (str for Decimal)."""
    if kind not in Kind.values:
        raise ValueError(f"unknown member event kind: {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "Record a member event in the transaction of the change it records."
        )
    return MemberEvent.objects.create(
        member_id=member_id,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
        source_type=source_type,
        source_id=str(source_id),
        data=data or {},
    )


def member_events_record_many(events: list[MemberEvent]) -> None:
    """Append many events in one statement (a bulk job such as the tier review)."""
    MemberEvent.objects.bulk_create(events, batch_size=1000)
