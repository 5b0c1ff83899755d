from datetime import datetime

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.conf import loyalty_settings
from loyalty.engine import ledger as engine
from loyalty.models import PointsAccount, PointsEntry


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


def points_expiring_soon(
    *, account: PointsAccount, now: datetime | None = None, days: int | None = None
) -> list[tuple[datetime, int]]:
    """[(expires_at, points)] of lots expiring within the owner's warning window, soonest first."""
    now = now or timezone.now()
    if days is None:
        days = loyalty_settings().points_warning_days
    horizon = now + timezone.timedelta(days=max(days, 0))
    return [
        (lot.expires_at, lot.remaining)
        for lot in sorted(points_open_lots(account=account), key=engine.lot_spending_order)
        if lot.expires_at is not None and now < lot.expires_at <= horizon
    ]


def points_history(*, account: PointsAccount | None) -> QuerySet[PointsEntry]:
    if account is None:
        return PointsEntry.objects.none()
    return PointsEntry.objects.filter(account=account).order_by("-created_at", "-id")
