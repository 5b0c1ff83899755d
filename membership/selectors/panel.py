"""The member panel at the counter: who the member is and what happened lately.

Balances, coupons and packages belong to loyalty and are read through its selectors by the
portal; this module reads only membership rows. Each list is one query, whatever the
member's history, so the panel costs a fixed number of queries.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from membership.models import Booking, Member, MemberNote, Order

PANEL_NOTES = 5
PANEL_ORDERS = 5
PANEL_BOOKINGS = 5


@dataclass(frozen=True)
class MemberPanel:
    member: Member
    notes: list[MemberNote]
    last_orders: list[Order]
    open_bookings: list[Booking]


def member_by_number(*, number: str) -> Member | None:
    return Member.objects.select_related("tier", "user").filter(number=number).first()


MEMBER_ID_KEY = "member-id-by-number:{}"


def member_id_by_number(*, number: str) -> int | None:
    """The id of the member with this number, from the cache once known (numbers are given
    once and never change; a deleted member's kept pages are stale by their version)."""
    key = MEMBER_ID_KEY.format(hashlib.sha256(number.encode()).hexdigest()[:32])
    member_id = cache.get(key)
    if member_id is None:
        member_id = Member.objects.filter(number=number).values_list("pk", flat=True).first()
        if member_id is not None:
            cache.set(key, member_id, 24 * 3600)
    return member_id


def member_panel(*, member: Member) -> MemberPanel:
    # Only the columns the panel shows: cheaper to compile, fetch and build at every scan.
    notes = list(
        MemberNote.objects.select_related("author")
        .filter(member=member)
        .only("text", "created_at", "author__username", "author__first_name", "author__last_name")
        .order_by("-created_at", "-id")[:PANEL_NOTES]
    )
    last_orders = list(
        Order.objects.select_related("store")
        .filter(member=member)
        .only("number", "status", "stage", "currency", "total", "created_at", "store__name")
        .order_by("-created_at", "-id")[:PANEL_ORDERS]
    )
    open_bookings = list(
        Booking.objects.select_related("store")
        .filter(member=member, status__in=Booking.OPEN_STATUSES, slot_end__gte=timezone.now())
        .only("kind", "status", "slot_start", "slot_end", "is_express", "store__name")
        .order_by("slot_start", "id")[:PANEL_BOOKINGS]
    )
    return MemberPanel(
        member=member, notes=notes, last_orders=last_orders, open_bookings=open_bookings
    )


def member_notes(*, member: Member):
    """All staff notes of a member, newest first (paginate it)."""
    return (
        MemberNote.objects.select_related("author")
        .filter(member=member)
        .order_by("-created_at", "-id")
    )
