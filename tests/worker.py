"""Run a real Celery worker against Redis and the test database.

Used by the tests marked `worker`: they need committed rows
(`transactional_db`) because the worker is another process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from django.db import connection
from kombu import pools

from housing_office.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")


def test_database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("A real worker needs PostgreSQL: set DATABASE_URL=postgres://…")
    user = s.get("USER") or "postgres"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


def redis_available(db: int) -> bool:
    try:
        return bool(redis.Redis(host=REDIS_HOST, port=6379, db=db, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def broker(db: int) -> Iterator[str]:
    """Point this process's Celery app at a real Redis database, emptied first."""
    url = f"redis://{REDIS_HOST}:6379/{db}"
    redis.Redis(host=REDIS_HOST, port=6379, db=db).flushdb()
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    reset_broker_connections()
    conf.broker_url, conf.task_always_eager = url, False
    try:
        yield url
    finally:
        conf.broker_url, conf.task_always_eager = saved
        reset_broker_connections()


def reset_broker_connections() -> None:
    """Forget pooled broker connections: the app builds its pools from the
    broker URL of the moment, and an earlier test may have made one for
    another URL. The one reset for broker(), test_faults' celery_at and the
    start of every test (tests/conftest.py)."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    # kombu keeps pools per URL in a global registry: forget them too, or the
    # pool just closed is handed to the next task, even an eager one
    # ("Acquire on closed pool").
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def worker(broker_url: str, *, concurrency: int = 1, pool: str = "solo") -> Iterator[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SETTINGS_MODULE": "housing_office.settings",
    }
    cmd = [sys.executable, "-m", "celery", "-A", "housing_office", "worker", "--loglevel=INFO"]
    cmd += [f"--pool={pool}", f"--concurrency={concurrency}", "--without-gossip", "--without-mingle"]
    cmd += ["--without-heartbeat", f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h"]
    log = open(ROOT / f".worker-{os.getpid()}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


def wait_for(predicate, timeout: float = 90, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
