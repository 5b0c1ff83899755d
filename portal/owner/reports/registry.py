"""The owner's reports, in menu order: each gets its URLs and a Reports menu item."""

from .base import OwnerReportView
from .marketing import CouponReport, RuleEffectReport
from .money import PointsExpiryReport, PointsReport, StoredValueReport
from .satisfaction import SatisfactionReport
from .tiers import TierFlowReport

OWNER_REPORTS: list[type[OwnerReportView]] = [
    TierFlowReport,
    SatisfactionReport,
    CouponReport,
    RuleEffectReport,
    StoredValueReport,
    PointsReport,
    PointsExpiryReport,
]
