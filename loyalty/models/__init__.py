from .coupons import CouponEvent, CouponTemplate, CouponValueType, MemberCoupon
from .exports import ExportJob
from .imports import ImportJob, ImportKind, ImportStatus
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
from .package_sales import PackageSale
from .packages import Entitlement, EntitlementEntry, MemberPackage, Package, PackageItem
from .points_catalogue import PointsReward
from .reports import ReportMonthSummary
from .reviews import MemberTierState, TierChange, TierReviewRun
from .rules import (
    EffectKind,
    RewardRule,
    RuleBudget,
    RuleEffect,
    RuleEventReceipt,
    RuleFiring,
    RulePeriod,
    RuleTrigger,
    SpendWindow,
)
from .segments import (
    DynamicTagRule,
    LifecycleStage,
    MemberSegment,
    SegmentRun,
    SegmentSettings,
    ValueGroup,
)
from .settings import ExpiryPolicy, LoyaltySettings
from .topups import OnlineTopUp, StripeEvent, TopUpBonusRule

__all__ = [
    "ExportJob",
    "ReportMonthSummary",
    "DynamicTagRule",
    "LifecycleStage",
    "MemberSegment",
    "SegmentRun",
    "SegmentSettings",
    "ValueGroup",
    "EffectKind",
    "RewardRule",
    "RuleBudget",
    "RuleEffect",
    "RuleEventReceipt",
    "RuleFiring",
    "RulePeriod",
    "RuleTrigger",
    "SpendWindow",
    "TierChange",
    "TierReviewRun",
    "CouponEvent",
    "CouponTemplate",
    "CouponValueType",
    "Entitlement",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
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
    "PackageSale",
    "PointsAccount",
    "PointsAllocation",
    "PointsEntry",
    "PointsExpiryWarning",
    "PointsReward",
    "StripeEvent",
    "TopUpBonusRule",
    "TopUpMethod",
    "WalletAccount",
    "WalletEntry",
]
