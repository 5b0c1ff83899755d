from .coupons import CouponEvent, CouponTemplate, MemberCoupon
from .ledger import (
    EntryKind,
    LedgerImmutableError,
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsExpiryWarning,
    TopUpMethod,
    WalletAccount,
    WalletEntry,
)
from .packages import Entitlement, EntitlementEntry, MemberPackage, Package, PackageItem
from .settings import ExpiryPolicy, LoyaltySettings
from .topups import OnlineTopUp, StripeEvent, TopUpBonusRule

__all__ = [
    "CouponEvent",
    "CouponTemplate",
    "Entitlement",
    "EntitlementEntry",
    "EntryKind",
    "ExpiryPolicy",
    "LedgerImmutableError",
    "LoyaltySettings",
    "MemberCoupon",
    "MemberPackage",
    "OnlineTopUp",
    "Package",
    "PackageItem",
    "PointsAccount",
    "PointsAllocation",
    "PointsEntry",
    "PointsExpiryWarning",
    "StripeEvent",
    "TopUpBonusRule",
    "TopUpMethod",
    "WalletAccount",
    "WalletEntry",
]
