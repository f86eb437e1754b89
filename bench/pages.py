"""Each page alone, one request at a time: the read paths without queueing.

Usage:

    .venv/bin/python bench/pages.py [--database bk_load12k] [--dwellings 12000]
        [--runs 15] [--goal-ms 50] [--explain]

It fills the database as `bench/load.py` does (its name must contain
"load"; an existing register is reused), then asks Django's test client for
every page the load test visits, `--runs` times each after one warm-up
request, as the caseworker or the leader, and prints per page the median
and the slowest run in ms, the number of queries, the slowest query's time,
and the median over `/helse/`'s median in the same run. `--goal-ms` marks
the pages above the goal (the issue asks ≤ 50 ms at 12,000 dwellings and
≤ 150 ms at national size for every list page and the household page, and
≤ 250 ms for the dashboard at national size). `--explain` prints the plan of
each page's slowest query.

Exits 0 whatever the times: it measures, the tests assert query counts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import NUMBER, ensure_database, fill, setup_django, users  # noqa: E402
from bench.machine import calibration  # noqa: E402

# (name, path or a callable giving it from the sample ids, role)
PAGES = [
    ("/helse/", "/helse/", "caseworker"),
    ("/ (start)", "/", "caseworker"),
    ("/husstander/ (list)", "/husstander/", "caseworker"),
    ("/husstander/?side=2", "/husstander/?page=2", "caseworker"),
    ("/husstander/?sort=-botid", "/husstander/?sort=-botid", "caseworker"),
    ("/husstander/?stage=summoned", "/husstander/?stage=summoned", "caseworker"),
    ("/husstander/?arrears=yes", "/husstander/?arrears=yes", "caseworker"),
    ("/husstander/?q=hansen", "/husstander/?q=hansen", "caseworker"),
    ("/husstander/[id]/", lambda ids: f"/husstander/{ids['household']}/", "caseworker"),
    ("/husstander/kandidater/", "/husstander/kandidater/", "caseworker"),
    ("/husstander/lopet/", "/husstander/lopet/", "caseworker"),
    ("/husstander/samtaler/", "/husstander/samtaler/", "caseworker"),
    ("/boliger/ (list)", "/boliger/", "caseworker"),
    ("/boliger/?side=3", "/boliger/?side=3", "caseworker"),
    ("/boliger/?status=vacant", "/boliger/?status=vacant", "caseworker"),
    ("/boliger/?q=storgata", "/boliger/?q=storgata", "caseworker"),
    ("/boliger/[id]/", lambda ids: f"/boliger/{ids['dwelling']}/", "caseworker"),
    ("/boliger/ledige/", "/boliger/ledige/", "caseworker"),
    ("/startlan/ (list)", "/startlan/", "caseworker"),
    ("/startlan/[id]/", lambda ids: f"/startlan/{ids['application']}/", "caseworker"),
    ("/rapporter/ (dashboard)", "/rapporter/", "leader"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default="bk_load12k", help="PostgreSQL database (name must contain 'load')."
    )
    parser.add_argument("--dwellings", type=int, default=12_000, help="Register size when filling.")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--goal-ms", type=float, default=50.0)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", help="Only pages whose name contains this.")
    return parser.parse_args()


def sample_ids() -> dict[str, int]:
    from dwellings.models import Dwelling
    from housing_office.models import Municipality
    from startloan.models import StartLoanApplication
    from tenants.models import Household

    municipality = Municipality.objects.get(number=NUMBER)
    # A household with a running tenancy, in the middle of the register.
    household = (
        Household.all_objects.filter(municipality=municipality, tenancies__end_date__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = household.count()
    return {
        "household": household[count // 2],
        "dwelling": Dwelling.all_objects.filter(municipality=municipality)
        .order_by("pk")
        .values_list("pk", flat=True)[Dwelling.all_objects.filter(municipality=municipality).count() // 2],
        "application": StartLoanApplication.all_objects.filter(municipality=municipality)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
    }


def main() -> int:
    args = parse_args()
    url = ensure_database(args.database)
    setup_django(url)
    fill(args.dwellings, args.refill)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dwellings.models import Dwelling
    from housing_office.models import Municipality
    from tenants.models import Household

    settings.ALLOWED_HOSTS = ["*"]
    municipality = Municipality.objects.get(number=NUMBER)
    caseworker, leader = users(municipality)
    clients = {"caseworker": Client(), "leader": Client()}
    clients["caseworker"].force_login(caseworker)
    clients["leader"].force_login(leader)
    ids = sample_ids()
    print(
        f"Register {NUMBER}: {Dwelling.all_objects.filter(municipality=municipality).count():,} dwellings, "
        f"{Household.all_objects.filter(municipality=municipality).count():,} households; "
        f"{args.runs} runs per page after a warm-up, one request at a time (Django test client)."
    )
    rows = []
    for name, path, role in PAGES:
        if args.only and args.only not in name:
            continue
        url = path(ids) if callable(path) else path
        client = clients[role]
        response = client.get(url)
        if response.status_code != 200:
            print(f"{name}: HTTP {response.status_code}")
            continue
        times = []
        for _run in range(args.runs):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
        sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        rows.append((name, statistics.median(times), max(times), len(captured), slowest, sql_ms))
    floor = next((r[1] for r in rows if r[0] == "/helse/"), None) or 1.0
    width = max(len(r[0]) for r in rows)
    print(
        f"{'page':<{width}}  {'median':>7}  {'max':>7}  {'queries':>7}  {'all SQL':>7}  {'slowest q':>9}  "
        f"{'÷ /helse/':>9}  goal"
    )
    for name, median, worst, queries, slowest, sql_ms in rows:
        slow_ms = float(slowest["time"]) * 1000 if slowest else 0.0
        mark = "over" if median > args.goal_ms and name != "/helse/" else "ok"
        print(
            f"{name:<{width}}  {median:>7.1f}  {worst:>7.1f}  {queries:>7}  {sql_ms:>7.1f}  {slow_ms:>9.1f}  "
            f"{median / floor:>9.1f}  {mark}"
        )
    print(f"times in ms (SQL as Django's query log measures it); goal {args.goal_ms:g} ms per page")
    print(calibration())
    if args.explain:
        for name, _median, _worst, _queries, slowest, _sql in rows:
            if not slowest:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"\n=== {name}\n{slowest['sql'][:1500]}\n{plan}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
