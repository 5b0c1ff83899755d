"""The owner's report views in /cms/ (portal.owner), registered here: ``portal`` is the
installed app whose hooks Wagtail loads."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from portal.owner.reports.base import OwnerReportMenuItem
from portal.owner.reports.registry import OWNER_REPORTS
from portal.owner.rules import RewardRuleViewSet
from portal.owner.segments import SegmentReportMenuItem, SegmentReportView


@hooks.register("register_admin_urls")
def register_segment_report_urls():
    return [
        path("reports/segments/", SegmentReportView.as_view(), name="owner_segments"),
        path(
            "reports/segments/results/",
            SegmentReportView.as_view(results_only=True),
            name="owner_segments_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_segment_report_menu_item():
    return SegmentReportMenuItem(
        _("Segments"), reverse("owner_segments"), name="segments", icon_name="group", order=100
    )


@hooks.register("register_admin_urls")
def register_owner_report_urls():
    urls = []
    for report in OWNER_REPORTS:
        base = f"reports/owner/{report.slug}/"
        urls.append(path(base, report.as_view(), name=report.url_name()))
        urls.append(
            path(
                f"{base}results/",
                report.as_view(results_only=True),
                name=report.url_name(results=True),
            )
        )
    return urls


for _report in OWNER_REPORTS:
    hooks.register(
        "register_reports_menu_item",
        lambda report=_report: OwnerReportMenuItem(
            report.page_title,
            reverse(report.url_name()),
            name=f"owner-{report.slug}",
            icon_name=report.menu_icon,
            order=report.menu_order,
        ),
    )


# Reward rules: write, dry-run and see the effect (a snippet viewset with a results page).
register_snippet(RewardRuleViewSet)
