"""The owner's Exports page in /cms/ (Reports → Exports): the monthly consumption exports
(written on the 1st for the month before, or on demand for a chosen month), segment exports
queued from the segment report, and their CSV and Excel files, streamed to the owner only.

Files are written by a background task (loyalty.tasks.run_export) into private storage;
nothing here reads a member row."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from loyalty.models import ExportJob
from loyalty.selectors.exports import segment_members_matching
from loyalty.services.exports import (
    RETENTION_DAYS,
    SEGMENT_PARAMETERS,
    export_request,
    previous_month,
    segment_filters,
)
from loyalty.tasks import run_export
from portal.owner.segments import SegmentFilterSet

PAGE_SIZE = 25
VIEW = "loyalty.view_exportjob"
ADD = "loyalty.add_exportjob"


def _queue(job: ExportJob) -> None:
    transaction.on_commit(lambda: run_export.enqueue(job_id=job.pk))


class _OwnerView(WagtailAdminTemplateMixin, TemplateView):
    permission = VIEW
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            return HttpResponseForbidden()
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": gettext_lazy("Home")},
            {"url": "", "label": self.page_title},
        ]


class ExportListView(_OwnerView):
    page_title = gettext_lazy("Exports")
    template_name = "portal/owner/exports.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = ExportJob.objects.select_related("requested_by").order_by("-created_at", "-id")
        context.update(
            page=Paginator(jobs, PAGE_SIZE).get_page(self.request.GET.get("page")),
            retention_days=RETENTION_DAYS,
            default_month=previous_month().strftime("%Y-%m"),
            max_month=timezone.localdate().strftime("%Y-%m"),
            can_add=self.request.user.has_perm(ADD),
            error=kwargs.get("error"),
        )
        return context

    def post(self, request):
        """Queue the monthly consumption export of a chosen month."""
        if not request.user.has_perm(ADD):
            return HttpResponseForbidden()
        try:
            with transaction.atomic():
                job = export_request(
                    kind=ExportJob.Kind.MONTHLY,
                    parameters={"month": request.POST.get("month", "")[:20]},
                    acting_user=request.user,
                )
                _queue(job)
        except ValidationError as error:
            context = self.get_context_data(error=error.messages[0])
            return self.render_to_response(context, status=400)
        messages.success(request, _("The export is being written; it appears below when ready."))
        return redirect("owner_exports")


class SegmentExportView(_OwnerView):
    """The segment report's filters, the number of members they select, and a button that
    writes their file in the background."""

    permission = ADD
    page_title = gettext_lazy("Export a segment")
    template_name = "portal/owner/exports_segment.html"

    def _filters(self, data):
        values = {key: data.get(key, "")[:40] for key in SEGMENT_PARAMETERS}
        return {key: value for key, value in values.items() if value}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = kwargs.get("data", self.request.GET)
        filterset = SegmentFilterSet(data=data, request=self.request)
        values = self._filters(data)
        error = kwargs.get("error")
        count = None
        if filterset.is_valid():
            try:
                count = segment_members_matching(segment_filters(values)).count()
            except ValidationError as exc:
                error = exc.messages[0]
        else:
            error = error or _("Choose the filters again: one of them is not valid.")
        context.update(filterset=filterset, values=values, count=count, error=error)
        return context

    def post(self, request):
        filterset = SegmentFilterSet(data=request.POST, request=request)
        if not filterset.is_valid():
            context = self.get_context_data(data=request.POST)
            return self.render_to_response(context, status=400)
        try:
            with transaction.atomic():
                job = export_request(
                    kind=ExportJob.Kind.SEGMENT,
                    parameters=self._filters(request.POST),
                    acting_user=request.user,
                )
                _queue(job)
        except ValidationError as error:
            context = self.get_context_data(data=request.POST, error=error.messages[0])
            return self.render_to_response(context, status=400)
        messages.success(request, _("The export is being written; it appears below when ready."))
        return redirect("owner_exports")


def export_download(request, pk: int, fmt: str):
    """Stream one export file to the owner (never a public URL)."""
    if not request.user.has_perm(VIEW):
        return HttpResponseForbidden()
    job = ExportJob.objects.filter(pk=pk, status=ExportJob.Status.DONE).first()
    field = None if job is None else {"csv": job.csv_file, "xlsx": job.xlsx_file}.get(fmt)
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=field.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


class ExportsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW)
