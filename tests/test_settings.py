"""Production and demo settings, checked by importing the settings module in
a fresh interpreter under the environment in question."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_KEY = "insecure-demo-key-only-for-local-use-change-me-in-production-0123456789"


def run_python(code: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="housing_office.settings", **env_vars)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


IMPORT_SETTINGS = "import housing_office.settings as s; print(len(s.SECRET_KEY))"


# The secret key in production ---------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param(DEMO_KEY, id="the-demo-key"),
        pytest.param("kort-men-hemmelig", id="too-short"),
        pytest.param("a" * 60, id="too-few-distinct-characters"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(key):
    env = {"DJANGO_SECURE": "true", "DJANGO_ALLOWED_HOSTS": "bolig.kommune.no"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    result = run_python(IMPORT_SETTINGS, **env)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run_python(
        IMPORT_SETTINGS,
        DJANGO_SECURE="true",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="bolig.kommune.no",
    )
    assert result.returncode == 0, result.stderr


def test_the_demo_still_starts_on_the_demo_key():
    result = run_python(IMPORT_SETTINGS)
    assert result.returncode == 0, result.stderr


# SQLite for the demo: several people clicking at once ----------------------------

SQLITE_CHECK = """
import json, threading, django
django.setup()
from django.db import connection, connections, transaction

with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy_timeout = cursor.fetchone()[0]
    cursor.execute("CREATE TABLE clicks (id INTEGER PRIMARY KEY, n INTEGER)")
connection.close()

errors = []
WRITERS, WRITES = 6, 15

def writer(i):
    try:
        for j in range(WRITES):
            # A request under ATOMIC_REQUESTS: it reads, then writes. Without
            # BEGIN IMMEDIATE two such transactions deadlock on the upgrade
            # from reading to writing and SQLite answers "database is locked"
            # at once, busy timeout or not.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM clicks")
                    cursor.fetchone()
                    cursor.execute("INSERT INTO clicks (n) VALUES (%s)", [i * 100 + j])
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connections.close_all()

threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM clicks")
    rows = cursor.fetchone()[0]
found = {"journal_mode": journal_mode, "busy_timeout": busy_timeout, "errors": errors, "rows": rows}
print(json.dumps(found))
"""


def test_sqlite_uses_wal_a_busy_timeout_and_serialises_writers(tmp_path):
    result = run_python(SQLITE_CHECK, DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["journal_mode"] == "wal"
    assert found["busy_timeout"] >= 10_000
    assert found["errors"] == []
    assert found["rows"] == 6 * 15


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    """Short OLTP queries lose more to JIT compilation than they gain."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
