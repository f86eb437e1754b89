"""Faults survived, against a real worker, Redis, PostgreSQL and gunicorn.

* A worker killed with SIGKILL in the middle of a summons batch: a new
  worker finishes the batch with exactly one letter per household, none twice.
* The broker down when a job is started: the user's data is saved, the job
  waits with a clear message, and runs once the broker is back
  (`manage.py requeue_waiting_jobs`, or the job page's button).
* PostgreSQL gone under a running app server: requests fail cleanly with a
  Norwegian 503 page and succeed again as soon as the database is back,
  without restarting the app. The shared PostgreSQL server is not
  restarted: the test database's connections are cut with
  pg_terminate_backend and new ones refused with ALLOW_CONNECTIONS false,
  which is what the app sees of a restart.

Run with `bin/test -m worker` (or `pytest tests/test_faults.py`).
"""

from __future__ import annotations

import contextlib
import datetime
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from housing_office.celery import app as celery_app
from housing_office.models import Job, JobState
from letters.models import Letter, LetterStatus
from letters.summons import create_summons_batch
from tenants.models import JournalNote, OutreachMeeting

from . import factories
from .worker import ROOT, broker, redis_available, reset_broker_connections, wait_for, worker
from .worker import test_database_url as database_url  # not a test: keep pytest from collecting it

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

KILL_BROKER_DB = 7
DOWN_BROKER_DB = 8
CLOSED_PORT_BROKER = "redis://127.0.0.1:6390/0"
PASSWORD = "test-passord-123"


@pytest.fixture
def shared_media(settings, tmp_path, monkeypatch):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("MEDIA_ROOT", str(media))  # the worker and the server inherit it
    return media


def need_redis(db: int) -> None:
    if not redis_available(db):
        pytest.fail("Redis is not running at 127.0.0.1:6379 (start it: bin/services)")


def monday_in_two_weeks() -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(weeks=2)
    day -= datetime.timedelta(days=day.weekday())
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def summonable_households(municipality, n: int) -> list:
    households = []
    for i in range(n):
        household = factories.HouseholdFactory(
            municipality=municipality,
            address=f"Øvre Årsvei {i + 1}",
            postal_code="3717",
            postal_place="SKIEN",
        )
        factories.PersonFactory(household=household, first_name="Åse", last_name=f"Ødegård{i}")
        households.append(household)
    return households


def job(pk: int) -> Job:
    return Job.all_objects.get(pk=pk)


# A worker killed mid-batch ----------------------------------------------------------

# Large enough that the kill lands mid-batch with letters on both sides of it
# (the batch renders in chunks of 10); each letter is a real WeasyPrint
# render, so the size is the test's cost.
BATCH = 40
# The new worker's visibility timeout, in seconds (2 hours in production).
VISIBILITY = 5


