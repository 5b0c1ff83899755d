from django.db.models import Prefetch, QuerySet

from membership.models import Member, Order, OrderLine


def _lines():
    return Prefetch("lines", queryset=OrderLine.objects.select_related("category").order_by("id"))


def orders_for_member(*, member: Member) -> QuerySet[Order]:
    """The member's orders, newest first, with their lines (for a paginated history)."""
    return (
        Order.objects.filter(member=member)
        .select_related("store", "feedback")
        .prefetch_related(_lines())
        .order_by("-created_at", "-id")
    )


def order_for_member(*, member: Member, number: str) -> Order | None:
    """One of the member's own orders, or None (another member's order is never returned)."""
    return (
        Order.objects.filter(member=member, number=number)
        .select_related("store", "feedback")
        .prefetch_related(_lines())
        .first()
    )


def order_detail(*, number: str) -> Order | None:
    """An order with everything the counter shows about it."""
    return (
        Order.objects.filter(number=number)
        .select_related("member", "member__tier", "store", "feedback", "created_by", "cancelled_by")
        .prefetch_related(_lines())
        .first()
    )


def orders_recent_for_member(*, member: Member, limit: int = 5) -> list[Order]:
    return list(
        Order.objects.filter(member=member)
        .select_related("store")
        .order_by("-created_at", "-id")[:limit]
    )


def order_by_key(*, idempotency_key: str) -> Order | None:
    """The order a checkout form with this key already recorded, if any."""
    return Order.objects.filter(idempotency_key=idempotency_key).first()
