from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.conf import loyalty_settings
from loyalty.engine import ledger as engine
from loyalty.models import PointsAccount, PointsAllocation, PointsEntry

# How many expiring lots the points page lists (the soonest); the total covers them all.
EXPIRING_SHOWN = 5


@dataclass(frozen=True)
class ExpiringPoints:
    points: int  # all points expiring within the window
    lots: int  # how many lots they are in
    soonest: list[tuple[datetime, int]]  # [(expires_at, points)], the first few, soonest first
    days: int  # the owner's warning window


def points_open_lots(*, account: PointsAccount) -> list[engine.Lot]:
    """The account's lots that still hold points (earned entries minus what was taken)."""
    rows = (
        PointsEntry.objects.filter(account=account, amount__gt=0)
        .annotate(used=Coalesce(Sum("consumed_by__points"), 0))
        .filter(amount__gt=F("used"))
        .order_by()
        .values_list("id", "amount", "used", "expires_at", "created_at")
    )
    return [
        engine.Lot(id=i, remaining=amount - used, expires_at=exp, created_at=created)
        for i, amount, used, exp, created in rows
    ]


def _window(now: datetime | None, days: int | None) -> tuple[datetime, datetime, int]:
    now = now or timezone.now()
    if days is None:
        days = loyalty_settings().points_warning_days
    days = max(days, 0)
    return now, now + timezone.timedelta(days=days), days


def _expiring_lots(*, account: PointsAccount, now: datetime, horizon: datetime) -> QuerySet:
    """Lots with points left that expire in (now, horizon], soonest first (as they are spent)."""
    used = (
        PointsAllocation.objects.filter(lot=OuterRef("pk"))
        .order_by()
        .values("lot")
        .annotate(total=Sum("points"))
        .values("total")
    )
    return (
        PointsEntry.objects.filter(
            account=account, amount__gt=0, expires_at__gt=now, expires_at__lte=horizon
        )
        .annotate(remaining=F("amount") - Coalesce(Subquery(used), 0))
        .filter(remaining__gt=0)
        .order_by("expires_at", "created_at", "id")
    )


def points_expiring(
    *,
    account: PointsAccount,
    now: datetime | None = None,
    days: int | None = None,
    shown: int = EXPIRING_SHOWN,
) -> ExpiringPoints:
    """What expires within the owner's warning window: the total and the soonest few lots.

    Two queries whatever the account's history: the database adds the points up.
    """
    now, horizon, days = _window(now, days)
    lots = _expiring_lots(account=account, now=now, horizon=horizon)
    totals = lots.order_by().aggregate(points=Coalesce(Sum("remaining"), 0), lots=Count("pk"))
    soonest = list(lots.values_list("expires_at", "remaining")[:shown]) if totals["lots"] else []
    return ExpiringPoints(points=totals["points"], lots=totals["lots"], soonest=soonest, days=days)


def points_expiring_soon(
    *, account: PointsAccount, now: datetime | None = None, days: int | None = None
) -> list[tuple[datetime, int]]:
    """[(expires_at, points)] of every lot expiring within the owner's warning window, soonest
    first."""
    now, horizon, _days = _window(now, days)
    return list(
        _expiring_lots(account=account, now=now, horizon=horizon).values_list(
            "expires_at", "remaining"
        )
    )


def points_history(*, account: PointsAccount | None) -> QuerySet[PointsEntry]:
    if account is None:
        return PointsEntry.objects.none()
    return PointsEntry.objects.filter(account=account).order_by("-created_at", "-id")
