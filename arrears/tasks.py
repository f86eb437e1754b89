"""Celery jobs of the arrears list import in the browser: check the uploaded
list (a dry run), then import it. Each takes a Job id and is safe to run
twice: the import compares the list with the cases, so a second run of the
same list changes nothing (`import_arrears`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from housing_office.jobs import JOB_TASK_OPTIONS, job_result, job_run, store_result_file
from register_import.parse import SourceFile

from .importing import ArrearsReport, import_arrears

# The errors shown on the page; all of them are in the downloadable file.
ERRORS_SHOWN = 100


class ImportRejected(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(_("%(n)s feil i restanselisten; ingenting er lagret.") % {"n": count})


def report_dict(report: ArrearsReport) -> dict[str, Any]:
    return {
        "error_count": len(report.errors),
        "errors": [str(e) for e in report.errors[:ERRORS_SHOWN]],
        "as_of": report.as_of.isoformat() if report.as_of else "",
        "counts": {
            "rows": report.rows,
            "opened": report.opened,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "closed": report.closed,
            "missed_agreements": report.missed_agreements,
        },
        "already_imported": report.already_imported,
        "written": report.ok and not report.dry_run,
    }


def _run(task: Any, job_id: int, *, dry_run: bool) -> None:
    with job_run(task, job_id) as job:
        with default_storage.open(job.params["file"], "rb") as handle:
            source = SourceFile(job.params["name"], handle.read())
        report = import_arrears(job.municipality.number, source, dry_run=dry_run, by=job.created_by)
        if report.errors:
            text = "\n".join(str(e) for e in report.errors) + "\n"
            store_result_file(job, f"restanseliste-feil-{job.pk}.txt", text.encode("utf-8"))
        job_result(job.pk, **report_dict(report))
        if report.errors and not dry_run:
            raise ImportRejected(len(report.errors))


@shared_task(name="arrears.tasks.preview_arrears_import", **JOB_TASK_OPTIONS)
def preview_arrears_import(self: Any, job_id: int) -> None:
    """Check the uploaded list and count what the import would do."""
    _run(self, job_id, dry_run=True)


@shared_task(name="arrears.tasks.run_arrears_import", **JOB_TASK_OPTIONS)
def run_arrears_import(self: Any, job_id: int) -> None:
    """Import the checked list, all or nothing."""
    _run(self, job_id, dry_run=False)
