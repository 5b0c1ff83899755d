"""Assertions every ledger test ends with."""

from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from loyalty.models import (
    Entitlement,
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    WalletAccount,
    WalletEntry,
)


def assert_ledger_consistent(account) -> None:
    """balance == sum(entries) and never negative; the last entry's balance_after is the balance."""
    account.refresh_from_db()
    if isinstance(account, PointsAccount):
        entries = PointsEntry.objects.filter(account=account)
        total = entries.aggregate(s=Coalesce(Sum("amount"), 0))["s"]
        assert account.balance == total, (account.balance, total)
        assert account.balance >= 0
        last = entries.order_by("-id").first()
        assert (last.balance_after if last else 0) == account.balance
        # Every point held sits in a lot: the lots' remainders add up to the balance.
        lots = entries.filter(amount__gt=0).aggregate(s=Coalesce(Sum("amount"), 0))["s"]
        used = PointsAllocation.objects.filter(lot__account=account).aggregate(
            s=Coalesce(Sum("points"), 0)
        )["s"]
        assert lots - used == account.balance, (lots, used, account.balance)
        negative = entries.filter(amount__lt=0).aggregate(s=Coalesce(Sum("amount"), 0))["s"]
        assert -negative == used, (negative, used)
        assert not PointsAllocation.objects.filter(lot__account=account, points__lte=0).exists()
    elif isinstance(account, WalletAccount):
        entries = WalletEntry.objects.filter(account=account)
        sums = entries.aggregate(
            p=Coalesce(Sum("principal_amount"), Decimal("0")),
            b=Coalesce(Sum("bonus_amount"), Decimal("0")),
            a=Coalesce(Sum("amount"), Decimal("0")),
        )
        assert account.principal == sums["p"], (account.principal, sums)
        assert account.bonus == sums["b"], (account.bonus, sums)
        assert account.balance == sums["a"]
        assert account.principal >= 0 and account.bonus >= 0
        last = entries.order_by("-id").first()
        assert (last.balance_after if last else Decimal("0")) == account.balance
        assert not entries.exclude(amount=F("principal_amount") + F("bonus_amount")).exists()
    elif isinstance(account, Entitlement):
        total = account.entries.aggregate(s=Coalesce(Sum("amount"), 0))["s"]
        assert account.remaining == total
        assert 0 <= account.remaining <= account.granted
    else:  # pragma: no cover - a test bug
        raise TypeError(type(account))
