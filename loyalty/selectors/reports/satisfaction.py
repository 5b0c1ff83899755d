"""Satisfaction by month: members' ratings of their orders (average and the 1–5 spread),
complaints, and the staff follow-ups opened, done, still open and overdue.

Two queries whatever the number of members: each groups by the shop's month in the
database. With a store chosen, feedback and follow-ups count through their order's store; a
follow-up opened without an order (by hand, by a rule) belongs to no store and is left out.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from membership.models import FollowUpTask, OrderFeedback

from .month_sums import CENT, month_of, shop_bounds, shop_months, truncated_month

RATINGS = (1, 2, 3, 4, 5)


@dataclass
class SatisfactionMonth:
    month: date
    ratings: int = 0
    rating_total: int = 0
    by_rating: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))
    complaints: int = 0
    followups_opened: int = 0
    followups_done: int = 0
    followups_open: int = 0
    followups_overdue: int = 0

    @property
    def average(self) -> Decimal | None:
        """The mean rating to two decimals (None in a month without a rating)."""
        if not self.ratings:
            return None
        return (Decimal(self.rating_total) / self.ratings).quantize(CENT)


def satisfaction_by_month(*, scope, now: datetime | None = None) -> list[SatisfactionMonth]:
    """One row per month of the scope; follow-ups count in the month they were opened,
    "open" and "overdue" as of ``now`` (overdue: open and past its due time)."""
    now = now or timezone.now()
    start, end, store_id = *shop_bounds(scope), scope.store_id
    rows = {month: SatisfactionMonth(month=month) for month in shop_months(scope)}
    feedback = OrderFeedback.objects.filter(created_at__gte=start, created_at__lt=end)
    followups = FollowUpTask.objects.filter(created_at__gte=start, created_at__lt=end)
    if store_id is not None:
        feedback = feedback.filter(order__store_id=store_id)
        followups = followups.filter(order__store_id=store_id)
    per_rating = {f"r{n}": Count("pk", filter=Q(rating=n)) for n in RATINGS}
    for values in (
        feedback.annotate(month=truncated_month("created_at"))
        .values("month")
        .annotate(
            n=Count("pk"),
            total=Sum("rating"),
            complaints=Count("pk", filter=Q(is_complaint=True)),
            **per_rating,
        )
        .order_by()
    ):
        row = rows[month_of(values["month"])]
        row.ratings, row.rating_total = values["n"], values["total"] or 0
        row.complaints = values["complaints"]
        row.by_rating = {n: values[f"r{n}"] for n in RATINGS}
    open_ = Q(done_at__isnull=True)
    for values in (
        followups.annotate(month=truncated_month("created_at"))
        .values("month")
        .annotate(
            n=Count("pk"),
            done=Count("pk", filter=~open_),
            open=Count("pk", filter=open_),
            overdue=Count("pk", filter=open_ & Q(due_at__lt=now)),
        )
        .order_by()
    ):
        row = rows[month_of(values["month"])]
        row.followups_opened, row.followups_done = values["n"], values["done"]
        row.followups_open, row.followups_overdue = values["open"], values["overdue"]
    return list(rows.values())
