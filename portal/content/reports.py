"""The owner's offer report in /cms/ (Reports → Offers): for each offer, how many members saw
it on their dashboard, how many used it (followed its call to action) and the conversion, in
the months chosen, paginated, with a chart of the page's offers and Wagtail's CSV and Excel
export. It keeps its own addresses (``content_offer_report``)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn

from loyalty.selectors.reports.month_sums import shop_bounds
from portal.owner.reports.base import OwnerReportMenuItem, OwnerReportView, chart_spec

from .selectors import offer_conversion

CHART_OFFERS = 20  # the chart shows the page's first offers; the table has them all


def conversion_percent(*, views: int, uses: int) -> str:
    """Uses per view as a percentage with one decimal ("12.5%"), "–" before any view."""
    if not views:
        return "–"
    return f"{uses * 100 / views:.1f}%"


class OfferReportView(OwnerReportView):
    slug = "offers"
    page_title = _("Offers")
    header_icon = "tag"
    paginate_by = 50
    explanation = _(
        "Seen by: members who first saw the offer on their dashboard in the months shown (shop "
        "time); used by: members who followed its call to action in those months; conversion "
        "= used by ÷ seen by. Offers are the business's: the store filter does not apply."
    )
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

    @classmethod
    def url_name(cls, *, results: bool = False) -> str:
        return "content_offer_report" + ("_results" if results else "")

    def get_rows(self, scope):
        return offer_conversion(*shop_bounds(scope))

    def get_chart(self, rows, scope):
        return None  # drawn from the page's offers only (see get_context_data)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        offers = list(context["object_list"])[:CHART_OFFERS]
        if offers:
            context["chart"] = chart_spec(
                categories=[offer.title for offer in offers],
                series=[
                    {"name": _("Seen by"), "data": [offer.views for offer in offers]},
                    {"name": _("Used by"), "data": [offer.uses for offer in offers]},
                ],
            )
        return context

    def decorate_paginated_queryset(self, object_list):
        for offer in object_list:
            offer.conversion = conversion_percent(views=offer.views, uses=offer.uses)
        return object_list

    def to_row_dict(self, item):
        # The export runs over the whole list, not the decorated page.
        item.conversion = conversion_percent(views=item.views, uses=item.uses)
        return super().to_row_dict(item)


class OfferReportMenuItem(OwnerReportMenuItem):
    """Shown to those who may see the owner's reports, like the others."""
