"""The printable assessment summary, rendered by a job."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone, translation
from django.utils.text import slugify

from housing_office.jobs import JOB_TASK_OPTIONS, job_result, job_run, set_progress, store_result_file
from housing_office.models import Job
from housing_office.pdf import render_pdf

from . import services
from .models import StartLoanApplication


def assessment_pdf_context(application: StartLoanApplication, *, printed_by=None) -> dict[str, Any]:
    """What the summary shows: the stored assessment (the one the case is
    handled on) or, if none was stored, a fresh one."""
    household = application.household
    assessment = application.assessment or services.assess_application(application)
    main = next((p for p in household.members.all() if p.role == "main"), None)
    return {
        "application": application,
        "household": household,
        "main_person": main,
        "municipality": application.municipality,
        "a": assessment,
        "printed_at": timezone.localtime(),
        "printed_by": printed_by,
    }


@shared_task(**JOB_TASK_OPTIONS)
def render_assessment_pdf(self, job_id: int) -> None:
    """Render the summary into the job's result file.

    Safe to run again: the job's earlier file is replaced, never kept beside
    the new one.
    """
    with job_run(self, job_id) as job:
        set_progress(job_id, 0, total=1, message="")
        application = StartLoanApplication.all_objects.select_related(
            "household", "municipality", "recommended_by", "decided_by"
        ).get(pk=job.params["application_id"], municipality_id=job.municipality_id)
        with translation.override("nb"):
            pdf = render_pdf(
                "startloan/assessment_pdf.html",
                assessment_pdf_context(application, printed_by=job.created_by),
            )
        name = f"betjeningsevne-{slugify(application.household.reference) or 'husstand'}-{application.pk}.pdf"
        job = Job.all_objects.get(pk=job_id)
        store_result_file(job, name, pdf)
        job_result(job_id, application_id=application.pk, bytes=len(pdf))
        set_progress(job_id, 1)
