"""The filters every owner report shares: one store, and a range of calendar months."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.active_filters import BaseFilterAdapter, register_filter_adapter_class
from wagtail.admin.filters import WagtailFilterSet

from membership.models import Store

MONTH_FORMAT = "%Y-%m"


class MonthField(forms.DateField):
    """A calendar month typed as YYYY-MM (the browser's month picker sends that)."""

    widget = forms.DateInput(attrs={"type": "month"}, format=MONTH_FORMAT)

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [MONTH_FORMAT])
        super().__init__(**kwargs)


class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def filter(self, queryset, value):
        return queryset  # the report reads the month itself (see OwnerReportView.scope)


def _stores(request):
    from .access import reports_forced_store_id

    stores = Store.objects.order_by("name")
    forced = reports_forced_store_id(request.user) if request else None
    return stores.filter(pk=forced) if forced else stores


class MonthFilterAdapter(BaseFilterAdapter):
    """The active-filter pill reads "From month: 2026-08", not the date of its 1st."""

    def get_active_filters(self):
        for active in super().get_active_filters():
            yield active._replace(value=self.value.strftime(MONTH_FORMAT))


register_filter_adapter_class(MonthFilter, MonthFilterAdapter)


class StoreFilter(django_filters.ModelChoiceFilter):
    def filter(self, queryset, value):
        return queryset


class ReportFilterSet(WagtailFilterSet):
    store = StoreFilter(label=_("Store"), queryset=_stores, empty_label=_("All stores"))
    from_month = MonthFilter(
        label=_("From month"), help_text=_("Empty: the 12 months up to the last month.")
    )
    to_month = MonthFilter(label=_("To month"), help_text=_("Empty: the latest month."))