def test_worker_killed_mid_batch_a_new_worker_finishes_exactly_its_letters(shared_media, monkeypatch):
    need_redis(KILL_BROKER_DB)
    municipality = factories.MunicipalityFactory(number="3807", name="Skien")
    caseworker = factories.caseworker(municipality, first_name="Kåre", last_name="Bjørnstad")
    households = summonable_households(municipality, BATCH)

    with broker(KILL_BROKER_DB) as url:
        with worker(url, pool="prefork", concurrency=2) as first:
            batch = create_summons_batch(
                municipality=municipality,
                by=caseworker,
                household_ids=[h.pk for h in households],
                caseworkers=[caseworker],
                place="Rådhuset",
                first=monday_in_two_weeks(),
                minutes=30,
            )
            # Kill it for good in the middle of the work: no clean-up, no ack.
            assert wait_for(lambda: job(batch.job_id).progress_done >= BATCH // 4, timeout=300), job(
                batch.job_id
            ).__dict__
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        at_kill = Letter.all_objects.filter(batch_key=batch.batch_key, status=LetterStatus.RENDERED).count()
        assert 0 < at_kill < BATCH, at_kill
        assert job(batch.job_id).state == JobState.RUNNING  # what the dead worker left

        # The new worker takes back the messages left unacknowledged for
        # longer than its visibility timeout. It looks for them as it starts,
        # and after that only every 100 s (kombu's Redis transport:
        # unacked_restore_interval 10 s × unacked_restore_throttle 10), so it
        # starts once every message the dead worker held is that old.
        monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", str(VISIBILITY))
        time.sleep(VISIBILITY + 1)
        with worker(url, pool="prefork", concurrency=2):
            assert wait_for(
                lambda: job(batch.job_id).state in (JobState.DONE, JobState.FAILED), timeout=400
            ), job(batch.job_id).__dict__

    done = job(batch.job_id)
    assert (done.state, done.progress_done, done.progress_total, done.error) == (
        JobState.DONE,
        BATCH,
        BATCH,
        "",
    )
    assert done.attempts >= 2
    letters = Letter.all_objects.filter(batch_key=batch.batch_key)
    assert letters.count() == BATCH and Letter.all_objects.count() == BATCH
    assert set(letters.values_list("status", flat=True)) == {LetterStatus.RENDERED}
    per_household = letters.values("household").annotate(n=Count("pk"))
    assert {row["n"] for row in per_household} == {1} and len(per_household) == BATCH
    assert OutreachMeeting.all_objects.count() == BATCH
    # Every letter's archive copy is there and is what its checksum says.
    import hashlib

    for letter in letters:
        with letter.pdf.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == letter.sha256
    batch.refresh_from_db()
    assert batch.print_file and batch.print_sha256
    info = subprocess.run(
        ["pdfinfo", batch.print_file.path], check=True, capture_output=True, text=True
    ).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= BATCH
    stray = sorted(
        p.name
        for p in (shared_media / "letters").rglob("innkalling-*.pdf")
        if p.name not in {Path(name).name for name in letters.values_list("pdf", flat=True)}
    )
    # Files written by the killed worker for letters whose transaction died
    # are left behind, never used: say how many.
    print(
        f"\nkilled at {at_kill}/{BATCH} rendered; {len(stray)} unused PDF file(s) left by the killed worker"
    )


# The broker down -------------------------------------------------------------------


