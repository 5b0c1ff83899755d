"""Follow-up tasks: opened by member feedback, by staff at the counter, or by rules."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from membership.models import FollowUpTask, Member, Order, User
from membership.services.audit import audit_record

FEEDBACK_FOLLOWUP_HOURS = 24


def shop_language():
    """Task texts are stored in the shop's language: staff read them, whoever triggered them."""
    return translation.override(settings.LANGUAGE_CODE)


@transaction.atomic
def followup_create(
    *,
    member: Member,
    reason: str,
    source: str,
    due_at: datetime | None = None,
    order: Order | None = None,
    details: str = "",
    assigned_to: User | None = None,
    acting_user: User | None = None,
) -> FollowUpTask:
    """Open a follow-up task. Staff-opened tasks (source "manual") need the acting user."""
    reason = (reason or "").strip()
    details = (details or "").strip()
    if source not in FollowUpTask.Source.values:
        raise ValidationError(_("Unknown follow-up source."), code="source")
    if not reason:
        raise ValidationError({"reason": _("Say what needs doing.")}, code="no_reason")
    if len(reason) > 255:
        raise ValidationError({"reason": _("Keep it under 255 characters.")}, code="too_long")
    if len(details) > 2000:
        raise ValidationError({"details": _("Keep details under 2000 characters.")})
    if source == FollowUpTask.Source.MANUAL and acting_user is None:
        raise ValidationError(_("A staff member must open this task."), code="no_actor")
    if order is not None and order.member_id != member.pk:
        raise ValidationError(_("That order belongs to another member."), code="wrong_member")
    now = timezone.now()
    if due_at is None:
        due_at = now + timedelta(hours=FEEDBACK_FOLLOWUP_HOURS)
    if source == FollowUpTask.Source.MANUAL and due_at < now - timedelta(days=1):
        raise ValidationError({"due_at": _("The due date is in the past.")}, code="past_due")
    task = FollowUpTask.objects.create(
        member=member,
        order=order,
        source=source,
        reason=reason,
        details=details,
        due_at=due_at,
        assigned_to=assigned_to,
        created_by=acting_user,
        created_at=now,
    )
    if acting_user is not None:
        audit_record(
            actor=acting_user,
            action="followup.create",
            member=member,
            obj=task,
            details={"reason": reason, "due_at": due_at.isoformat(), "source": source},
        )
    return task


@transaction.atomic
def followup_complete(*, task: FollowUpTask, acting_user: User, note: str = "") -> FollowUpTask:
    """Mark a task done (by whom, when, with an optional outcome). Done twice is refused."""
    note = (note or "").strip()
    if len(note) > 255:
        raise ValidationError({"note": _("Keep it under 255 characters.")}, code="too_long")
    locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if locked.done_at is not None:
        raise ValidationError(_("This follow-up is already done."), code="already_done")
    locked.done_at = timezone.now()
    locked.done_by = acting_user
    locked.done_note = note
    locked.save(update_fields=["done_at", "done_by", "done_note"])
    audit_record(
        actor=acting_user,
        action="followup.done",
        member=locked.member,
        obj=locked,
        details={"note": note},
    )
    return locked
