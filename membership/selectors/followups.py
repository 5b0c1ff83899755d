from django.db.models import QuerySet

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
