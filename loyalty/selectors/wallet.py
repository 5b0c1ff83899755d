from decimal import Decimal

from django.db.models import Q, QuerySet

from loyalty.models import EntryKind, WalletAccount, WalletEntry
from membership.models import Member


def wallet_history(*, account: WalletAccount | None) -> QuerySet[WalletEntry]:
    if account is None:
        return WalletEntry.objects.none()
    return WalletEntry.objects.filter(account=account).order_by("-created_at", "-id")


def wallet_balance(*, member: Member) -> Decimal | None:
    """The member's stored-value balance, or None when they never had an account."""
    account = WalletAccount.objects.filter(member=member).only("principal", "bonus").first()
    return account.balance if account else None


def wallet_balance_after_order(*, order) -> Decimal | None:
    """Stored value left once this order was paid (for its receipt), or None without a wallet.

    The order's own stored-value payment when it has one (written just after the order row),
    else the last balance change up to the order's time. One query.
    """
    paid_by_this_order = Q(source_type="order", source_id=order.number, kind=EntryKind.PAY)
    return (
        WalletEntry.objects.filter(account__member_id=order.member_id)
        .filter(paid_by_this_order | Q(created_at__lte=order.created_at))
        .order_by("-created_at", "-id")
        .values_list("balance_after", flat=True)
        .first()
    )
