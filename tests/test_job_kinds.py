"""Jobs the apps register with the core: each kind names a real permission,
and a task stored on a Job row by name is found again in a fresh process
(a web process that never imported the app's tasks module)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from housing_office.jobs import JOB_KINDS

ROOT = Path(__file__).resolve().parent.parent

# Task names that Job rows hold (jobs.enqueue stores task.name); moving a
# task to another module must keep its name.
STORED_TASK_NAMES = [
    "reports.tasks.preview_import",
    "reports.tasks.run_import",
    "reports.tasks.build_yearly_report",
    "tenants.tasks.render_summons_batch",
]


@pytest.mark.django_db
def test_every_job_kind_names_a_permission_that_exists():
    assert JOB_KINDS
    for kind in JOB_KINDS.values():
        app_label, codename = kind.permission.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), kind


def test_stored_task_names_are_found_in_a_fresh_process(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from housing_office.jobs import task_named\n"
        f"for name in {STORED_TASK_NAMES!r}:\n"
        "    assert task_named(name).name == name, name\n"
        "print('ok')\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "housing_office.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
