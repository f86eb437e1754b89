"""The extraction as a leader's job: the package written to a temporary
folder and stored on the job as one zip. Running it again replaces the file."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from celery import shared_task
from django.utils.translation import gettext as _

from housing_office.jobs import JOB_TASK_OPTIONS, job_result, job_run, set_progress, store_result_file


@shared_task(name="archive.tasks.build_extraction", **JOB_TASK_OPTIONS)
def build_extraction(self: Any, job_id: int) -> None:
    from .extraction import validate_package, write_extraction, zip_directory

    with job_run(self, job_id) as job:
        year = int(job.params["year"])
        set_progress(job_id, 0, 2, message=_("Lager arkivuttrekket"))
        made_by = str(job.created_by) if job.created_by else ""
        with tempfile.TemporaryDirectory() as folder:
            summary = write_extraction(job.municipality, year, Path(folder), made_by=made_by)
            # Never stored as a package to deposit if it breaks the schemas.
            invalid = sorted(name for name, errors in validate_package(Path(folder)).items() if errors)
            if invalid:
                raise ValueError(f"Not valid against the Noark 5 v5.0 schemas: {', '.join(invalid)}")
            data = zip_directory(Path(folder))
        set_progress(job_id, 1, 2, message=_("Lagrer filen"))
        store_result_file(job, f"arkivuttrekk-{job.municipality.number}-{year}.zip", data)
        job_result(job_id, year=year, **summary)
        set_progress(job_id, 2, 2, message="")
