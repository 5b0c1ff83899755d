"""Customer reports: retention and churn by month, and lifetime value by tier."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from loyalty.selectors.reports.lifetime_value import lifetime_value_by_tier
from loyalty.selectors.reports.month_counts import ACTIVE_MONTHS
from loyalty.selectors.reports.months import current_month, month_add
from loyalty.selectors.reports.retention import retention_by_month

from .base import OwnerReportView, chart_spec, month_label, percent_text


class RetentionReport(OwnerReportView):
    slug = "retention"
    page_title = _("Retention and churn")
    header_icon = "history"
    menu_icon = "history"
    menu_order = 230
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("before", label=_("Active the month before"), accessor="active_before"),
        Column("retained", label=_("Still active"), accessor="retained"),
        Column("retention", label=_("Retention"), accessor="retention_text"),
        Column("churn", label=_("Churn"), accessor="churn_text"),
        Column("active", label=_("Active in the month"), accessor="active"),
    ]
    list_export = ["month_text", "active_before", "retained", "retention", "churn", "active"]
    export_headings = {
        "month_text": _("Month"),
        "active_before": _("Active the month before"),
        "retained": _("Still active"),
        "retention": _("Retention (%)"),
        "churn": _("Churn (%)"),
        "active": _("Active in the month"),
    }

    def get_explanation(self, scope):
        return _(
            "Active: at least one completed order in the month or the %(before)s months before "
            "it (at the store, if one is chosen). Retention: of the members active the month "
            "before, the share still active; churn = 100%% − retention. Closed months only."
        ) % {"before": ACTIVE_MONTHS - 1}

    def latest_month(self):
        return month_add(current_month(), -1)

    def get_rows(self, scope):
        rows = retention_by_month(scope)
        for row in rows:
            row.month_text = month_label(row.month)
            row.retention_text = percent_text(row.retention)
            row.churn_text = percent_text(row.churn)
        return rows

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[row.month_text for row in rows],
            series=[
                {
                    "name": _("Retention"),
                    "data": [row.retention for row in rows],
                    "stack": "members",
                    "color": "#2e7d32",
                },
                {
                    "name": _("Churn"),
                    "data": [row.churn for row in rows],
                    "stack": "members",
                    "color": "#c62828",
                },
            ],
            percent=True,
        )


class LifetimeValueReport(OwnerReportView):
    slug = "lifetime-value"
    page_title = _("Customer lifetime value")
    header_icon = "user"
    menu_icon = "user"
    menu_order = 240
    explanation = _(
        "Net spend (order totals after every discount) of completed orders in the months shown "
        "(at the store, if one is chosen), by the member's tier now: the total, per member of "
        "the tier and per member who bought. Refunded and voided orders do not count."
    )
    columns = [
        Column("tier", label=_("Tier"), accessor="tier_name"),
        Column("members", label=_("Members"), accessor="members"),
        Column("buyers", label=_("Members who bought"), accessor="buyers"),
        Column("orders", label=_("Orders"), accessor="orders"),
        Column("spend", label=_("Net spend"), accessor="spend"),
        Column("per_member", label=_("Per member"), accessor="per_member_text"),
        Column("per_buyer", label=_("Per member who bought"), accessor="per_buyer_text"),
    ]
    list_export = ["tier_name", "members", "buyers", "orders", "spend", "per_member", "per_buyer"]
    export_headings = {
        "tier_name": _("Tier"),
        "members": _("Members"),
        "buyers": _("Members who bought"),
        "orders": _("Orders"),
        "spend": _("Net spend"),
        "per_member": _("Per member"),
        "per_buyer": _("Per member who bought"),
    }

    def get_rows(self, scope):
        rows = lifetime_value_by_tier(scope)
        for row in rows:
            row.tier_name = row.tier.display_name
            row.per_member_text = "–" if row.per_member is None else row.per_member
            row.per_buyer_text = "–" if row.per_buyer is None else row.per_buyer
        return rows

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[row.tier_name for row in rows],
            series=[
                {"name": _("Per member"), "data": [row.per_member for row in rows]},
                {"name": _("Per member who bought"), "data": [row.per_buyer for row in rows]},
            ],
        )
