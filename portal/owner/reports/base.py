"""What every owner report in /cms/ (Reports menu) shares.

A report is a Wagtail ``ReportView`` over a short list of rows (months, tiers) that a selector
computes for a ``ReportScope`` (a range of months in the shop's time zone and optionally one
store). On top of Wagtail's table, filters and CSV/XLSX export, it gets: the store and month
filters, one line saying how the numbers are computed, and a chart drawn by Apache ECharts from
a declarative spec (``static/js/owner_charts.js``; the data travels in a ``json_script`` block,
no inline script).

A report subclass sets ``slug``, ``page_title``, ``explanation``, ``columns``, ``list_export``
and ``export_headings``, and implements ``get_rows(scope)`` and ``get_chart(rows, scope)``;
listing it in ``registry.OWNER_REPORTS`` gives it its URLs and its menu item.
"""

import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports import ReportView

from loyalty.selectors.reports.months import ReportScope, current_month, month_add
from membership.models import Store

from .access import reports_allowed, reports_forced_store_id
from .filters import ReportFilterSet

DEFAULT_MONTHS = 12
MAX_MONTHS = 36  # a longer range is cut to its latest months: tables and charts stay readable
CHART_DATA_ID = "owner-report-chart-data"


def chart_spec(*, categories, series, percent=False, kind="bar") -> dict:
    """The declarative chart handed to owner_charts.js.

    ``series`` items: {"name", "data", optional "kind" ("bar"/"line"), "stack" (series with
    the same stack pile up), "dashed" (a target line), "color" (#rrggbb)}. ``percent`` labels the value axis in %.
    """
    return {
        "kind": kind,
        "percent": percent,
        "categories": [str(category) for category in categories],
        "series": [
            {**item, "name": str(item["name"]), "data": [_number(v) for v in item["data"]]}
            for item in series
        ],
    }


def _number(value):
    return None if value is None else float(value)


def month_label(month: datetime.date) -> str:
    return month.strftime("%Y-%m")


def percent_text(value) -> str:
    """A percentage for the table ("12.5%"), "–" where there is nothing to divide by."""
    return "–" if value is None else f"{value:.1f}%"


class OwnerReportView(ReportView):
    template_name = "portal/owner/reports/report.html"
    results_template_name = "portal/owner/reports/report_results.html"
    filterset_class = ReportFilterSet
    paginate_by = None  # rows are months × tiers at most: one page, the chart shows them all
    header_icon = "table"
    permission_required = None
    # Set by each report.
    slug = ""
    explanation = ""
    menu_icon = "table"
    menu_order = 200

    @classmethod
    def url_name(cls, *, results: bool = False) -> str:
        return f"owner_report_{cls.slug.replace('-', '_')}" + ("_results" if results else "")

    def dispatch(self, request, *args, **kwargs):
        if not reports_allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_index_url(self):
        return reverse(self.url_name())

    def get_index_results_url(self):
        return reverse(self.url_name(results=True))

    def get_filename(self):
        scope = self.scope
        return f"{self.slug}-{scope.first_month:%Y-%m}-{scope.last_month:%Y-%m}"

    def get_filterset_kwargs(self):
        # The filters describe the scope and filter no queryset (see scope below).
        return {**super().get_filterset_kwargs(), "queryset": Store.objects.none()}

    # --- scope -----------------------------------------------------------------------------
    def latest_month(self) -> datetime.date:
        """The last month this report can show (reports of closed months stop before now)."""
        return current_month()

    @cached_property
    def forced_store_id(self) -> int | None:
        return reports_forced_store_id(self.request.user)

    @cached_property
    def scope(self) -> ReportScope:
        data = {}
        if self.filters is not None:
            self.filters.is_valid()  # a bad field falls back to its default, the rest holds
            data = getattr(self.filters.form, "cleaned_data", {})
        latest = self.latest_month()
        last = min(data.get("to_month") or latest, latest).replace(day=1)
        first = (data.get("from_month") or month_add(last, 1 - DEFAULT_MONTHS)).replace(day=1)
        first = min(first, latest)  # a start in the future would swap into the end below
        first, last = min(first, last), max(first, last)
        first = max(first, month_add(last, 1 - MAX_MONTHS))
        store = data.get("store")
        store_id = self.forced_store_id or (store.pk if store else None)
        return ReportScope(first_month=first, last_month=last, store_id=store_id)

    # --- rows ------------------------------------------------------------------------------
    def get_rows(self, scope: ReportScope) -> list:
        raise NotImplementedError

    def get_chart(self, rows: list, scope: ReportScope) -> dict | None:
        return None

    def get_explanation(self, scope: ReportScope) -> str:
        return str(self.explanation)

    def get_queryset(self):
        return self.get_rows(self.scope)

    def filter_queryset(self, queryset):
        return queryset  # the rows are already computed for the scope

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["explanation"] = self.get_explanation(self.scope)
        context["chart"] = self.get_chart(list(self.object_list), self.scope)
        context["chart_data_id"] = CHART_DATA_ID
        context["scope"] = self.scope
        context["media"] += forms.Media(js=["vendor/echarts/echarts.min.js", "js/owner_charts.js"])
        return context


class OwnerReportMenuItem(MenuItem):
    def is_shown(self, request):
        return reports_allowed(request.user)
