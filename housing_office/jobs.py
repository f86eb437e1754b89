"""The life of a user-started job: a `Job` row the page shows, a Celery task
that does the work.

Tasks take the job's id, are enqueued only after the transaction that made
the row commits, and use `job_run` so that state, progress and failures land
on the row whatever happens inside.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Job, JobState
from .permissions import LEAD_OFFICE

logger = logging.getLogger(__name__)


# -- job kinds -------------------------------------------------------------------
#
# Every kind of job, and the permission a user needs to see its page and
# download its result. A job's file is as sensitive as the page that started
# it (a yearly report or an import's error list is the leader's), so the
# generic job views ask this registry, and a kind missing from it is refused
# (fail closed): `create_job` will not make one, and `may_see_job` says no.
# Each app registers its own kinds from its AppConfig.ready(), so the core
# never needs to know the apps.


@dataclass(frozen=True)
class JobKind:
    name: str
    # The Django permission ("app_label.codename") that may see the job.
    permission: str
    # The household a job's result file is about, if it is about one, so the
    # download lands in that household's innsynslogg.
    household_of: Callable[[Job], int | None] | None = None

    @property
    def leader_only(self) -> bool:
        return self.permission == LEAD_OFFICE


JOB_KINDS: dict[str, JobKind] = {}


def register_job_kind(
    name: str, *, permission: str, household_of: Callable[[Job], int | None] | None = None
) -> JobKind:
    """Make `name` a kind of job that users with `permission` may see.
    Registering the same kind twice with the same terms is harmless."""
    kind = JobKind(name, permission, household_of)
    if JOB_KINDS.get(name, kind) != kind:
        raise ValueError(f"Job kind {name!r} is already registered differently")
    JOB_KINDS[name] = kind
    return kind


def household_of_job(job: Job) -> int | None:
    """The household a job's result is about: `params["household_id"]`, or
    what its kind says; None for a job about many."""
    params = job.params or {}
    if isinstance(params.get("household_id"), int):
        return params["household_id"]
    kind = JOB_KINDS.get(job.kind)
    return kind.household_of(job) if kind and kind.household_of else None


def may_see_job(user: Any, job: Job) -> bool:
    """Whether `user` may see the job's page and result: the permission its
    kind asks for; no one for a kind that is not registered."""
    kind = JOB_KINDS.get(job.kind)
    return bool(kind and user.is_authenticated and user.has_perm(kind.permission))


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
    if kind not in JOB_KINDS:
        # Register the kind, with who may see it, before making such jobs.
        raise ValueError(f"Unknown job kind {kind!r}: register it with housing_office.jobs.register_job_kind")
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
    stays waiting with a message saying so, and can be started again
    (`requeue`, the job page's button, `manage.py requeue_waiting_jobs`):
    the task and its arguments are kept on the row for that.
    """
    task_args = list(args)
    Job.all_objects.filter(pk=job.pk).update(task_name=task.name, task_args=task_args, task_sent_at=None)
    job.task_name, job.task_args, job.task_sent_at = task.name, task_args, None

    def send() -> None:
        try:
            task.apply_async(args=(job.pk, *args), retry=True, retry_policy={"max_retries": 2})
        except Exception:  # noqa: BLE001 - any broker fault leaves the job waiting
            logger.exception("Could not enqueue job %s", job.pk)
            Job.all_objects.filter(pk=job.pk, state=JobState.WAITING).update(message=str(NOT_SENT_MESSAGE))
        else:
            Job.all_objects.filter(pk=job.pk).update(task_sent_at=timezone.now())

    transaction.on_commit(send)


NOT_SENT_MESSAGE = gettext_lazy(
    "Jobben venter: køsystemet svarer ikke akkurat nå. Den startes når det er tilbake."
)
# A waiting job may be started again by hand this long after it was made.
RESTART_AFTER = datetime.timedelta(minutes=1)


def can_requeue(job: Job, now: datetime.datetime | None = None) -> bool:
    """A waiting job whose task never reached the broker, made more than
    RESTART_AFTER ago: the user may start it again."""
    now = now or timezone.now()
    return (
        job.state == JobState.WAITING
        and bool(job.task_name)
        and job.task_sent_at is None
        and job.created_at <= now - RESTART_AFTER
    )


def requeue(job: Job) -> None:
    """Send a waiting job's task again, with the arguments it was first
    sent with. Tasks are idempotent, so a second copy does no harm."""
    if job.state != JobState.WAITING or not job.task_name:
        raise ValueError(f"Job {job.pk} is not waiting for a known task")
    Job.all_objects.filter(pk=job.pk).update(message="")
    enqueue(task_named(job.task_name), job, *job.task_args)


def task_named(name: str) -> Any:
    """The Celery task registered under `name`. A web process has not
    necessarily imported every app's tasks module yet: Celery's own loader
    imports the modules `autodiscover_tasks` found, then looks again."""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def store_result_file(job: Job, name: str, content: bytes) -> None:
    """Make `content` the job's result file, replacing the one an earlier
    attempt may have stored, so a rerun leaves one file, not two."""
    from django.core.files.base import ContentFile

    if job.result_file:
        job.result_file.delete(save=False)
    job.result_file.save(name, ContentFile(content), save=False)
    job.save(update_fields=["result_file", "updated_at"])


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
    "JOB_KINDS",
    "JOB_TASK_OPTIONS",
    "TRANSIENT_ERRORS",
    "add_progress",
    "can_requeue",
    "create_job",
    "enqueue",
    "job_result",
    "job_run",
    "may_see_job",
    "requeue",
    "set_progress",
]
