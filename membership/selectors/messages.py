"""Reading a member's inbox: newest first, and the unread count with the newest unread
message in one query (the dashboard's inbox line)."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Window

from membership.models import MemberMessage


def member_inbox(*, member_id: int) -> QuerySet[MemberMessage]:
    """The member's messages, newest first (paginate it)."""
    return MemberMessage.objects.filter(member_id=member_id).order_by("-created_at", "-id")


@dataclass(frozen=True)
class InboxSummary:
    unread: int
    newest_unread: MemberMessage | None


def member_inbox_summary(*, member_id: int) -> InboxSummary:
    """How many messages are unread and the newest of them: one query."""
    newest = (
        MemberMessage.objects.filter(member_id=member_id, read_at__isnull=True)
        .annotate(unread_count=Window(Count("id")))
        .order_by("-created_at", "-id")
        .first()
    )
    if newest is None:
        return InboxSummary(unread=0, newest_unread=None)
    return InboxSummary(unread=newest.unread_count, newest_unread=newest)
