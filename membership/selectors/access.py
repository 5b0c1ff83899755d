"""The member access log read back: who opened a member, and whom a staff login opened."""

from django.db.models import QuerySet

from membership.models import Member, MemberAccessLog, User


def member_accesses(*, member: Member) -> QuerySet[MemberAccessLog]:
    """Who looked at ``member``, newest first (index member_access_by_member)."""
    return (
        MemberAccessLog.objects.filter(member=member)
        .select_related("staff", "store")
        .order_by("-created_at", "-id")
    )


def staff_accesses(*, staff: User) -> QuerySet[MemberAccessLog]:
    """Which members ``staff`` opened, newest first (index member_access_by_staff)."""
    return (
        MemberAccessLog.objects.filter(staff=staff)
        .select_related("member", "store")
        .order_by("-created_at", "-id")
    )
