"""Assertions every ledger test ends with."""

from decimal import Decimal

from django.db.models import Count, Min, Sum
from django.db.models.functions import Coalesce

from loyalty.models import Entitlement, PointsAccount, PointsAllocation, WalletAccount
from loyalty.services.checkout import PaymentSplit, checkout_order
from membership.services.orders import OrderLineInput
from tests.factories import ServiceCategoryFactory


def _replay(rows, *, zero):
    """Walk the entries oldest first: each balance_after is the running sum, never negative."""
    running = zero
    for amount, balance_after in rows:
        assert amount != 0
        running += amount
        assert running >= 0, running
        assert balance_after == running, (balance_after, running)
    return running


def assert_ledger_consistent(account) -> None:
    """balance == sum(entries), never negative, and every entry's balance_after is the running sum."""
    account.refresh_from_db()
    if isinstance(account, PointsAccount):
        rows = list(account.entries.order_by("id").values_list("amount", "balance_after"))
        total = _replay(rows, zero=0)
        assert account.balance == total, (account.balance, total)
        assert account.balance >= 0
        # Every point held sits in a lot: what the lots earned minus what was taken from them.
        earned = sum(a for a, _b in rows if a > 0)
        spent = -sum(a for a, _b in rows if a < 0)
        taken = PointsAllocation.objects.filter(lot__account=account).aggregate(
            s=Coalesce(Sum("points"), 0), low=Min("points"), n=Count("id")
        )
        assert taken["s"] == spent, (taken, spent)
        assert taken["n"] == 0 or taken["low"] > 0
        assert earned - taken["s"] == account.balance
    elif isinstance(account, WalletAccount):
        rows = list(
            account.entries.order_by("id").values_list(
                "amount", "balance_after", "principal_amount", "bonus_amount"
            )
        )
        total = _replay([(r[0], r[1]) for r in rows], zero=Decimal("0"))
        principal = sum((r[2] for r in rows), Decimal("0"))
        bonus = sum((r[3] for r in rows), Decimal("0"))
        assert all(r[0] == r[2] + r[3] for r in rows)
        assert account.principal == principal, (account.principal, principal)
        assert account.bonus == bonus, (account.bonus, bonus)
        assert account.balance == total
        assert account.principal >= 0 and account.bonus >= 0
    elif isinstance(account, Entitlement):
        rows = list(account.entries.order_by("id").values_list("amount", "balance_after"))
        assert account.remaining == _replay(rows, zero=0)
        assert 0 <= account.remaining <= account.granted
    else:  # pragma: no cover - a test bug
        raise TypeError(type(account))


def cash_order(member, staff, *, key: str, amount: str = "50", **kwargs):
    """A one-line order paid in cash, rung up by `staff` at their store (through the checkout)."""
    return checkout_order(
        member=member,
        store=staff.store,
        lines=[OrderLineInput(ServiceCategoryFactory(), 1, Decimal(amount))],
        payments=PaymentSplit(cash=Decimal(amount)),
        acting_user=staff,
        idempotency_key=key,
        **kwargs,
    )
