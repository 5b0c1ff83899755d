"""The one lock order for a member's money (the shape of Saleor's giftcard/lock_objects.py).

Every flow that changes a member's points, stored value, packages or coupons takes its row
locks through this module, inside its transaction, in this order:

1. the member row;
2. the document the flow changes, if any (the order being refunded, the online top-up being
   credited);
3. that member's accounts: points, then wallet, then package entitlements by id, then
   coupons by id;
4. last, a reward rule's monthly budget (shared by every member the rule rewards, so it is
   held only for the moment of one reward, after everything of the member).

Step 1 serialises every money flow of one member, so two flows can never each hold a row
the other waits for (checkout locked the entitlement then the wallet while a refund locked
the wallet then the entitlement: PostgreSQL answered `deadlock detected`). The fixed order of
step 3 keeps that true for any flow that, by mistake, skipped step 1.

The member row is locked FOR NO KEY UPDATE: inserting a row that references the member
(an order, an entry) takes a KEY SHARE lock, which this does not block, and which a flow
already holding one can upgrade from without waiting on its own insert. Locking twice in
one transaction is harmless (PostgreSQL answers at once), so every ledger service locks the
member itself and composed flows may call several of them. On SQLite `select_for_update` is
a no-op: SQLite serialises writers on its own.
"""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from loyalty.conf import currency
from loyalty.models import Entitlement, MemberCoupon, PointsAccount, RuleBudget, WalletAccount
from membership.models import Member


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("Row locks need a transaction.atomic block.")


def lock_member(member_id: int) -> None:
    """Step 1: lock the member row until the transaction ends."""
    _require_transaction()
    Member.objects.select_for_update(no_key=True).filter(pk=member_id).values_list("pk").first()


def _lock_or_create_account(model, member_id: int, **defaults):
    lock_member(member_id)
    account = model.objects.select_for_update().filter(member_id=member_id).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():  # savepoint: keeps the outer transaction usable on a clash
            return model.objects.create(member_id=member_id, **defaults)
    except IntegrityError:
        return model.objects.select_for_update().get(member_id=member_id)


def lock_points_account(member_id: int) -> PointsAccount:
    """The member's points account (created if needed), locked after the member row."""
    return _lock_or_create_account(PointsAccount, member_id)


def lock_wallet_account(member_id: int) -> WalletAccount:
    """The member's stored-value account (created if needed), locked after the member row."""
    return _lock_or_create_account(WalletAccount, member_id, currency=currency())


def lock_entitlements(member_id: int, entitlements: QuerySet[Entitlement]) -> list[Entitlement]:
    """Some of the member's package entitlements, locked in id order after the member row."""
    lock_member(member_id)
    return list(entitlements.filter(member_id=member_id).select_for_update().order_by("pk"))


def lock_coupon(coupon_id: int) -> MemberCoupon:
    """A member's coupon, locked after its holder's member row."""
    member_id = MemberCoupon.objects.values_list("member_id", flat=True).get(pk=coupon_id)
    lock_member(member_id)
    return MemberCoupon.objects.select_for_update().get(pk=coupon_id)


def lock_rule_budget(member_id: int, rule_id: int, month: str) -> RuleBudget:
    """A rule's budget row for one month (created if needed), locked after the member row of
    the member being rewarded."""
    lock_member(member_id)
    budget = RuleBudget.objects.select_for_update().filter(rule_id=rule_id, month=month).first()
    if budget is not None:
        return budget
    try:
        with transaction.atomic():
            return RuleBudget.objects.create(rule_id=rule_id, month=month)
    except IntegrityError:
        return RuleBudget.objects.select_for_update().get(rule_id=rule_id, month=month)


__all__ = [
    "lock_member",
    "lock_points_account",
    "lock_wallet_account",
    "lock_entitlements",
    "lock_coupon",
    "lock_rule_budget",
]
