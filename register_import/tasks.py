"""Celery jobs of the browser import: check the uploaded files, then write them.

Each takes a Job id and is safe to run twice: the import compares with what
is already there, so a second run finds everything unchanged.

The tasks keep the names they were first registered under, in the reports
app: Job rows store the task name to send a waiting job again
(`housing_office.jobs.task_named`, which imports `reports.tasks` to find
them; that module imports this one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import shared_task
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.utils.translation import gettext as _

from housing_office.jobs import JOB_TASK_OPTIONS, job_result, job_run, set_progress, store_result_file
from housing_office.models import Job

from .services import APPLICATIONS, KINDS, ImportReport, SourceFile, import_register

# The errors shown on the page; all of them are in the downloadable file.
ERRORS_SHOWN = 100


def read_sources(job: Job) -> dict[str, SourceFile]:
    files, names = job.params["files"], job.params["names"]
    sources = {}
    # The applications file is optional (and absent from jobs made before
    # the page took it).
    for kind in (*KINDS, APPLICATIONS):
        if kind not in files:
            continue
        with default_storage.open(files[kind], "rb") as handle:
            sources[kind] = SourceFile(names[kind], handle.read())
    return sources


@contextmanager
def progress_reporter(job_id: int) -> Iterator[Callable[[int, int, str], None]]:
    """Progress the browser can see even while the import's own transaction
    is open: on PostgreSQL it is written through a second connection, which
    commits at once. (SQLite allows one writer; there it waits for the end.)"""
    side: Any = None

    def report(done: int, total: int, message: str) -> None:
        nonlocal side
        done = min(done, total)
        if connection.in_atomic_block and connection.vendor == "postgresql":
            if side is None:
                side = connections.create_connection("default")
            with side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Job._meta.db_table} SET progress_done = %s, progress_total = %s, message = %s "  # noqa: S608 - table name from the model
                    "WHERE id = %s",
                    [done, total, message, job_id],
                )
        elif not connection.in_atomic_block:
            set_progress(job_id, done, total, message)

    try:
        yield report
    finally:
        if side is not None:
            side.close()


def _store_result(job: Job, report: ImportReport) -> None:
    """Counts and the first errors on the row; every error in a text file."""
    if report.errors:
        store_result_file(job, f"importfeil-{job.pk}.txt", report.error_text().encode("utf-8"))
    job_result(job.pk, **report.as_dict(), errors=[str(e) for e in report.errors[:ERRORS_SHOWN]])


def _import(self: Any, job_id: int, *, dry_run: bool) -> None:
    with job_run(self, job_id) as job, progress_reporter(job_id) as report_progress:
        sources = read_sources(job)
        report = import_register(
            job.municipality.number,
            dry_run=dry_run,
            progress=report_progress,
            **sources,
        )
        _store_result(job, report)
        if not report.ok:
            set_progress(job_id, 0, 0, message="")
            if not dry_run:
                # The import stops all or nothing; the row says so.
                raise ImportRejected(len(report.errors))


class ImportRejected(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(_("%(n)s feil i filene; ingenting er lagret.") % {"n": count})


@shared_task(name="reports.tasks.preview_import", **JOB_TASK_OPTIONS)
def preview_import(self: Any, job_id: int) -> None:
    """Check the uploaded files and count what would be created or changed."""
    _import(self, job_id, dry_run=True)


@shared_task(name="reports.tasks.run_import", **JOB_TASK_OPTIONS)
def run_import(self: Any, job_id: int) -> None:
    """Write the uploaded files to the register, all or nothing."""
    _import(self, job_id, dry_run=False)
