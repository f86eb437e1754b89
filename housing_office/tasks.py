from __future__ import annotations

from celery import shared_task

from .jobs import JOB_TASK_OPTIONS, job_result, job_run, set_progress


@shared_task(**JOB_TASK_OPTIONS)
def count_register(self, job_id: int) -> None:
    """Count the municipality's register: the smallest real job, used to check
    that a worker is alive and that jobs report progress."""
    from dwellings.models import Dwelling, Tenancy
    from tenants.models import Household

    with job_run(self, job_id) as job:
        counts = {}
        models = {"households": Household, "dwellings": Dwelling, "tenancies": Tenancy}
        set_progress(job_id, 0, total=len(models))
        for i, (key, model) in enumerate(models.items(), start=1):
            counts[key] = model.all_objects.filter(municipality_id=job.municipality_id).count()
            set_progress(job_id, i)
        job_result(job_id, **counts)
