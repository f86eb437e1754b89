"""The arrears list import in the browser: upload, check, import (the
register import's pattern, register_import.views). The caseworker who works
the cases imports the month's list; both steps run as jobs."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from housing_office.errors import user_municipality
from housing_office.jobs import create_job, enqueue
from housing_office.models import Job, JobState

from . import tasks
from .forms import ArrearsImportForm
from .models import ArrearsImport

PREVIEW_JOB = "arrears_import_preview"
IMPORT_JOB = "arrears_import"
IMPORT_PERMISSION = "arrears.add_arrearsimport"


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def import_start(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    form = ArrearsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = default_storage.save(f"imports/{municipality.number}/arrears-{uuid.uuid4().hex}.csv", upload)
        job = create_job(
            municipality=municipality,
            kind=PREVIEW_JOB,
            title=_("Kontroll av restanseliste"),
            created_by=request.user,
            params={"file": stored, "name": upload.name},
        )
        enqueue(tasks.preview_arrears_import, job)
        return redirect("arrears:import-detail", pk=job.pk)
    recent = Job.objects.filter(kind__in=(PREVIEW_JOB, IMPORT_JOB)).select_related("created_by")[:10]
    imports = ArrearsImport.objects.select_related("imported_by")[:6]
    return render(request, "arrears/import_start.html", {"form": form, "recent": recent, "imports": imports})


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk, kind__in=(PREVIEW_JOB, IMPORT_JOB))
    template = (
        "arrears/_import_status.html" if request.headers.get("HX-Request") else "arrears/import_detail.html"
    )
    return render(request, template, {"job": job, "preview": job.kind == PREVIEW_JOB})


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    preview = get_object_or_404(Job, pk=pk, kind=PREVIEW_JOB)
    if preview.state != JobState.DONE or preview.result.get("error_count", 1):
        messages.error(request, _("Importen kan bare startes når kontrollen er ferdig og fant ingen feil."))
        return redirect("arrears:import-detail", pk=preview.pk)
    job = create_job(
        municipality=preview.municipality,
        kind=IMPORT_JOB,
        title=_("Import av restanseliste"),
        created_by=request.user,
        params={**preview.params, "preview": preview.pk},
    )
    enqueue(tasks.run_arrears_import, job)
    return redirect("arrears:import-detail", pk=job.pk)
