"""The life of a user-started job: a `Job` row the page shows, a Celery task
that does the work.

Tasks take the job's id, are enqueued only after the transaction that made
the row commits, and use `job_run` so that state, progress and failures land
on the row whatever happens inside.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Job, JobState

logger = logging.getLogger(__name__)

# Errors worth another try: the database or the broker went away for a moment.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)

# Options every job task shares: acknowledged after the work, so a killed
# worker's task is delivered again; transient errors retried with backoff.
JOB_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def create_job(*, municipality, kind: str, title: str, created_by=None, params=None, total: int = 0) -> Job:
    return Job.all_objects.create(
        municipality=municipality,
        kind=kind,
        title=title,
        created_by=created_by,
        params=params or {},
        progress_total=total,
    )


def enqueue(task: Any, job: Job, *args: Any) -> None:
    """Send `task(job.pk, *args)` once the current transaction commits.

    If the broker cannot be reached the user's data is still saved: the job
    stays waiting with a message saying so, and can be started again.
    """

    def send() -> None:
        try:
            task.apply_async(args=(job.pk, *args), retry=True, retry_policy={"max_retries": 2})
        except Exception:  # noqa: BLE001 - any broker fault leaves the job waiting
            logger.exception("Could not enqueue job %s", job.pk)
            Job.all_objects.filter(pk=job.pk, state=JobState.WAITING).update(
                message=_("Jobben venter: køsystemet svarer ikke akkurat nå. Den startes når det er tilbake.")
            )

    transaction.on_commit(send)


def set_progress(job_id: int, done: int, total: int | None = None, message: str | None = None) -> None:
    fields: dict[str, Any] = {"progress_done": done}
    if total is not None:
        fields["progress_total"] = total
    if message is not None:
        fields["message"] = message
    Job.all_objects.filter(pk=job_id).update(**fields)


def add_progress(job_id: int, step: int = 1) -> None:
    Job.all_objects.filter(pk=job_id).update(progress_done=F("progress_done") + step)


@contextmanager
def job_run(task: Any, job_id: int) -> Iterator[Job]:
    """Mark the job running for the block; done when it ends, failed when it
    raises something that will not be retried."""
    Job.all_objects.filter(pk=job_id).update(
        state=JobState.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, error="", message=""
    )
    job = Job.all_objects.get(pk=job_id)
    try:
        yield job
    except TRANSIENT_ERRORS as exc:
        retries = getattr(getattr(task, "request", None), "retries", 0) or 0
        if retries < getattr(task, "max_retries", 0):
            Job.all_objects.filter(pk=job_id).update(
                state=JobState.WAITING, message=_("Midlertidig feil; prøver igjen snart.")
            )
            raise
        _fail(job_id, exc)
    except Exception as exc:  # noqa: BLE001 - every failure must reach the row
        logger.exception("Job %s failed", job_id)
        _fail(job_id, exc)
    else:
        Job.all_objects.filter(pk=job_id).exclude(state=JobState.FAILED).update(
            state=JobState.DONE, finished_at=timezone.now()
        )


def _fail(job_id: int, exc: BaseException) -> None:
    message = str(exc) or exc.__class__.__name__
    Job.all_objects.filter(pk=job_id).update(
        state=JobState.FAILED, finished_at=timezone.now(), error=_("Jobben feilet: %(e)s") % {"e": message}
    )


def job_result(job_id: int, **result: Any) -> None:
    job = Job.all_objects.get(pk=job_id)
    job.result = {**job.result, **result}
    job.save(update_fields=["result", "updated_at"])


__all__: list[str] = [
    "JOB_TASK_OPTIONS",
    "TRANSIENT_ERRORS",
    "add_progress",
    "create_job",
    "enqueue",
    "job_result",
    "job_run",
    "set_progress",
]
