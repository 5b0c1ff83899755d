"""Stored-value liability by month: what members hold (principal they paid in, bonus the
shop gave) at each month's end, and that month's movements.

Two queries whatever the number of members, both summed in the database: what the accounts
hold now, and one sum per month and entry kind from the first month on. The ledger is
append-only and every account's balance is the sum of its entries, so the balance before the
first month is what is held now less every movement since; each month's end adds its own
movements. Only the entries from the first month on are read, not the whole history.

Members belong to the business, not a store: the liability is business-wide and these sums
take no store filter.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loyalty.models import EntryKind, WalletAccount, WalletEntry

from .month_sums import cents_sum, from_cents, month_of, shop_bounds, shop_months, truncated_month

ZERO = Decimal("0.00")


@dataclass
class StoredValueMonth:
    month: date
    top_up_principal: Decimal = ZERO
    top_up_bonus: Decimal = ZERO
    spent_principal: Decimal = ZERO  # paid from stored value (shown positive)
    spent_bonus: Decimal = ZERO
    refunded: Decimal = ZERO  # payments of refunded orders put back into the wallet
    top_ups_refunded: Decimal = ZERO  # top-ups paid back to the member (shown positive)
    other: Decimal = ZERO  # adjustments, opening balances and any other kind (signed)
    principal: Decimal = ZERO  # held at the month's end
    bonus: Decimal = ZERO

    @property
    def spent(self) -> Decimal:
        return self.spent_principal + self.spent_bonus

    @property
    def outstanding(self) -> Decimal:
        return self.principal + self.bonus


def _add(row: StoredValueMonth, kind: str, principal: Decimal, bonus: Decimal) -> None:
    if kind == EntryKind.TOP_UP:
        row.top_up_principal += principal
        row.top_up_bonus += bonus
    elif kind == EntryKind.PAY:
        row.spent_principal -= principal
        row.spent_bonus -= bonus
    elif kind == EntryKind.REFUND:
        row.refunded += principal + bonus
    elif kind == EntryKind.REVERSAL:
        row.top_ups_refunded -= principal + bonus
    else:
        row.other += principal + bonus


def stored_value_by_month(*, scope) -> list[StoredValueMonth]:
    """One row per month of the scope, oldest first (its store is not used: see above)."""
    start, _end = shop_bounds(scope)
    held = WalletAccount.objects.aggregate(
        principal=cents_sum("principal"), bonus=cents_sum("bonus")
    )
    rows = {month: StoredValueMonth(month=month) for month in shop_months(scope)}
    moved = {}  # month -> (principal, bonus) net movement
    since = [ZERO, ZERO]  # every movement from the first month on, later months included
    sums = (
        WalletEntry.objects.filter(created_at__gte=start)
        .annotate(month=truncated_month("created_at"))
        .values_list("month", "kind")
        .annotate(principal=cents_sum("principal_amount"), bonus=cents_sum("bonus_amount"))
        .order_by()
    )
    for moment, kind, principal, bonus in sums:
        month = month_of(moment)
        principal, bonus = from_cents(principal), from_cents(bonus)
        since[0], since[1] = since[0] + principal, since[1] + bonus
        if month not in rows:
            continue
        _add(rows[month], kind, principal, bonus)
        before = moved.get(month, (ZERO, ZERO))
        moved[month] = (before[0] + principal, before[1] + bonus)
    principal = from_cents(held["principal"]) - since[0]
    bonus = from_cents(held["bonus"]) - since[1]
    for month, row in rows.items():
        change = moved.get(month, (ZERO, ZERO))
        principal, bonus = principal + change[0], bonus + change[1]
        row.principal, row.bonus = principal, bonus
    return list(rows.values())
