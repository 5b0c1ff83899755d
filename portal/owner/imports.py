"""Import from the old till, in /cms/ (Settings → Import from the old till): upload a CSV or
Excel file, see what every row would do (and why a bad row is bad), confirm, and watch the
run. Only the owner (loyalty.run_import) may; checking and the run are background tasks."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from loyalty.imports.reading import MAX_FILE_BYTES, MAX_ROWS, ImportFileError
from loyalty.imports.tasks import check_import, run_import
from loyalty.models import ImportJob, ImportKind
from loyalty.services.imports import (
    OUTCOME_ERROR,
    SPECS,
    import_cancel,
    import_confirm,
    import_upload,
)

PERMISSION = "loyalty.run_import"
ROWS_PER_PAGE = 100
JOBS_PER_PAGE = 20
REFRESH_SECONDS = 2


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("CSV or Excel (.xlsx) file"),
        help_text=_("The first row names the columns. At most %(rows)d rows and %(mb)d MB.")
        % {"rows": MAX_ROWS, "mb": MAX_FILE_BYTES // (1024 * 1024)},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)d MB: split it into smaller files.")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


class OwnerImportMixin(WagtailAdminTemplateMixin):
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            # A 403, not Wagtail's redirect to the dashboard: the page is the owner's alone.
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("owner_imports"), "label": _("Import from the old till")},
        ]


class ImportIndexView(OwnerImportMixin, TemplateView):
    """The upload form, the columns each kind of file takes, and the past imports."""

    page_title = _("Import from the old till")
    template_name = "portal/owner/imports/index.html"

    def get_context_data(self, form=None, **kwargs):
        jobs = ImportJob.objects.defer("rows", "outcomes", "errors").select_related("created_by")
        page = Paginator(jobs, JOBS_PER_PAGE).get_page(self.request.GET.get("p"))
        return super().get_context_data(
            form=form or ImportUploadForm(),
            jobs=page,
            columns={kind.label: SPECS[kind].columns for kind in ImportKind},
            required={kind.label: SPECS[kind].required for kind in ImportKind},
            **kwargs,
        )

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_upload(
                    kind=form.cleaned_data["kind"],
                    data=upload.read(),
                    file_name=upload.name or "",
                    acting_user=request.user,
                )
            except ImportFileError as error:
                form.add_error("file", str(error))
            else:
                transaction.on_commit(lambda: check_import.enqueue(job_id=job.pk))
                return redirect("owner_import_job", job.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportJobView(OwnerImportMixin, TemplateView):
    """One import: its progress while checking or running (the page refreshes itself), the
    preview of every row with the confirm button, or the outcome with the rows refused."""

    template_name = "portal/owner/imports/job.html"

    def get_page_title(self):
        return _("Import: %(file)s") % {"file": self.job.file_name}

    def get(self, request, pk):
        self.job = get_object_or_404(
            ImportJob.objects.select_related("created_by").defer("rows", "outcomes"), pk=pk
        )
        return super().get(request, pk=pk)

    def get_context_data(self, **kwargs):
        job = self.job
        context = super().get_context_data(job=job, **kwargs)
        if job.status in ("checking", "queued", "running"):
            context["refresh_seconds"] = REFRESH_SECONDS
        elif job.status == "previewed":
            context.update(self._preview_rows())
        else:
            context["error_rows"] = Paginator(job.errors, ROWS_PER_PAGE).get_page(
                self.request.GET.get("p")
            )
        return context

    def _preview_rows(self) -> dict:
        kept = ImportJob.objects.values_list("rows", "outcomes").get(pk=self.job.pk)
        headers, rows = kept[0].get("headers", []), kept[0].get("rows", [])
        outcomes = kept[1]
        only_bad = self.request.GET.get("show") == "errors"
        numbers = [
            i
            for i, (outcome, _why) in enumerate(outcomes)
            if not only_bad or outcome == OUTCOME_ERROR
        ]
        page = Paginator(numbers, ROWS_PER_PAGE).get_page(self.request.GET.get("p"))
        return {
            "only_bad": only_bad,
            "headers": headers,
            "page": page,
            "preview": [
                {
                    "number": i + 2,
                    "cells": rows[i],
                    "outcome": outcomes[i][0],
                    "why": outcomes[i][1],
                }
                for i in page.object_list
            ],
        }


class ImportConfirmView(OwnerImportMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, pk):
        job = get_object_or_404(ImportJob.objects.defer("rows", "outcomes"), pk=pk)
        try:
            job = import_confirm(job=job, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            transaction.on_commit(lambda: run_import.enqueue(job_id=job.pk))
            messages.success(request, _("The import is running: this page shows its progress."))
        return redirect("owner_import_job", pk)


class ImportCancelView(OwnerImportMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, pk):
        job = get_object_or_404(ImportJob.objects.defer("rows", "outcomes"), pk=pk)
        try:
            import_cancel(job=job, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The import was cancelled: nothing of it was written."))
        return redirect("owner_imports")
