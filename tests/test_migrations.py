"""The migrations, run as an upgrade runs them, on PostgreSQL.

The suite builds its test databases from the models (pytest-django's
`--no-migrations`, in pyproject.toml: it saves every process a migration
run). This test keeps the migrations honest in their place: it runs the
whole chain with `manage.py migrate` on a fresh PostgreSQL database and
checks that it gives the same tables and columns as the models. The SQLite
re-run of tests/test_request_hygiene.py runs the chain on SQLite (the demo's
database)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable
    FROM information_schema.columns WHERE table_schema = 'public'
"""
# Not ours to keep in step: the migration table only migrate makes, and
# Django's own auth many-to-many id, integer from the models and bigint after
# auth's migrations.
NOT_COMPARED = {("django_migrations", None), ("auth_group_permissions", "id")}


def _columns(dsn: str) -> set[tuple[str, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(COLUMNS).fetchall()
    return {
        tuple(row)
        for row in rows
        if (row[0], None) not in NOT_COMPARED and (row[0], row[1]) not in NOT_COMPARED
    }


@pytest.mark.django_db
def test_the_migration_chain_builds_the_models_schema_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the chain on SQLite runs in the SQLite re-run of the hygiene tests")
    s = connection.settings_dict
    server = (
        f"postgresql://{s.get('USER') or 'postgres'}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}"
    )
    name = f"{s['NAME']}_chain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": f"{server.replace('postgresql', 'postgres', 1)}/{name}"}
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        migrated = _columns(f"{server}/{name}")
        from_models = _columns(f"{server}/{s['NAME']}")
        assert len(migrated) > 500  # every app's tables, not an empty schema
        assert migrated - from_models == set()
        assert from_models - migrated == set()
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
