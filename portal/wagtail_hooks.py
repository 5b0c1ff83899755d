"""The owner's report views in /cms/ (portal.owner), registered here: ``portal`` is the
installed app whose hooks Wagtail loads."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from membership.models import Tier
from membership.wagtail_hooks import MembershipGroup, TierViewSet
from portal import converters  # noqa: F401 (registers the path converters)
from portal.owner.exports import (
    ExportListView,
    ExportsMenuItem,
    SegmentExportView,
    export_download,
)
from portal.owner.getting_started import GettingStartedPanel
from portal.owner.imports import (
    ImportCancelView,
    ImportConfirmView,
    ImportIndexView,
    ImportJobView,
    ImportMenuItem,
)
from portal.owner.reports.base import OwnerReportMenuItem
from portal.owner.reports.registry import OWNER_REPORTS
from portal.owner.rules import RewardRuleViewSet
from portal.owner.segments import SegmentReportMenuItem, SegmentReportView
from portal.owner.what_if import ApplyNowMenuItem, PreviewEffectMenuItem, TierWhatIfViewSet


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
def register_export_urls():
    return [
        path("exports/", ExportListView.as_view(), name="owner_exports"),
        path("exports/segment/", SegmentExportView.as_view(), name="owner_export_segment"),
        path("exports/<id:pk>/csv/", export_download, {"fmt": "csv"}, name="owner_export_csv"),
        path("exports/<id:pk>/xlsx/", export_download, {"fmt": "xlsx"}, name="owner_export_xlsx"),
    ]


@hooks.register("register_reports_menu_item")
def register_exports_menu_item():
    return ExportsMenuItem(
        _("Exports"), reverse("owner_exports"), name="exports", icon_name="download", order=110
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


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path("import/", ImportIndexView.as_view(), name="owner_imports"),
        path("import/<int:pk>/", ImportJobView.as_view(), name="owner_import_job"),
        path("import/<int:pk>/confirm/", ImportConfirmView.as_view(), name="owner_import_confirm"),
        path("import/<int:pk>/cancel/", ImportCancelView.as_view(), name="owner_import_cancel"),
    ]


@hooks.register("register_settings_menu_item")
def register_import_menu_item():
    return ImportMenuItem(
        _("Import from the old till"),
        reverse("owner_imports"),
        name="import-old-till",
        icon_name="upload",
        order=900,
    )


# Reward rules: write, dry-run and see the effect (a snippet viewset with a results page).
register_snippet(RewardRuleViewSet)


class OwnerMembershipGroup(MembershipGroup):
    """The membership snippets, with the tier edit screen that previews a change (the
    what-if runs the loyalty review: it belongs here, above both apps; Wagtail has no way
    to swap one view of a registered viewset, so the group is registered once, here)."""

    items = tuple(
        TierWhatIfViewSet if item is TierViewSet else item for item in MembershipGroup.items
    )


register_snippet(OwnerMembershipGroup)


@hooks.register("register_snippet_action_menu_item")
def register_tier_preview_menu_item(model):
    return PreviewEffectMenuItem() if model is Tier else None


@hooks.register("register_snippet_action_menu_item")
def register_tier_apply_now_menu_item(model):
    return ApplyNowMenuItem() if model is Tier else None


@hooks.register("construct_homepage_panels")
def add_getting_started_panel(request, panels):
    panels.insert(0, GettingStartedPanel())
