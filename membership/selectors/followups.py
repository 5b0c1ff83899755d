from django.db import connection
from django.db.models import CharField, DateTimeField, IntegerField, QuerySet
from django.db.models.expressions import RawSQL

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


_TASK_FIELDS = ("member", "done_at", "due_at", "reason")


def followups_open_annotations() -> dict:
    """Annotations for a Member queryset: open follow-ups (count, and the most urgent one's
    reason and due time), so the member panel shows them without another query.

    Written as SQL (three correlated subqueries on the member's open tasks, an index lookup
    each): the panel runs them at every scan, and the ORM spent more time compiling the
    equivalent Subquery expressions than the database spent answering them."""
    qn = connection.ops.quote_name
    task, member = qn(FollowUpTask._meta.db_table), qn(Member._meta.db_table)
    column = {name: qn(FollowUpTask._meta.get_field(name).column) for name in _TASK_FIELDS}
    open_tasks = (
        f"FROM {task} t WHERE t.{column['member']} = {member}.{qn('id')}"
        f" AND t.{column['done_at']} IS NULL"
    )
    first = f"{open_tasks} ORDER BY t.{column['due_at']}, t.{qn('id')} LIMIT 1"
    return {
        "open_followups": RawSQL(
            f"(SELECT COUNT(*) {open_tasks})", (), output_field=IntegerField()
        ),
        "next_followup_reason": RawSQL(
            f"(SELECT t.{column['reason']} {first})", (), output_field=CharField()
        ),
        "next_followup_due": RawSQL(
            f"(SELECT t.{column['due_at']} {first})", (), output_field=DateTimeField()
        ),
    }
