from .coupons import CouponEvent, CouponTemplate, CouponValueType, MemberCoupon
from .ledger import (
    EntryKind,
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsExpiryWarning,
    TopUpMethod,
    WalletAccount,
    WalletEntry,
)
from .packages import Entitlement, EntitlementEntry, MemberPackage, Package, PackageItem
from .reviews import MemberTierState, TierChange, TierReviewRun
from .settings import ExpiryPolicy, LoyaltySettings
from .topups import OnlineTopUp, StripeEvent, TopUpBonusRule

__all__ = [
    "TierChange",
    "TierReviewRun",
    "CouponEvent",
    "CouponTemplate",
    "CouponValueType",
    "Entitlement",
    "EntitlementEntry",
    "EntryKind",
    "ExpiryPolicy",
    "LoyaltySettings",
    "MemberCoupon",
    "MemberPackage",
    "MemberTierState",
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
