"""The offer report under Reports in /cms/."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .reports import OfferReportMenuItem, OfferReportView


@hooks.register("register_admin_urls")
def register_offer_report_urls():
    return [
        path("reports/offers/", OfferReportView.as_view(), name="content_offer_report"),
        path(
            "reports/offers/results/",
            OfferReportView.as_view(results_only=True),
            name="content_offer_report_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_offer_report_menu_item():
    return OfferReportMenuItem(
        _("Offers"), reverse("content_offer_report"), name="offers", icon_name="tag", order=110
    )
