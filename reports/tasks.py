"""Celery jobs: the yearly report PDF and the stock plan PDF.

Each takes a Job id and is safe to run twice: the report replaces its file.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext as _

from housing_office.jobs import JOB_TASK_OPTIONS, job_result, job_run, set_progress, store_result_file


@shared_task(**JOB_TASK_OPTIONS)
def build_yearly_report(self: Any, job_id: int) -> None:
    """Render the year's report PDF onto the job row."""
    from .yearly_report import render_yearly_report

    with job_run(self, job_id) as job:
        year = int(job.params["year"])
        set_progress(job_id, 0, 2, message=_("Regner ut tallene og lager PDF"))
        # The text frozen when the report was ordered; an older job has none.
        pdf = render_yearly_report(job.municipality, year, text=job.params.get("text") or {})
        set_progress(job_id, 1, 2, message=_("Lagrer rapporten"))
        store_result_file(job, f"arsrapport-{job.municipality.number}-{year}.pdf", pdf)
        job_result(job_id, year=year, bytes=len(pdf))
        set_progress(job_id, 2, 2, message="")


@shared_task(**JOB_TASK_OPTIONS)
def build_stock_plan(self: Any, job_id: int) -> None:
    """Render the stock plan PDF onto the job row, for the day it was ordered."""
    import datetime

    from .stock_plan_pdf import render_stock_plan

    with job_run(self, job_id) as job:
        params = job.params
        day = datetime.date.fromisoformat(params["day"])
        set_progress(job_id, 0, 2, message=_("Regner ut tallene og lager PDF"))
        pdf = render_stock_plan(
            job.municipality,
            day,
            planned_purchases=int(params.get("planned_purchases") or 0),
            planned_sales=int(params.get("planned_sales") or 0),
            text=params.get("text") or "",
        )
        set_progress(job_id, 1, 2, message=_("Lagrer boligplanen"))
        store_result_file(job, f"boligplan-{job.municipality.number}-{day.isoformat()}.pdf", pdf)
        job_result(job_id, day=day.isoformat(), bytes=len(pdf))
        set_progress(job_id, 2, 2, message="")
