from .ledger import PointsAccount, PointsEntry, WalletAccount, WalletEntry

__all__ = ["PointsAccount", "PointsEntry", "WalletAccount", "WalletEntry"]
