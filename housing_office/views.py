from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tenants.caseload import caseload_for

from .models import Job, PersonalDataAccess


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"caseload": caseload_for(request.user)})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk)
    template = "jobs/_progress.html" if request.headers.get("HX-Request") else "jobs/detail.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The job's result file, streamed through the app so that the download
    is scoped and logged (media files are never served directly)."""
    job = get_object_or_404(Job, pk=pk)
    if not job.result_file:
        raise Http404
    PersonalDataAccess.objects.create(
        municipality_id=job.municipality_id,
        user=request.user,
        action=PersonalDataAccess.Action.DOWNLOAD_REPORT,
        object_repr=job.title[:200],
    )
    name = job.result_file.name.rsplit("/", 1)[-1]
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=name)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers 503 while the database cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database fault means "not healthy"
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
