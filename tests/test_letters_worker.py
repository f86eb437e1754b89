"""A summons batch through real Celery workers on Redis and PostgreSQL.

Two worker processes share the batch: each claims chunks of pending letters
with SELECT … FOR UPDATE SKIP LOCKED. The test checks the letters, that a
second run changes nothing, and that a retry renders only what is missing.
"""

from __future__ import annotations

import datetime
import re
import subprocess

import pytest
from django.utils import timezone

from housing_office.models import Job, JobState
from letters import tasks
from letters.models import Letter, LetterStatus
from letters.summons import create_summons_batch, retry_batch
from tenants.models import OutreachMeeting, PathwayStage

from . import factories
from .worker import broker, redis_available, wait_for, worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BROKER_DB = 5
NATIONAL_ID = "17058510068"
HOUSEHOLDS = 30  # two chunks, so the helper task has work too


@pytest.fixture
def real_broker():
    if not redis_available(BROKER_DB):
        pytest.fail("Redis is not running at 127.0.0.1:6379 (start it: see README)")
    with broker(BROKER_DB) as url:
        yield url


@pytest.fixture
def shared_media(settings, tmp_path, monkeypatch):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("MEDIA_ROOT", str(media))  # the worker inherits it
    return media


def first_monday() -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(weeks=2)
    day -= datetime.timedelta(days=day.weekday())
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def job_state(job_id: int) -> Job:
    return Job.all_objects.get(pk=job_id)


def test_summons_batch_on_two_real_workers(real_broker, shared_media, tmp_path):
    municipality = factories.MunicipalityFactory(number="3807", name="Skien")
    caseworker = factories.caseworker(municipality, first_name="Kåre", last_name="Bjørnstad")
    households = []
    for i in range(HOUSEHOLDS):
        household = factories.HouseholdFactory(
            municipality=municipality,
            address=f"Øvre Årsvei {i + 1}",
            postal_code="3717",
            postal_place="SKIEN",
        )
        factories.PersonFactory(
            household=household,
            first_name="Åse",
            last_name=f"Ødegård{i}",
            national_id=NATIONAL_ID if i == 0 else "",
        )
        households.append(household)

    with worker(real_broker, pool="prefork", concurrency=2):
        batch = create_summons_batch(
            municipality=municipality,
            by=caseworker,
            household_ids=[h.pk for h in households],
            caseworkers=[caseworker],
            place="Rådhuset, møterom Ibsen",
            first=first_monday(),
            minutes=45,
        )
        assert wait_for(
            lambda: job_state(batch.job_id).state in (JobState.DONE, JobState.FAILED), timeout=240
        ), job_state(batch.job_id).__dict__
        job = job_state(batch.job_id)
        assert (job.state, job.progress_done, job.progress_total, job.error) == ("done", 30, 30, "")

        letters = list(Letter.all_objects.filter(batch_key=batch.batch_key).order_by("pk"))
        assert len(letters) == HOUSEHOLDS
        assert {letter.status for letter in letters} == {LetterStatus.RENDERED}
        assert OutreachMeeting.all_objects.filter(summons_letter__in=letters).count() == HOUSEHOLDS
        assert all(
            h.pathway_stage == PathwayStage.SUMMONED
            for h in type(households[0]).all_objects.filter(pk__in=[h.pk for h in households])
        )

        first = next(letter for letter in letters if letter.household_id == households[0].pk)
        path = tmp_path / "first.pdf"
        with first.pdf.open("rb") as handle:
            path.write_bytes(handle.read())
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Åse Ødegård0" in text and "Øvre Årsvei 1" in text and "Kåre Bjørnstad" in text
        assert "Rådhuset, møterom Ibsen" in text and "09.00" in text
        assert NATIONAL_ID not in text.replace(" ", "")
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
        assert re.search(r"Tagged:\s+yes", info)
        batch.refresh_from_db()
        assert batch.print_file and batch.print_sha256

        # Running the job again (a redelivered message) renders and makes nothing.
        before = {letter.pk: letter.sha256 for letter in letters}
        tasks.render_summons_batch.apply_async(args=(batch.job_id, batch.pk))
        assert wait_for(
            lambda: job_state(batch.job_id).attempts == 2 and job_state(batch.job_id).state == "done"
        )
        assert (
            dict(Letter.all_objects.filter(batch_key=batch.batch_key).values_list("pk", "sha256")) == before
        )
        assert Letter.all_objects.count() == HOUSEHOLDS and OutreachMeeting.all_objects.count() == HOUSEHOLDS

        # A retry after a failure renders only the failed letter.
        lost = letters[5]
        Letter.all_objects.filter(pk=lost.pk).update(status=LetterStatus.FAILED, error="Disken var full")
        job = job_state(batch.job_id)
        Job.all_objects.filter(pk=job.pk).update(state=JobState.FAILED)
        rendered_at = dict(Letter.all_objects.exclude(pk=lost.pk).values_list("pk", "rendered_at"))
        retry_batch(batch)
        assert wait_for(
            lambda: job_state(batch.job_id).attempts == 3 and job_state(batch.job_id).state == "done"
        )
        lost.refresh_from_db()
        assert lost.status == LetterStatus.RENDERED and lost.error == ""
        assert dict(Letter.all_objects.exclude(pk=lost.pk).values_list("pk", "rendered_at")) == rendered_at
        assert Letter.all_objects.count() == HOUSEHOLDS and OutreachMeeting.all_objects.count() == HOUSEHOLDS
