"""The owner's offer report in /cms/ (Reports → Offers): for each offer, how many members saw
it on their dashboard, how many used it (followed its call to action) and the conversion,
paginated, with Wagtail's CSV and Excel export."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from .models import OfferStat
from .selectors import offer_conversion


def conversion_percent(*, views: int, uses: int) -> str:
    """Uses per view as a percentage with one decimal ("12.5%"), "–" before any view."""
    if not views:
        return "–"
    return f"{uses * 100 / views:.1f}%"


class OfferReportView(ReportView):
    page_title = _("Offers")
    header_icon = "tag"
    index_url_name = "content_offer_report"
    index_results_url_name = "content_offer_report_results"
    paginate_by = 50
    permission_policy = ModelPermissionPolicy(OfferStat)
    permission_required = "view"
    export_filename = "offers"
    columns = [
        Column("title", label=_("Offer"), accessor="title"),
        Column("value", label=_("Value"), accessor="value"),
        DateColumn("valid_from", label=_("From"), accessor="valid_from"),
        DateColumn("valid_until", label=_("Until"), accessor="valid_until"),
        Column("views", label=_("Seen by"), accessor="views"),
        Column("uses", label=_("Used by"), accessor="uses"),
        Column("conversion", label=_("Conversion"), accessor="conversion"),
    ]
    list_export = ["title", "value", "views", "uses", "conversion"]
    export_headings = {
        "title": _("Offer"),
        "value": _("Value"),
        "views": _("Seen by"),
        "uses": _("Used by"),
        "conversion": _("Conversion"),
    }

    def get_queryset(self):
        return offer_conversion()

    def decorate_paginated_queryset(self, object_list):
        for offer in object_list:
            offer.conversion = conversion_percent(views=offer.views, uses=offer.uses)
        return object_list

    def to_row_dict(self, item):
        # The export runs over the whole list, not the decorated page.
        item.conversion = conversion_percent(views=item.views, uses=item.uses)
        return super().to_row_dict(item)


class OfferReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("content.view_offerstat")
