"""Tier reports: distribution against the target shares, and the monthly flow between tiers."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from loyalty.selectors.reports.tier_flow import DOWN, UP, tier_flow

from .base import OwnerReportView, chart_spec, month_label


class TierFlowReport(OwnerReportView):
    slug = "tier-flow"
    page_title = _("Tier flow")
    header_icon = "arrow-up"
    menu_icon = "arrow-up"
    menu_order = 210
    explanation = _(
        "Tier changes recorded in each month (shop time), from one tier to another: reviews, "
        "promotions on an order and manual moves. Up above the line, down below it. With a "
        "store: members who completed an order there in the months shown."
    )
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("from", label=_("From tier"), accessor="from_name"),
        Column("to", label=_("To tier"), accessor="to_name"),
        Column("direction", label=_("Direction"), accessor="direction_label"),
        Column("members", label=_("Members"), accessor="members"),
    ]
    list_export = ["month_text", "from_name", "to_name", "direction_label", "members"]
    export_headings = {
        "month_text": _("Month"),
        "from_name": _("From tier"),
        "to_name": _("To tier"),
        "direction_label": _("Direction"),
        "members": _("Members"),
    }

    def get_rows(self, scope):
        rows = tier_flow(scope)
        for row in rows:
            row.month_text = month_label(row.month)
        return rows

    def get_chart(self, rows, scope):
        months = scope.months
        index = {month: i for i, month in enumerate(months)}
        pairs: dict[str, dict] = {}
        for row in rows:
            if row.direction not in (UP, DOWN):
                continue
            name = f"{row.from_name} → {row.to_name}"
            series = pairs.setdefault(
                name, {"name": name, "data": [0] * len(months), "stack": row.direction}
            )
            sign = 1 if row.direction == UP else -1
            series["data"][index[row.month]] += sign * row.members
        return chart_spec(
            categories=[month_label(month) for month in months], series=list(pairs.values())
        )
