from decimal import Decimal

from django.db.models import QuerySet

from loyalty.models import WalletAccount, WalletEntry
from membership.models import Member


def wallet_history(*, account: WalletAccount | None) -> QuerySet[WalletEntry]:
    if account is None:
        return WalletEntry.objects.none()
    return WalletEntry.objects.filter(account=account).order_by("-created_at", "-id")


def wallet_balance(*, member: Member) -> Decimal | None:
    """The member's stored-value balance, or None when they never had an account."""
    account = WalletAccount.objects.filter(member=member).only("principal", "bonus").first()
    return account.balance if account else None
