"""The owner's reports, in menu order: each gets its URLs and a Reports menu item."""

from .base import OwnerReportView
from .tiers import TierFlowReport

OWNER_REPORTS: list[type[OwnerReportView]] = [
    TierFlowReport,
]
