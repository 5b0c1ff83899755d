"""Tier reports: distribution against the target shares, the monthly flow between tiers, and
repurchase against each tier's target."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, StatusFlagColumn

from loyalty.selectors.reports.months import current_month, month_add
from loyalty.selectors.reports.repurchase import repurchase_rates
from loyalty.selectors.reports.tier_distribution import tier_distribution
from loyalty.selectors.reports.tier_flow import DOWN, UP, tier_flow

from .base import OwnerReportView, chart_spec, month_label, percent_text


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


# ECharts' own default colours.
PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4"]


def _tier_lines(rows, months, value, *, target=None) -> list[dict]:
    """One line per tier over the months in its badge colour, and its target dashed."""
    index = {month: i for i, month in enumerate(months)}
    series: dict[int, dict] = {}
    targets: dict[int, dict] = {}
    # Badge colours tell the tiers apart only when no two are alike; else a fixed palette, so
    # a tier's line and its target line share a colour all the same.
    colours = {row.tier.pk: row.tier.badge_color.lower() for row in rows}
    if len(set(colours.values())) < len(colours):
        colours = {pk: PALETTE[i % len(PALETTE)] for i, pk in enumerate(colours)}
    for row in rows:
        tier = row.tier
        line = series.setdefault(
            tier.pk,
            {
                "name": tier.display_name,
                "data": [None] * len(months),
                "kind": "line",
                "color": colours[tier.pk],
            },
        )
        line["data"][index[row.month]] = value(row)
        if target and target(row) is not None:
            goal = targets.setdefault(
                tier.pk,
                {
                    "name": _("%(tier)s target") % {"tier": tier.display_name},
                    "data": [None] * len(months),
                    "kind": "line",
                    "color": colours[tier.pk],
                    "dashed": True,
                },
            )
            goal["data"][index[row.month]] = target(row)
    return [*series.values(), *targets.values()]


class TierDistributionReport(OwnerReportView):
    slug = "tier-distribution"
    page_title = _("Tier distribution")
    header_icon = "group"
    menu_icon = "group"
    menu_order = 200
    explanation = _(
        "Members in each tier at each month's end (this month: now) as a share of all members "
        "with a tier, against the tier's target share; flagged when more than 2 points away. "
        "With a store: members who completed an order there in the 12 months up to then."
    )
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("tier", label=_("Tier"), accessor="tier_name"),
        Column("members", label=_("Members"), accessor="members"),
        Column("share", label=_("Share"), accessor="share_text"),
        Column("target", label=_("Target"), accessor="target_text"),
        Column("gap", label=_("Gap (points)"), accessor="gap_text"),
        StatusFlagColumn("off_target", label=_("Status"), true_label=_("Off target")),
    ]
    list_export = ["month_text", "tier_name", "members", "share", "target", "gap", "status"]
    export_headings = {
        "month_text": _("Month"),
        "tier_name": _("Tier"),
        "members": _("Members"),
        "share": _("Share (%)"),
        "target": _("Target (%)"),
        "gap": _("Gap (points)"),
        "status": _("Status"),
    }

    def get_rows(self, scope):
        rows = tier_distribution(scope)
        for row in rows:
            row.month_text = month_label(row.month)
            row.tier_name = row.tier.display_name
            row.share_text = percent_text(row.share)
            row.target_text = percent_text(row.target)
            row.gap_text = "–" if row.gap is None else f"{row.gap:+}"
            row.status = str(_("Off target")) if row.off_target else ""
        return rows

    def get_chart(self, rows, scope):
        months = sorted({row.month for row in rows})
        return chart_spec(
            categories=[month_label(month) for month in months],
            series=_tier_lines(rows, months, lambda row: row.share, target=lambda r: r.target),
            percent=True,
            kind="line",
        )


class RepurchaseReport(OwnerReportView):
    slug = "repurchase"
    page_title = _("Repurchase by tier")
    header_icon = "rotate"
    menu_icon = "rotate"
    menu_order = 220
    explanation = _(
        "Of the members in a tier at the end of the month before who completed an order in "
        "that month, the share who completed another order in the month (closed months only; "
        "refunded and voided orders do not count); below the tier's target is a shortfall."
    )
    columns = [
        Column("month", label=_("Month"), accessor="month_text"),
        Column("tier", label=_("Tier"), accessor="tier_name"),
        Column("before", label=_("Bought the month before"), accessor="buyers_before"),
        Column("again", label=_("Bought again"), accessor="bought_again"),
        Column("rate", label=_("Repurchase rate"), accessor="rate_text"),
        Column("target", label=_("Target"), accessor="target_text"),
        StatusFlagColumn("shortfall", label=_("Status"), true_label=_("Below target")),
    ]
    list_export = [
        "month_text",
        "tier_name",
        "buyers_before",
        "bought_again",
        "rate",
        "target",
        "status",
    ]
    export_headings = {
        "month_text": _("Month"),
        "tier_name": _("Tier"),
        "buyers_before": _("Bought the month before"),
        "bought_again": _("Bought again"),
        "rate": _("Repurchase rate (%)"),
        "target": _("Target (%)"),
        "status": _("Status"),
    }

    def latest_month(self):
        return month_add(current_month(), -1)

    def get_rows(self, scope):
        rows = repurchase_rates(scope)
        for row in rows:
            row.month_text = month_label(row.month)
            row.tier_name = row.tier.display_name
            row.rate_text = percent_text(row.rate)
            row.target_text = percent_text(row.target)
            row.status = str(_("Below target")) if row.shortfall else ""
        return rows

    def get_chart(self, rows, scope):
        return chart_spec(
            categories=[month_label(month) for month in scope.months],
            series=_tier_lines(rows, scope.months, lambda row: row.rate, target=lambda r: r.target),
            percent=True,
            kind="line",
        )
