"""The audit trail: every staff or owner action is recorded with who did it."""

from typing import Any

from django.db import models, transaction

from membership.models import Member, StaffAction, User


@transaction.atomic
def audit_record(
    *,
    actor: User | None,
    action: str,
    member: Member | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    details: dict[str, Any] | None = None,
) -> StaffAction:
    """Append one audit row. Call it inside the transaction of the action it records.

    ``obj`` fills object_type/object_id from a model instance (its model name and pk) unless
    they are given explicitly. ``details`` must be JSON-serialisable (use str for Decimal).
    """
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
    return StaffAction.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        member=member,
        store_id=getattr(actor, "store_id", None),
        object_type=object_type,
        object_id=object_id,
        details=details or {},
    )
