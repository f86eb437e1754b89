"""The leader's register import in the browser: upload, check, confirm.

Routed from reports/urls.py, so the URLs (`/rapporter/import/…`) and their
names (`reports:import…`) stay as they were when the import lived there.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from housing_office.errors import user_municipality
from housing_office.jobs import create_job, enqueue
from housing_office.models import Job, JobState
from housing_office.permissions import leader_required

from . import tasks
from .apps import IMPORT_JOB, PREVIEW_JOB
from .forms import RegisterImportForm
from .services import APPLICATIONS, KINDS


@leader_required
def import_start(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    form = RegisterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        folder = f"imports/{municipality.number}/{uuid.uuid4().hex}"
        files, names = {}, {}
        for kind in (*KINDS, APPLICATIONS):
            upload = form.cleaned_data[kind]
            if upload is None:  # the applications file is optional
                continue
            files[kind] = default_storage.save(f"{folder}/{kind}.csv", upload)
            names[kind] = upload.name
        job = create_job(
            municipality=municipality,
            kind=PREVIEW_JOB,
            title=_("Kontroll av registerimport"),
            created_by=request.user,
            params={"files": files, "names": names},
        )
        enqueue(tasks.preview_import, job)
        return redirect("reports:import-detail", pk=job.pk)
    recent = Job.objects.filter(kind__in=(PREVIEW_JOB, IMPORT_JOB)).select_related("created_by")[:10]
    return render(request, "reports/import_start.html", {"form": form, "recent": recent})


def _import_job(pk: int) -> Job:
    return get_object_or_404(Job, pk=pk, kind__in=(PREVIEW_JOB, IMPORT_JOB))


@leader_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _import_job(pk)
    template = (
        "reports/_import_status.html" if request.headers.get("HX-Request") else "reports/import_detail.html"
    )
    return render(request, template, {"job": job, "preview": job.kind == PREVIEW_JOB})


@leader_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    preview = get_object_or_404(Job, pk=pk, kind=PREVIEW_JOB)
    if preview.state != JobState.DONE or preview.result.get("error_count", 1):
        messages.error(request, _("Importen kan bare startes når kontrollen er ferdig og fant ingen feil."))
        return redirect("reports:import-detail", pk=preview.pk)
    job = create_job(
        municipality=preview.municipality,
        kind=IMPORT_JOB,
        title=_("Import av register"),
        created_by=request.user,
        params={**preview.params, "preview": preview.pk},
    )
    enqueue(tasks.run_import, job)
    return redirect("reports:import-detail", pk=job.pk)


@leader_required
@require_GET
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    job = _import_job(pk)
    if not job.result_file:
        raise Http404
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=f"importfeil-{job.pk}.txt",
        content_type="text/plain; charset=utf-8",
    )
