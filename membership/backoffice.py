"""Shared pieces of the owner's back-office listings (Wagtail snippet views): every row opens,
values read as the rest of the app shows them (the shop's time zone, Yes/No)."""

import datetime

from django.contrib.admin.utils import quote
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.snippets.views.snippets import IndexView, InspectView


def name_column() -> Column:
    """The translated name (`display_name`) as a listing's first column."""
    label = pgettext_lazy("name of a tier, category, tag, package or coupon", "Name")
    return Column("display_name", label=label, accessor="display_name")


class LinkedIndexView(IndexView):
    """Wagtail links the first column to the row (with the row's action menu) only when it is
    named by a string; a first column given as a Column, for its own label, gets the same."""

    @cached_property
    def columns(self):
        columns = list(super().columns)
        first = self.list_display[0]
        for index, column in enumerate(columns):
            if column is first and type(column) is Column:
                columns[index] = self._linked(column)
        return columns

    def _linked(self, column: Column) -> TitleColumn:
        def row_url(instance):
            return self.get_edit_url(instance) or self.get_inspect_url(instance)

        column_class = self._get_title_column_class(TitleColumn)
        return column_class(
            column.name,
            label=column.label,
            accessor=column.accessor,
            sort_key=column.sort_key,
            get_url=row_url,
            get_title_id=lambda instance: f"snippet_{quote(instance.pk)}_title",
        )


class ShopInspectView(InspectView):
    """Times in the shop's time zone and Yes/No, like the rest of the app; Wagtail prints raw
    values ("True", UTC times, "None")."""

    field_labels: dict = {}  # field name -> label, where the model's verbose name reads wrong

    def get_field_label(self, field_name, field):
        if field_name in self.field_labels:
            return self.field_labels[field_name]
        return super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "-"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, datetime.datetime):
            shop_time = timezone.localtime(value, timezone.get_default_timezone())
            return formats.date_format(shop_time, "DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return formats.date_format(value, "DATE_FORMAT")
        return value


def next_monthly_review(*, now: datetime.datetime | None = None) -> datetime.date:
    """The date of the next monthly tier review: the 1st of next month, in the shop's time zone."""
    today = timezone.localdate(now or timezone.now(), timezone.get_default_timezone())
    return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
