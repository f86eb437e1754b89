from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from . import factories


@pytest.fixture(autouse=True)
def _no_closed_broker_pools() -> Iterator[None]:
    """Every test starts with no pooled broker connection. Tests that point
    Celery at a real broker close their pools when done; once a closed pool
    was left in kombu's registry, a later test's in-process job failed to
    enqueue ("Acquire on closed pool") and stayed waiting — only when such a
    test ran before it on the same process."""
    from .worker import reset_broker_connections

    reset_broker_connections()
    yield


def pytest_configure(config):
    # Hashing passwords properly costs a tenth of a second each; the tests
    # make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        # A test database is thrown away: its commits need not wait for the
        # disk. Every transactional test's teardown empties every table
        # and remakes the roles in some forty commits, and the browser and
        # worker tests commit every request
        # (https://www.postgresql.org/docs/15/wal-async-commit.html).
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
        _flush_by_delete()
        _drop_test_database_by_force()


def _flush_by_delete() -> None:
    """Empty the tables after a transactional test by DELETE, not TRUNCATE.

    Django's flush (every transactional test's teardown: the browser, worker
    and server tests) truncates the seventy-odd tables in one statement,
    which makes new files for every table and index: 1.7–3 s on the two-core
    machine, against 60 ms for deleting the few rows a test leaves. Django's
    foreign keys are deferred, so the order does not matter; the triggers
    that forget kept figures fire on DELETE as they do on TRUNCATE.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:
            return truncate(self, style, tables, reset_sequences=True, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};" for t in tables]

    DatabaseOperations.sql_flush = sql_flush


def _drop_test_database_by_force() -> None:
    """Drop a process's test database at the end even when a session is
    still connected to it (PostgreSQL 13+: DROP DATABASE … WITH (FORCE)).

    Twice in full runs on the busy two-core machine one session was still
    connected when the process dropped its database, and the run failed
    after every test had passed. Which session it was the server's log did
    not tell (the database-gone test in tests/test_faults.py terminates the
    test database's connections, the live server's kept one among them,
    and workers and app servers are started and killed against it).
    """
    from django.db.backends.postgresql.creation import DatabaseCreation

    def _destroy_test_db(self, test_database_name, verbosity):
        self.connection.close_pool()
        with self._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE {self.connection.ops.quote_name(test_database_name)} WITH (FORCE)")

    DatabaseCreation._destroy_test_db = _destroy_test_db


@pytest.fixture
def municipality(db):
    return factories.MunicipalityFactory(number="3807", name="Skien")


@pytest.fixture
def other_municipality(db):
    return factories.MunicipalityFactory(number="1508", name="Ålesund")


@pytest.fixture
def caseworker_user(municipality):
    return factories.caseworker(municipality, username="kari", first_name="Kari")


@pytest.fixture
def leader_user(municipality):
    return factories.leader(municipality, username="leder", first_name="Lise")


@pytest.fixture
def other_caseworker(other_municipality):
    return factories.caseworker(other_municipality, username="ola", first_name="Ola")


@pytest.fixture
def caseworker_client(client, caseworker_user):
    client.force_login(caseworker_user)
    return client


@pytest.fixture
def leader_client(client, leader_user):
    client.force_login(leader_user)
    return client


@pytest.fixture
def aligned_pks(db):
    """Every table of ours numbers its next rows from one common value, so
    that the rows a walk builds share a handful of primary keys: each route
    is then tried with every key in use (an unscoped lookup of any model
    would find a row) without trying dozens of keys no row of its own has."""
    align_pks()


def align_pks() -> None:
    """`aligned_pks`, for a fixture of a wider scope."""
    from django.apps import apps
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    base = Path(settings.BASE_DIR).resolve()
    sequences = []
    with connection.cursor() as cursor:
        for config in apps.get_app_configs():
            if "site-packages" in config.path or not Path(config.path).resolve().is_relative_to(base):
                continue
            for model in config.get_models():
                if model._meta.auto_field is None:
                    continue
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)",
                    [model._meta.db_table, model._meta.auto_field.column],
                )
                if sequence := cursor.fetchone()[0]:
                    sequences.append(sequence)
        last = 0
        for sequence in sequences:
            cursor.execute(f"SELECT last_value FROM {sequence}")
            last = max(last, cursor.fetchone()[0])
        for sequence in sequences:
            cursor.execute("SELECT setval(%s, %s)", [sequence, last + 1])


@contextlib.contextmanager
def rows_for_a_class(django_db_blocker, media_root: Path) -> Iterator[None]:
    """For a class-scoped fixture: rows a class of tests shares, made in one
    transaction with the media files in `media_root`. Django's per-test
    transaction nests inside it as a savepoint, and the whole is rolled
    back after the class's last test."""
    with override_settings(MEDIA_ROOT=media_root), django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


@pytest.fixture(scope="class")
def shared_seed(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """One seed of the demo (40 households, the default seed) for a class of
    tests that read it: seeding costs seconds, and most tests only look."""
    with rows_for_a_class(django_db_blocker, tmp_path_factory.mktemp("demo-media")):
        out = io.StringIO()
        call_command("seed_demo", households="40", stdout=out)
        yield out.getvalue()
