"""The printable assessment summary, rendered by a job; the ownership-readiness
watch, run by a job."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

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


@shared_task(**JOB_TASK_OPTIONS)
def run_readiness_watch(self, job_id: int) -> None:
    """One run of the ownership-readiness watch for the job's municipality.
    Safe to run again: each household's verdict is replaced, not added."""
    from . import readiness

    with job_run(self, job_id) as job:
        set_progress(job_id, 0, total=1, message="")
        result = readiness.run_watch(job.municipality_id, job=job)
        job_result(job_id, **result)
        set_progress(
            job_id,
            1,
            message=_("%(checked)s husstander vurdert, %(flagged)s kan nå bære et startlån.") % result,
        )


@shared_task(name="startloan.tasks.yearly_readiness_watch", bind=True, acks_late=True)
def yearly_readiness_watch(self, municipality_ids: list[int] | None = None) -> list[int]:
    """Periodic (CELERY_BEAT_SCHEDULE, each January): a watch job for each
    municipality (or those given) that has households with budgets. Returns
    the jobs made."""
    from housing_office.models import Municipality

    from . import readiness
    from .models import HouseholdBudget

    with_budgets = HouseholdBudget.all_objects.values("municipality_id")
    municipalities = Municipality.objects.filter(pk__in=with_budgets)
    if municipality_ids is not None:
        municipalities = municipalities.filter(pk__in=municipality_ids)
    return [
        readiness.start_watch(m, reason=str(_("Eierskapsvakt: årlig vurdering"))).pk
        for m in municipalities.order_by("pk")
    ]
