"""The owner's reports: each listed here gets its URLs and an item in the Reports menu (in
the order of its ``menu_order``)."""

from .base import OwnerReportView
from .customers import LifetimeValueReport, RetentionReport
from .marketing import CouponReport, RuleEffectReport
from .money import PointsExpiryReport, PointsReport, StoredValueReport
from .satisfaction import SatisfactionReport
from .tiers import RepurchaseReport, TierDistributionReport, TierFlowReport

OWNER_REPORTS: list[type[OwnerReportView]] = [
    TierDistributionReport,
    TierFlowReport,
    RepurchaseReport,
    RetentionReport,
    LifetimeValueReport,
    SatisfactionReport,
    CouponReport,
    RuleEffectReport,
    StoredValueReport,
    PointsReport,
    PointsExpiryReport,
]
