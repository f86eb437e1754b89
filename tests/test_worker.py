"""A job through a real Celery worker on Redis, as in production."""

from __future__ import annotations

import pytest

from housing_office.jobs import create_job, enqueue
from housing_office.models import Job, JobState
from reports.tasks import build_yearly_report

from . import factories
from .worker import broker, redis_available, wait_for, worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BROKER_DB = 11


@pytest.fixture
def real_broker():
    if not redis_available(BROKER_DB):
        pytest.fail("Redis is not running at 127.0.0.1:6379 (start it: see README)")
    with broker(BROKER_DB) as url:
        yield url


def test_job_runs_on_a_real_worker_and_reports_progress(real_broker):
    municipality = factories.MunicipalityFactory(number="3807", name="Skien")
    factories.TenancyFactory.create_batch(3, household__municipality=municipality)
    factories.HouseholdFactory(municipality=municipality)
    job = create_job(
        municipality=municipality, kind="yearly_report", title="Årsrapport 2026", params={"year": 2026}
    )

    from django.db import transaction

    with transaction.atomic():
        enqueue(build_yearly_report, job)
    # Nothing runs in this process: the task waits in Redis for a worker.
    job.refresh_from_db()
    assert job.state == JobState.WAITING

    with worker(real_broker):
        assert wait_for(lambda: Job.all_objects.get(pk=job.pk).state == JobState.DONE), Job.all_objects.get(
            pk=job.pk
        ).__dict__
    job.refresh_from_db()
    assert job.result == {"year": 2026, "bytes": job.result_file.size}
    assert job.result_file.name.endswith(".pdf")
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert job.attempts == 1
    assert job.started_at is not None and job.finished_at is not None
