"""Satisfaction by month: ratings, complaints and follow-ups (Reports → Satisfaction)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from loyalty.selectors.reports.satisfaction import RATINGS, satisfaction_by_month

from .base import OwnerReportView, chart_spec, month_label

STARS = {n: "★" * n for n in RATINGS}


class SatisfactionReport(OwnerReportView):
    slug = "satisfaction"
    page_title = _("Satisfaction")
    header_icon = "pick"
    menu_icon = "pick"
    menu_order = 250
    explanation = _(
        "Members' ratings of their orders (1 to 5) in the month they were given, shop time: "
        "the average is the ratings' sum over their number. Follow-ups count in the month they "
        "were opened; open and overdue (past their due time) are as of now. With a store: "
        "feedback and follow-ups on that store's orders (a follow-up opened without an order "
        "belongs to no store)."
    )
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("ratings", label=_("Ratings"), accessor="ratings"),
        Column("average", label=_("Average"), accessor="average_text"),
        *[Column(f"r{n}", label=STARS[n], accessor=f"r{n}") for n in RATINGS],
        Column("complaints", label=_("Complaints"), accessor="complaints"),
        Column("opened", label=_("Follow-ups opened"), accessor="followups_opened"),
        Column("done", label=_("Done"), accessor="followups_done"),
        Column("open", label=_("Still open"), accessor="followups_open"),
        Column("overdue", label=_("Overdue"), accessor="followups_overdue"),
    ]
    list_export = [
        "month_text",
        "ratings",
        "average_text",
        *[f"r{n}" for n in RATINGS],
        "complaints",
        "followups_opened",
        "followups_done",
        "followups_open",
        "followups_overdue",
    ]
    export_headings = {
        "month_text": _("Month"),
        "ratings": _("Ratings"),
        "average_text": _("Average rating"),
        **{f"r{n}": _("%(n)d stars") % {"n": n} for n in RATINGS},
        "complaints": _("Complaints"),
        "followups_opened": _("Follow-ups opened"),
        "followups_done": _("Follow-ups done"),
        "followups_open": _("Follow-ups still open"),
        "followups_overdue": _("Follow-ups overdue"),
    }

    def get_rows(self, scope):
        rows = satisfaction_by_month(scope=scope)
        for row in rows:
            row.month_text = month_label(row.month)
            row.average_text = "" if row.average is None else str(row.average)
            for n in RATINGS:
                setattr(row, f"r{n}", row.by_rating[n])
        return rows

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[row.month_text for row in rows],
            series=[
                *[
                    {"name": STARS[n], "data": [row.by_rating[n] for row in rows], "stack": "r"}
                    for n in RATINGS
                ],
                {
                    "name": _("Complaints"),
                    "data": [row.complaints for row in rows],
                    "kind": "line",
                },
            ],
        )