@contextlib.contextmanager
def celery_at(url: str) -> Iterator[None]:
    """Point this process's Celery at `url`, dropping pooled connections to
    the old one."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager

    reset_broker_connections()
    conf.broker_url, conf.task_always_eager = url, False
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        reset_broker_connections()


def test_broker_down_the_data_is_saved_the_job_waits_and_runs_when_it_is_back(client, shared_media):
    need_redis(DOWN_BROKER_DB)
    municipality = factories.MunicipalityFactory(number="3807", name="Skien")
    caseworker = factories.caseworker(municipality)
    households = summonable_households(municipality, 3)

    with celery_at(CLOSED_PORT_BROKER):
        started = time.monotonic()
        batch = create_summons_batch(
            municipality=municipality,
            by=caseworker,
            household_ids=[h.pk for h in households],
            caseworkers=[caseworker],
            place="Rådhuset",
            first=monday_in_two_weeks(),
            minutes=30,
        )
        assert time.monotonic() - started < 15, "the user waited too long for a dead broker"
        waiting = job(batch.job_id)
        assert waiting.state == JobState.WAITING and waiting.task_sent_at is None
        assert "køsystemet svarer ikke" in waiting.message
        # The user's work is saved: letters to be made, meetings, stages.
        assert Letter.all_objects.filter(batch_key=batch.batch_key, status=LetterStatus.PENDING).count() == 3
        assert OutreachMeeting.all_objects.count() == 3

        client.force_login(caseworker)
        page = client.get(reverse("job-detail", args=[waiting.pk])).content.decode()
        assert "køsystemet svarer ikke" in page and "Start på nytt" not in page
        # After a minute the page offers to start it again; pressing it while
        # the broker is still down changes nothing but the attempt.
        Job.all_objects.filter(pk=waiting.pk).update(
            created_at=timezone.now() - datetime.timedelta(minutes=2)
        )
        page = client.get(reverse("job-detail", args=[waiting.pk])).content.decode()
        assert "Start på nytt" in page
        response = client.post(reverse("job-restart", args=[waiting.pk]))
        assert response.status_code == 302
        assert job(waiting.pk).state == JobState.WAITING and job(waiting.pk).task_sent_at is None
        assert "køsystemet svarer ikke" in job(waiting.pk).message

    with broker(DOWN_BROKER_DB) as url, celery_at(url):
        call_command("requeue_waiting_jobs")
        assert job(waiting.pk).task_sent_at is not None
        assert "Start på nytt" not in client.get(reverse("job-detail", args=[waiting.pk])).content.decode()
        with worker(url):
            assert wait_for(lambda: job(waiting.pk).state == JobState.DONE, timeout=180), job(
                waiting.pk
            ).__dict__
    assert Letter.all_objects.filter(batch_key=batch.batch_key, status=LetterStatus.RENDERED).count() == 3
    assert Letter.all_objects.count() == 3


# PostgreSQL gone under the app ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, the CSRF token, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = None
        if data is not None:
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def log_in(self, username: str) -> None:
        status, page = self.request("/logg-inn/")
        assert status == 200
        status, _page = self.request("/logg-inn/", {"username": username, "password": PASSWORD})
        assert status == 302, "login failed"


@contextlib.contextmanager
def app_server() -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "600",
        "DJANGO_SETTINGS_MODULE": "housing_office.settings",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "false",
        "CELERY_BROKER_URL": "",
    }
    log = open(ROOT / f".gunicorn-{os.getpid()}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "housing_office.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _answers(base), timeout=60), Path(log.name).read_text()
        yield base, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/helse/", timeout=2) as response:  # noqa: S310 - our own server
            return response.status == 200
    except OSError:  # refused, reset or timed out while it starts
        return False


@contextlib.contextmanager
def admin_connection() -> Iterator[psycopg.Connection]:
    s = connection.settings_dict
    with psycopg.connect(
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or 5432,
        user=s.get("USER") or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as admin:
        yield admin


def cut_connections(admin: psycopg.Connection, *, refuse_new: bool) -> int:
    """What the app sees of a PostgreSQL restart: every connection to the
    test database dropped (but this test's own), and with `refuse_new` no
    new one let in until `allow_connections`."""
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    if refuse_new:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [name, own]
    ).fetchall()
    return len(rows)


def allow_connections(admin: psycopg.Connection) -> None:
    admin.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" ALLOW_CONNECTIONS true')


def test_database_gone_requests_fail_cleanly_and_recover_without_a_restart(shared_media):
    municipality = factories.MunicipalityFactory(number="3807", name="Skien")
    user = factories.caseworker(municipality, username="kari")
    # The server hashes as in production; the tests' fast MD5 is not among its hashers.
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    household = factories.HouseholdFactory(municipality=municipality, reference="H-DB-1")
    detail = f"/husstander/{household.pk}/"

    with app_server() as (base, server), admin_connection() as admin:
        browser = Browser(base)
        browser.log_in("kari")
        assert browser.request(detail)[0] == 200

        # A restart: the app's connection dies while it is idle. The next
        # request notices (CONN_HEALTH_CHECKS), reconnects and succeeds.
        assert cut_connections(admin, refuse_new=False) >= 1
        status, page = browser.request(detail)
        assert status == 200 and "H-DB-1" in page

        # The database away for a while: pages answer 503 in Norwegian,
        # a form sent meanwhile is not half-saved.
        try:
            cut_connections(admin, refuse_new=True)
            status, page = browser.request(detail)
            assert status == 503, page[:500]
            assert "midlertidig utilgjengelig" in page and "Traceback" not in page
            status, page = browser.request(
                f"/husstander/{household.pk}/notater/", {"text": "Skrevet under bruddet"}
            )
            assert status == 503
            status, body = browser.request("/helse/")
            assert status == 503, body[:300]
        finally:
            allow_connections(admin)

        # Back: the same server process answers, the user is still logged in.
        assert server.poll() is None
        status, page = browser.request(detail)
        assert status == 200 and "H-DB-1" in page
        assert not JournalNote.all_objects.filter(text="Skrevet under bruddet").exists()
        status, _page = browser.request(
            f"/husstander/{household.pk}/notater/", {"text": "Skrevet etter bruddet"}
        )
        assert status == 302
        assert JournalNote.all_objects.filter(text="Skrevet etter bruddet", author=user).count() == 1
        assert re.search(r'"status": ?"ok"', browser.request("/helse/")[1])
