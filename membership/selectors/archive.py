"""The customer archive (客户档案): a member's whole history at the shop, one section at a time.

Each list is a queryset ordered newest first, with what its rows show joined in, for the
caller to paginate: one page of any section is two queries (count and page) whatever the
length of the member's history. Ledgers, tier moves and segments belong to loyalty
(``loyalty.selectors.archive``); the portal composes both.
"""

from django.db.models import QuerySet

from membership.models import (
    Booking,
    FollowUpTask,
    Member,
    MemberMessage,
    MemberNote,
    MemberTag,
    Order,
    OrderFeedback,
    ServiceCategory,
)
from membership.selectors.appointments import with_staff_names


def archive_member(*, number: str) -> Member | None:
    """The member with login, tier and preferred staff member: one query."""
    return (
        Member.objects.select_related("user", "tier", "preferred_staff")
        .filter(number=number)
        .first()
    )


def archive_favourite_categories(*, member: Member) -> list[ServiceCategory]:
    return list(member.favourite_categories.order_by("sort_order", "code"))


def archive_tags(*, member: Member) -> list[MemberTag]:
    """The member's active tags with who added them and when: one query."""
    return list(
        MemberTag.objects.select_related("tag", "added_by")
        .filter(member=member, tag__is_active=True)
        .order_by("tag__code", "id")
    )


def archive_orders(*, member: Member) -> QuerySet[Order]:
    """Every order (refunded and voided ones too) with its store and the member's feedback
    (``order.feedback``, absent when none was given)."""
    return (
        Order.objects.select_related("store", "feedback")
        .filter(member=member)
        .order_by("-created_at", "-id")
    )


def archive_bookings(*, member: Member) -> QuerySet[Booking]:
    """Pickups, deliveries and in-store appointments, latest slot first, with the store, the
    service and the appointment's staff member (``staff_name``)."""
    return with_staff_names(Booking.objects.filter(member=member)).order_by("-slot_start", "-id")


def archive_messages(*, member: Member) -> QuerySet[MemberMessage]:
    """What the shop sent the member (their inbox), newest first."""
    return MemberMessage.objects.filter(member=member).order_by("-created_at", "-id")


def archive_notes(*, member: Member) -> QuerySet[MemberNote]:
    return (
        MemberNote.objects.select_related("author")
        .filter(member=member)
        .order_by("-created_at", "-id")
    )


def archive_followups(*, member: Member) -> QuerySet[FollowUpTask]:
    """Open and done follow-ups, newest first, with who opened, holds and closed them."""
    return (
        FollowUpTask.objects.select_related("order", "assigned_to", "created_by", "done_by")
        .filter(member=member)
        .order_by("-created_at", "-id")
    )


def archive_complaints(*, member: Member) -> QuerySet[OrderFeedback]:
    """Feedback the member marked as a complaint, with the order it is about."""
    return (
        OrderFeedback.objects.select_related("order")
        .filter(member=member, is_complaint=True)
        .order_by("-created_at", "-id")
    )
