"""The owner's segment list in /cms/ (Reports → Segments): members by lifecycle stage, value
group, RFM score or tag, paginated, with Wagtail's CSV and Excel export of the whole filtered
list."""

import django_filters
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from loyalty.models import LifecycleStage, MemberSegment, ValueGroup
from loyalty.selectors.segments import segment_members
from membership.selectors.tags import tags_active

SCORES = [(n, str(n)) for n in range(1, 6)]
NO_GROUP = "none"


def _tags_text(member_tags) -> str:
    return ", ".join(member_tag.tag.display_name for member_tag in member_tags)


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else ""


class SegmentFilterSet(WagtailFilterSet):
    lifecycle_stage = django_filters.ChoiceFilter(
        label=_("Lifecycle stage"), choices=LifecycleStage.choices
    )
    value_group = django_filters.ChoiceFilter(
        label=_("Value group"),
        choices=[*ValueGroup.choices, (NO_GROUP, _("No order in the window"))],
        method="filter_value_group",
    )
    recency_score = django_filters.ChoiceFilter(label=_("Recency score (R)"), choices=SCORES)
    frequency_score = django_filters.ChoiceFilter(label=_("Frequency score (F)"), choices=SCORES)
    monetary_score = django_filters.ChoiceFilter(label=_("Monetary score (M)"), choices=SCORES)
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"),
        queryset=lambda request: tags_active(),
        field_name="member__member_tags__tag",
    )

    class Meta:
        model = MemberSegment
        fields = ["lifecycle_stage", "value_group", "recency_score", "frequency_score"]

    def filter_value_group(self, queryset, name, value):
        return queryset.filter(value_group="" if value == NO_GROUP else value)


class SegmentReportView(ReportView):
    page_title = _("Segments")
    header_icon = "group"
    filterset_class = SegmentFilterSet
    index_url_name = "owner_segments"
    index_results_url_name = "owner_segments_results"
    paginate_by = 50
    permission_policy = ModelPermissionPolicy(MemberSegment)
    permission_required = "view"
    export_filename = "segments"
    columns = [
        Column("number", label=_("Member"), accessor="member.number"),
        Column("name", label=_("Name"), accessor="member.name"),
        Column("stage", label=_("Lifecycle stage"), accessor="get_lifecycle_stage_display"),
        Column("group", label=_("Value group"), accessor="get_value_group_display"),
        Column("rfm", label=_("R · F · M"), accessor="rfm"),
        Column("orders", label=_("Orders in the window"), accessor="orders_in_window"),
        Column("spend", label=_("Spend in the window"), accessor="spend_in_window"),
        DateColumn("last_order_at", label=_("Last order"), accessor="last_order_at"),
        Column("tags", label=_("Tags"), accessor="tags_text"),
    ]
    list_export = [
        "member.number",
        "member.name",
        "member.user.phone",
        "member.consent_marketing_sms",
        "get_lifecycle_stage_display",
        "get_value_group_display",
        "recency_score",
        "frequency_score",
        "monetary_score",
        "orders_in_window",
        "spend_in_window",
        "last_order_at",
        "member.active_tags",
        "computed_at",
    ]
    export_headings = {
        "member.number": _("Member number"),
        "member.name": _("Name"),
        "member.user.phone": _("Phone"),
        "member.consent_marketing_sms": _("Offers by SMS"),
        "get_lifecycle_stage_display": _("Lifecycle stage"),
        "get_value_group_display": _("Value group"),
        "recency_score": _("Recency score (R)"),
        "frequency_score": _("Frequency score (F)"),
        "monetary_score": _("Monetary score (M)"),
        "orders_in_window": _("Orders in the window"),
        "spend_in_window": _("Spend in the window"),
        "last_order_at": _("Last order"),
        "member.active_tags": _("Tags"),
        "computed_at": _("Computed"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        both = {self.FORMAT_CSV: None, self.FORMAT_XLSX: None}
        self.custom_field_preprocess = {
            "member.active_tags": dict.fromkeys(both, _tags_text),
            "last_order_at": dict.fromkeys(both, _local),
            "computed_at": dict.fromkeys(both, _local),
            "member.consent_marketing_sms": dict.fromkeys(
                both, lambda value: str(_("Yes") if value else _("No"))
            ),
        }

    def get_header_buttons(self):
        buttons = super().get_header_buttons()
        if self.request.user.has_perm("loyalty.add_exportjob"):
            # A page of its own (with these filters, editable there) queues the file.
            query = self.request.GET.copy()
            for key in ("p", "export", "page"):
                query.pop(key, None)
            url = reverse("owner_export_segment")
            buttons.insert(
                0,
                HeaderButton(
                    _("Export in the background"),
                    url=f"{url}?{query.urlencode()}" if query else url,
                    icon_name="download",
                    attrs={"data-testid": "segment-export-link"},
                ),
            )
        return buttons

    def get_queryset(self):
        return segment_members()

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A tag filter joins member tags: one row per member all the same.
        return queryset.distinct() if self.filters and self.filters.data.get("tag") else queryset

    def decorate_paginated_queryset(self, object_list):
        for segment in object_list:
            scores = (segment.recency_score, segment.frequency_score, segment.monetary_score)
            segment.rfm = " · ".join(str(s) for s in scores) if scores[0] else "—"
            segment.tags_text = _tags_text(segment.member.active_tags)
        return object_list


class SegmentReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("loyalty.view_membersegment")
