from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from membership.models import FollowUpTask, Member


def _base() -> QuerySet[FollowUpTask]:
    return FollowUpTask.objects.select_related(
        "member", "order", "assigned_to", "created_by", "done_by"
    )


def followups_open() -> QuerySet[FollowUpTask]:
    """Open tasks, most overdue first (the counter's to-do list)."""
    return _base().filter(done_at__isnull=True).order_by("due_at", "id")


def followups_done() -> QuerySet[FollowUpTask]:
    return _base().filter(done_at__isnull=False).order_by("-done_at", "-id")


def followups_for_member(*, member: Member, open_only: bool = True) -> QuerySet[FollowUpTask]:
    """A member's tasks for the member panel (open ones by due date)."""
    tasks = _base().filter(member=member)
    if open_only:
        return tasks.filter(done_at__isnull=True).order_by("due_at", "id")
    return tasks.order_by("-created_at", "-id")


def followups_open_annotations() -> dict:
    """Annotations for a Member queryset: open follow-ups (count, and the most urgent one's
    reason and due time), so the member panel shows them without another query."""
    open_tasks = FollowUpTask.objects.filter(member=OuterRef("pk"), done_at__isnull=True)
    first = open_tasks.order_by("due_at", "id")
    return {
        "open_followups": Coalesce(
            Subquery(
                open_tasks.order_by().values("member").annotate(n=Count("id")).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
        "next_followup_reason": Subquery(first.values("reason")[:1]),
        "next_followup_due": Subquery(first.values("due_at")[:1]),
    }
