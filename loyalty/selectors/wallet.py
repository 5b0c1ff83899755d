from django.db.models import QuerySet

from loyalty.models import WalletAccount, WalletEntry


def wallet_history(*, account: WalletAccount | None) -> QuerySet[WalletEntry]:
    if account is None:
        return WalletEntry.objects.none()
    return WalletEntry.objects.filter(account=account).order_by("-created_at", "-id")
