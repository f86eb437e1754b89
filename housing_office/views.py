from __future__ import annotations

import sys

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .files import Action, log_access
from .jobs import can_requeue, household_of_job, may_see_job, requeue
from .models import Job


def _job(request: HttpRequest, pk: int) -> Job:
    """The job, if the user may see it: 404 for another municipality's job
    (scoping), 403 unless the user has the permission of the job's kind
    (housing_office.jobs.JOB_KINDS; an unknown kind is refused). A job's page
    and file are as much the leader's as the page that started it."""
    job = get_object_or_404(Job, pk=pk)
    if not may_see_job(request.user, job):
        raise PermissionDenied
    return job


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    template = "jobs/_progress.html" if request.headers.get("HX-Request") else "jobs/detail.html"
    return render(request, template, {"job": job})


@login_required
@require_POST
def job_restart(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a job whose task never reached the queue (the broker was down)
    once more. The job page shows whether it got through this time."""
    job = _job(request, pk)
    if can_requeue(job):
        requeue(job)
        messages.info(request, _("Jobben er sendt til køen på nytt."))
    else:
        messages.info(
            request,
            _(
                "Jobben ble ikke startet på nytt: den er allerede sendt til køen, "
                "er i gang eller ble nettopp laget."
            ),
        )
    return redirect("job-detail", pk=job.pk)


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The job's result file, streamed through the app so that the download
    is scoped, checked and logged (media files are never served directly)."""
    job = _job(request, pk)
    if not job.result_file:
        raise Http404
    log_access(
        user=request.user,
        municipality_id=job.municipality_id,
        action=Action.DOWNLOAD_REPORT,
        # A file about one household goes into that household's innsynslogg.
        household_id=household_of_job(job),
        object_repr=job.title,
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


# Faults of the database connection itself (a restart, a network cut), as
# opposed to a bad query: the request may well succeed a moment later.
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a Norwegian page, rendered without the request's context
    since the fault may be the database. A lost database connection answers
    503 with Retry-After, so that proxies and people try again."""
    exc = sys.exc_info()[1]
    lost = isinstance(exc, DATABASE_UNAVAILABLE) or (
        isinstance(exc, DatabaseError) and isinstance(exc.__cause__, DATABASE_UNAVAILABLE)
    )
    if lost:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
