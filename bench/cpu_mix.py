"""CPU per request of the load test's mix, page by page: where a saturated
server's time goes.

Usage:

    .venv/bin/python bench/cpu_mix.py [--database bk_load12k] [--dwellings 12000]
        [--runs 30] [--only NAME] [--users 50] [--wait 0.5 0.9]

It fills the database as `bench/load.py` does (its name must contain
"load"; a register already there is reused), then asks Django's test client
for the pages of `bench/load_locustfile.py` — its tasks with their weights,
each called with a stand-in for `self.page` that records the address — one
request at a time, `--runs` times each after three warm-up requests. Per
page it prints the CPU of this process (Python: middleware, view, ORM,
templates) and of its PostgreSQL backend (read from /proc), and the page's
share of one request of the mix.

The sum, CPU per request of the mix, bounds what the machine's cores can
serve; against what the load test's users offer (`--users` over the mean
of `--wait`) it says whether the server must saturate. One request at a
time and CPU rather than wall time make it steadier than a 60-second load
run on a shared machine: compare changes with it, then confirm with
`bench/load.py`.

Linux only (/proc/<pid>/stat). Exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import NUMBER, ensure_database, fill, plan, setup_django, users  # noqa: E402
from bench.machine import calibration  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default="bk_load12k", help="PostgreSQL database (name must contain 'load')."
    )
    parser.add_argument("--dwellings", type=int, default=12_000, help="Register size when filling.")
    parser.add_argument("--runs", type=int, default=30, help="Requests per page after the warm-up.")
    parser.add_argument("--only", help="Only pages whose name contains this.")
    parser.add_argument("--users", type=int, default=50, help="The load test's users (for the offered rate).")
    parser.add_argument("--wait", type=float, nargs=2, default=(0.5, 0.9), metavar=("MIN", "MAX"))
    return parser.parse_args()


def backend_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) the PostgreSQL backend `pid` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Recorder:
    """Stands in for a locust user: a task's `self.page(url, name)` is recorded."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def page(self, url: str, name: str) -> None:
        self.asked.append((url, name))


def _locust_stand_in() -> types.ModuleType:
    """What the locustfile takes from locust, without locust: importing it
    patches the standard library for gevent, and Django's connections then
    refuse the thread they were made in. `@task(n)` marks a method with its
    weight, as locust's does."""
    module = types.ModuleType("locust")

    def task(weight: Any = 1) -> Any:
        if callable(weight):  # @task without a weight
            weight.locust_task_weight = 1
            return weight

        def mark(function: Any) -> Any:
            function.locust_task_weight = weight
            return function

        return mark

    module.task = task  # type: ignore[attr-defined]
    module.between = lambda low, high: (low, high)  # type: ignore[attr-defined]
    module.FastHttpUser = type("FastHttpUser", (), {})  # type: ignore[attr-defined]
    return module


def the_mix(plan_path: Path) -> dict[str, list[tuple[float, Any]]]:
    """{role: [(share of all requests, task function)]} from the locustfile:
    a user class's share is its weight over all; within it, each task's
    share is its weight over the class's tasks' (inherited ones too).
    Every simulated user waits the same between pages, so each makes about
    as many requests as any other."""
    os.environ["LOAD_PLAN"] = str(plan_path)
    sys.modules.setdefault("locust", _locust_stand_in())
    from bench import load_locustfile as locustfile

    classes = {"caseworker": locustfile.Caseworker, "leader": locustfile.Leader}
    total_weight = sum(cls.weight for cls in classes.values())
    mix: dict[str, list[tuple[float, Any]]] = {}
    for role, cls in classes.items():
        tasks = [getattr(cls, name) for name in dir(cls)]
        tasks = [task for task in tasks if hasattr(task, "locust_task_weight")]
        weights = sum(task.locust_task_weight for task in tasks)
        mix[role] = [(cls.weight / total_weight * task.locust_task_weight / weights, task) for task in tasks]
    return mix


def main() -> int:
    args = parse_args()
    url = ensure_database(args.database)
    setup_django(url)
    fill(args.dwellings, refill=False)

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from housing_office.models import Municipality

    settings.ALLOWED_HOSTS = ["*"]
    caseworker, leader = users(Municipality.objects.get(number=NUMBER))
    clients = {"caseworker": Client(), "leader": Client()}
    clients["caseworker"].force_login(caseworker)
    clients["leader"].force_login(leader)
    random.seed(5)

    with tempfile.TemporaryDirectory() as folder:
        plan_path = Path(folder) / "plan.json"
        plan(plan_path, 1)
        mix = the_mix(plan_path)  # the locustfile reads the plan as it is imported

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()

    # The same page may come from both roles' tasks (the household list):
    # one row per (page, role), its shares added.
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for role, tasks in mix.items():
        for share, task in tasks:
            recorder = Recorder()
            task(recorder)
            [(_url, name)] = recorder.asked
            row = rows.setdefault((name, role), {"share": 0.0, "task": task, "role": role})
            row["share"] += share
    print(
        f"The mix of bench/load_locustfile.py, one request at a time, {args.runs} runs a page after "
        "3 warm-up requests; CPU in ms a request (this process, and its PostgreSQL backend)."
    )
    header = f"{'page':26} {'role':10} {'python':>7} {'postgres':>9} {'total':>7} {'share':>6}"
    print(f"{header} {'ms of a request':>16}")
    per_request = 0.0
    results = []
    for (name, role), row in rows.items():
        if args.only and args.only not in name:
            continue
        client = clients[role]

        def ask(row: dict[str, Any] = row, client: Any = client) -> None:
            recorder = Recorder()
            row["task"](recorder)
            [(page_url, _name)] = recorder.asked
            response = client.get(page_url)
            if response.status_code != 200:
                raise SystemExit(f"{page_url}: HTTP {response.status_code}")

        for _warm in range(3):
            ask()
        python, postgres = [], []
        for _run in range(args.runs):
            started_python, started_postgres = time.process_time(), backend_cpu(backend)
            ask()
            python.append((time.process_time() - started_python) * 1000)
            postgres.append((backend_cpu(backend) - started_postgres) * 1000)
        # Means, not medians: the backend's CPU comes in clock ticks (10 ms),
        # so only a mean over the runs says what a request costs.
        mean_python, mean_postgres = statistics.fmean(python), statistics.fmean(postgres)
        total = mean_python + mean_postgres
        per_request += row["share"] * total
        results.append((name, role, mean_python, mean_postgres, total, row["share"]))
    for name, role, mean_python, mean_postgres, total, share in results:
        print(
            f"{name:26} {role:10} {mean_python:7.1f} {mean_postgres:9.1f} {total:7.1f} "
            f"{share * 100:5.1f}% {share * total:9.2f} ({share * total / per_request * 100:4.1f} %)"
        )
    if args.only:
        return 0
    cores = os.cpu_count() or 1
    ceiling = cores * 1000 / per_request
    offered = args.users / statistics.fmean(args.wait)
    print(f"CPU per request of the mix: {per_request:.1f} ms")
    print(calibration())
    print(
        f"{cores} cores serve at most {ceiling:.1f} requests/s of it (every core busy, nothing else); "
        f"{args.users} users waiting {args.wait[0]}–{args.wait[1]} s offer up to {offered:.1f} requests/s, "
        f"which would need {offered * per_request / 1000:.2f} cores."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
