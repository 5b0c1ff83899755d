"""Marketing: coupons by month and what each reward rule did (Reports → Coupons, Reward rules)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from loyalty.selectors.reports.marketing import coupons_by_month, rule_effects

from .base import OwnerReportView, chart_spec, month_label


def percent_text(value) -> str:
    return "–" if value is None else f"{value}%"


STORE_NOTE = _(
    "Coupons are given to members, who belong to the business: with a store chosen, only the "
    "uses, their discount and spend are that store's (through the order)."
)


class CouponReport(OwnerReportView):
    slug = "coupons"
    page_title = _("Coupons")
    header_icon = "tag"
    menu_icon = "tag"
    menu_order = 260
    explanation = _(
        "Issued: coupons given in the month (shop time); redemption rate: how many of them "
        "were used since, over how many were given. Uses, discount and spend: coupons used in "
        "the month on orders not refunded. Expired: coupons whose last day fell in the month "
        "with uses left."
    )
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("issued", label=_("Issued"), accessor="issued"),
        Column("issued_used", label=_("Of those, used"), accessor="issued_used"),
        Column("rate", label=_("Redemption rate"), accessor="rate_text"),
        Column("uses", label=_("Uses"), accessor="uses"),
        Column("discount", label=_("Discount given"), accessor="discount"),
        Column("spend", label=_("Spend on those orders"), accessor="spend"),
        Column("expired", label=_("Expired unused"), accessor="expired"),
    ]
    list_export = [
        "month_text",
        "issued",
        "issued_used",
        "rate_text",
        "uses",
        "discount",
        "spend",
        "expired",
    ]
    export_headings = {
        "month_text": _("Month"),
        "issued": _("Issued"),
        "issued_used": _("Of those, used"),
        "rate_text": _("Redemption rate"),
        "uses": _("Uses"),
        "discount": _("Discount given"),
        "spend": _("Spend on those orders"),
        "expired": _("Expired unused"),
    }

    def get_explanation(self, scope):
        if scope.store_id is None:
            return str(self.explanation)
        return f"{self.explanation} {STORE_NOTE}"

    def get_rows(self, scope):
        rows = coupons_by_month(scope=scope)
        for row in rows:
            row.month_text = month_label(row.month)
            row.rate_text = percent_text(row.redemption_percent)
        return rows

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[row.month_text for row in rows],
            series=[
                {"name": _("Issued"), "data": [r.issued for r in rows]},
                {"name": _("Uses"), "data": [r.uses for r in rows]},
                {"name": _("Expired unused"), "data": [r.expired for r in rows]},
            ],
        )


class RuleEffectReport(OwnerReportView):
    slug = "reward-rules"
    page_title = _("Reward rule effects")
    header_icon = "rotate"
    menu_icon = "rotate"
    menu_order = 265
    explanation = _(
        "For each automatic reward rule, over the months shown (shop time): the rewards it "
        "gave and their value (coupons at face value, packages at their price), the coupons "
        "it gave and how many were used since on orders not refunded, with those orders' "
        "spend and discount, as on the rule's own results page."
    )
    columns = [
        Column("rule", label=_("Rule"), accessor="rule"),
        Column("rewards", label=_("Rewards given"), accessor="rewards"),
        Column("value", label=_("Value"), accessor="value"),
        Column("coupons_issued", label=_("Coupons given"), accessor="coupons_issued"),
        Column("coupons_used", label=_("Coupons used"), accessor="coupons_used"),
        Column("rate", label=_("Redemption rate"), accessor="rate_text"),
        Column("spend", label=_("Spend on those orders"), accessor="coupon_spend"),
        Column("discount", label=_("Discount given"), accessor="coupon_discount"),
    ]
    list_export = [
        "rule_name",
        "rewards",
        "value",
        "coupons_issued",
        "coupons_used",
        "rate_text",
        "coupon_spend",
        "coupon_discount",
    ]
    export_headings = {
        "rule_name": _("Rule"),
        "rewards": _("Rewards given"),
        "value": _("Value"),
        "coupons_issued": _("Coupons given"),
        "coupons_used": _("Coupons used"),
        "rate_text": _("Redemption rate"),
        "coupon_spend": _("Spend on those orders"),
        "coupon_discount": _("Discount given"),
    }

    def get_explanation(self, scope):
        if scope.store_id is None:
            return str(self.explanation)
        return f"{self.explanation} {STORE_NOTE}"

    def get_rows(self, scope):
        rows = rule_effects(scope=scope)
        for row in rows:
            row.rule_name = str(row.rule)
            row.rate_text = percent_text(row.redemption_percent)
        return rows

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[row.rule_name for row in rows],
            series=[
                {"name": _("Rewards given"), "data": [r.rewards for r in rows]},
                {"name": _("Coupons used"), "data": [r.coupons_used for r in rows]},
            ],
        )
