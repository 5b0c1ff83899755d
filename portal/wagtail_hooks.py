"""The owner's report views in /cms/ (portal.owner), registered here: ``portal`` is the
installed app whose hooks Wagtail loads."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from portal.owner.imports import (
    ImportCancelView,
    ImportConfirmView,
    ImportIndexView,
    ImportJobView,
    ImportMenuItem,
)
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
