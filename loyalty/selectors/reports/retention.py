"""Retention and churn by month.

Active in month M: at least one completed order in M or the ACTIVE_MONTHS - 1 months before.
Retention in M: of the members active in M-1, the share still active in M; churn = 100 % -
retention.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from .month_counts import month_counts
from .months import ReportScope
from .percent import percent


@dataclass
class RetentionRow:
    month: datetime.date
    active_before: int
    retained: int
    active: int
    retention: Decimal | None
    churn: Decimal | None


def retention_by_month(scope: ReportScope) -> list[RetentionRow]:
    rows = []
    for month, counted in month_counts(scope.months, scope.store_id).items():
        before = sum(counts.previous_active for counts in counted)
        retained = sum(counts.retained for counts in counted)
        retention = percent(retained, before)
        rows.append(
            RetentionRow(
                month=month,
                active_before=before,
                retained=retained,
                active=sum(counts.active for counts in counted),
                retention=retention,
                churn=None if retention is None else Decimal(100) - retention,
            )
        )
    return sorted(rows, key=lambda row: row.month)
