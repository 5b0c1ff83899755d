from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from membership.models import Member, Order, OrderLine, Store

# A garment order still at the shop: not handed over, not refunded or voided.
OPEN = Q(stage__in=Order.OPEN_STAGES, status__in=Order.LIVE_STATUSES)


def _lines():
    return Prefetch("lines", queryset=OrderLine.objects.select_related("category").order_by("id"))


def orders_for_member(*, member: Member) -> QuerySet[Order]:
    """The member's orders with their lines (for a paginated history): clothes still at the
    shop first (soonest due first), then the rest newest first."""
    return (
        Order.objects.filter(member=member)
        .select_related("store", "feedback")
        .prefetch_related(_lines())
        .annotate(
            still_open=Case(
                When(OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("still_open", Case(When(OPEN, then="due_at")), "-created_at", "-id")
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


def open_garment_orders(*, store: Store | None, stage: str | None = None) -> QuerySet[Order]:
    """A store's garment orders still at the shop (every store's when `store` is None),
    soonest due first, with their member and lines (for a paginated list)."""
    orders = Order.objects.filter(OPEN)
    if store is not None:
        orders = orders.filter(store=store)
    if stage:
        orders = orders.filter(stage=stage)
    return (
        orders.select_related("member", "store")
        .prefetch_related(_lines())
        .order_by("due_at", "created_at", "id")
    )


def open_garment_counts(*, store: Store | None) -> dict[str, int]:
    """How many open garment orders are at each stage (one query)."""
    orders = Order.objects.filter(OPEN)
    if store is not None:
        orders = orders.filter(store=store)
    counts = dict(orders.values_list("stage").annotate(n=Count("id")).order_by())
    return {stage: counts.get(stage, 0) for stage in Order.OPEN_STAGES}
