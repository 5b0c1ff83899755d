"""The money members hold: stored-value and points liability by month, and the points due to
expire (Reports → Stored value, Points, Points expiring)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from loyalty.selectors.reports.points import points_by_month, points_due_to_expire
from loyalty.selectors.reports.stored_value import stored_value_by_month

from .base import OwnerReportView, chart_spec, month_label

EXPIRY_MONTHS_AHEAD = 12


def _with_month_text(rows):
    for row in rows:
        row.month_text = month_label(row.month)
    return rows


class StoredValueReport(OwnerReportView):
    slug = "stored-value"
    page_title = _("Stored value")
    header_icon = "form"
    menu_icon = "form"
    menu_order = 280
    explanation = _(
        "Held at each month's end (shop time) = the sum of every stored-value entry up to "
        "then, principal (money members paid in) and bonus (given by the shop) apart; the "
        "month's top-ups, spend and refunds are its entries by kind. Members belong to the "
        "business, not a store: the liability is business-wide and the store filter does not "
        "apply."
    )
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("top_up", label=_("Top-ups"), accessor="top_up_principal"),
        Column("bonus_given", label=_("Bonus given"), accessor="top_up_bonus"),
        Column("spent", label=_("Spent"), accessor="spent"),
        Column("refunded", label=_("Refunded to stored value"), accessor="refunded"),
        Column("paid_back", label=_("Top-ups paid back"), accessor="top_ups_refunded"),
        Column("other", label=_("Other"), accessor="other"),
        Column("principal", label=_("Principal held"), accessor="principal"),
        Column("bonus", label=_("Bonus held"), accessor="bonus"),
        Column("outstanding", label=_("Outstanding"), accessor="outstanding"),
    ]
    list_export = [
        "month_text",
        "top_up_principal",
        "top_up_bonus",
        "spent_principal",
        "spent_bonus",
        "refunded",
        "top_ups_refunded",
        "other",
        "principal",
        "bonus",
        "outstanding",
    ]
    export_headings = {
        "month_text": _("Month"),
        "top_up_principal": _("Top-ups (principal)"),
        "top_up_bonus": _("Bonus given"),
        "spent_principal": _("Spent from principal"),
        "spent_bonus": _("Spent from bonus"),
        "refunded": _("Refunded to stored value"),
        "top_ups_refunded": _("Top-ups paid back"),
        "other": _("Other (adjustments, opening balances)"),
        "principal": _("Principal held at month end"),
        "bonus": _("Bonus held at month end"),
        "outstanding": _("Outstanding at month end"),
    }

    def get_rows(self, scope):
        return _with_month_text(stored_value_by_month(scope=scope))

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[row.month_text for row in rows],
            series=[
                {"name": _("Principal held"), "data": [r.principal for r in rows], "stack": "h"},
                {"name": _("Bonus held"), "data": [r.bonus for r in rows], "stack": "h"},
                {"name": _("Top-ups"), "data": [r.top_up_principal for r in rows], "kind": "line"},
                {"name": _("Spent"), "data": [r.spent for r in rows], "kind": "line"},
            ],
        )


class PointsReport(OwnerReportView):
    slug = "points"
    page_title = _("Points")
    header_icon = "pick"
    menu_icon = "pick"
    menu_order = 281
    explanation = _(
        "Outstanding at each month's end (shop time) = the sum of every points entry up to "
        "then; earned includes points granted by rules, reversed is what refunds took back "
        "less spent points given back. Points belong to members, not a store: business-wide, "
        "the store filter does not apply."
    )
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("earned", label=_("Earned"), accessor="earned"),
        Column("redeemed", label=_("Redeemed"), accessor="redeemed"),
        Column("expired", label=_("Expired"), accessor="expired"),
        Column("reversed", label=_("Reversed by refunds"), accessor="reversed"),
        Column("other", label=_("Other"), accessor="other"),
        Column("outstanding", label=_("Outstanding"), accessor="outstanding"),
    ]
    list_export = [
        "month_text",
        "earned",
        "redeemed",
        "expired",
        "reversed",
        "other",
        "outstanding",
    ]
    export_headings = {
        "month_text": _("Month"),
        "earned": _("Earned"),
        "redeemed": _("Redeemed"),
        "expired": _("Expired"),
        "reversed": _("Reversed by refunds"),
        "other": _("Other (adjustments, opening balances)"),
        "outstanding": _("Outstanding at month end"),
    }

    def get_rows(self, scope):
        return _with_month_text(points_by_month(scope=scope))

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[row.month_text for row in rows],
            series=[
                {"name": _("Earned"), "data": [r.earned for r in rows]},
                {"name": _("Redeemed"), "data": [r.redeemed for r in rows]},
                {"name": _("Expired"), "data": [r.expired for r in rows]},
                {"name": _("Outstanding"), "data": [r.outstanding for r in rows], "kind": "line"},
            ],
        )


class PointsExpiryReport(OwnerReportView):
    slug = "points-expiring"
    page_title = _("Points expiring")
    header_icon = "time"
    menu_icon = "time"
    menu_order = 282
    filterset_class = None  # always the months ahead of today, every store
    explanation = _(
        "Points members still hold that expire in each of the next twelve months (shop time), "
        "from today: each earned lot's points less what was already spent or expired from it. "
        "Business-wide, like the points themselves."
    )
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("points", label=_("Points due to expire"), accessor="points"),
    ]
    list_export = ["month_text", "points"]
    export_headings = {"month_text": _("Month"), "points": _("Points due to expire")}

    def get_filename(self):
        return self.slug

    def get_rows(self, scope):
        return _with_month_text(points_due_to_expire(ahead=EXPIRY_MONTHS_AHEAD))

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[row.month_text for row in rows],
            series=[{"name": _("Points due to expire"), "data": [r.points for r in rows]}],
        )
