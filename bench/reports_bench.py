"""Benchmark: yearly figures, dashboard and register import at national scale.

Usage (PostgreSQL only; use a database of its own, it is emptied):

    createdb -h 127.0.0.1 -U postgres bk_bench_reports        # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_bench_reports \\
        .venv/bin/python bench/reports_bench.py [--dwellings 115000] [--year 2024] [--runs 5]
        [--files DIR] [--reuse]

It migrates the database, empties the register tables, generates a register
the size of all Norway's municipal housing (bench/national_register.py), and
prints:

* the import: rows per second for dwellings + households + tenancies (and
  the persons made from them), then a re-import of the same files, which must
  change nothing;
* the yearly figures (`throughput_figures`) against the floor: one
  hand-written SQL aggregate over the same tables that computes the tenancy
  figures of the year in a single statement;
* the leader's dashboard: the whole page through Django's test client, and
  the number of queries it made;
* the yearly report PDF.

Times are the median of --runs runs, after one warm-up run. `--reuse` skips
the import and times the figures and pages on the register already there.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "housing_office.settings")

import django  # noqa: E402

# WhiteNoise looks for collected static files the benchmark never needs.
warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.national_register import generate  # noqa: E402

NUMBER = "9999"

FLOOR_SQL = """
SELECT
    count(*) FILTER (WHERE t.start_date BETWEEN %(first)s AND %(last)s) AS started,
    count(*) FILTER (WHERE t.end_date BETWEEN %(first)s AND %(last)s) AS ended,
    count(*) FILTER (WHERE t.end_date BETWEEN %(first)s AND %(last)s
                     AND t.end_reason = 'bought_own_home') AS bought,
    count(*) FILTER (WHERE t.end_date BETWEEN %(first)s AND %(last)s
                     AND t.end_reason = 'private_rental') AS private_rental,
    count(DISTINCT t.dwelling_id) FILTER (WHERE t.end_date BETWEEN %(first)s AND %(last)s
                     AND t.end_reason IN ('bought_own_home', 'private_rental')
                     AND d.category <> 'care'
                     AND (d.disposed_on IS NULL OR d.disposed_on > t.end_date)) AS freed,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY t.end_date - t.start_date)
        FILTER (WHERE t.end_date BETWEEN %(first)s AND %(last)s
                AND t.end_reason IN ('bought_own_home', 'private_rental')) AS median_days
FROM dwellings_tenancy t
JOIN dwellings_dwelling d ON d.id = t.dwelling_id
WHERE t.municipality_id = %(municipality)s
  AND (t.start_date BETWEEN %(first)s AND %(last)s OR t.end_date BETWEEN %(first)s AND %(last)s)
"""


def timed(func: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds over `runs` runs after a warm-up, and the last result."""
    result = func()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def empty_register() -> None:
    # A dedicated database: the register and everything that points at it.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE dwellings_tenancy, tenants_person, tenants_household, dwellings_dwelling, "
            "housing_office_job RESTART IDENTITY CASCADE"
        )


def add_activity(municipality: Any, year: int) -> None:
    """Meetings, summons letters and loan applications for about a fifth of
    the households, so that those figures have rows to count too."""
    import datetime
    import random
    from decimal import Decimal

    from django.utils import timezone

    from housing_office.models import User
    from letters.models import Letter, LetterTemplate
    from startloan.models import StartLoanApplication
    from tenants.models import Household, OutreachMeeting

    rng = random.Random(7)
    caseworker, _ = User.objects.get_or_create(
        username="bench-saksbehandler", defaults={"municipality": municipality}
    )
    template, _ = LetterTemplate.all_objects.get_or_create(
        municipality=municipality, kind="summons", language="nb", version=1,
        defaults={"subject": "Invitasjon", "body": "<p>Hei</p>"},
    )  # fmt: skip
    ids = list(Household.all_objects.filter(municipality=municipality).values_list("pk", flat=True))
    chosen = rng.sample(ids, len(ids) // 5)
    tz = timezone.get_default_timezone()
    meetings, letters, loans = [], [], []
    for i, pk in enumerate(chosen):
        y = year - i % 10
        when = timezone.make_aware(datetime.datetime(y, 1 + i % 12, 1 + i % 28, 10), tz)
        letters.append(
            Letter(
                municipality=municipality,
                household_id=pk,
                template=template,
                kind="summons",
                created_at=when,
                created_by=caseworker,
            )
        )
        meetings.append(
            OutreachMeeting(
                municipality=municipality,
                household_id=pk,
                caseworker=caseworker,
                starts_at=when + datetime.timedelta(days=14),
                place="Rådhuset",
                status=rng.choice(("held", "held", "no_show", "cancelled")),
            )
        )
        if i % 4 == 0:
            granted = i % 8 == 0
            loans.append(
                StartLoanApplication(
                    municipality=municipality,
                    household_id=pk,
                    received_on=when.date(),
                    purchase_price=Decimal(3_000_000),
                    amount_applied=Decimal(2_500_000),
                    monthly_net_income=Decimal(38_000),
                    annual_gross_income=Decimal(620_000),
                    status="granted" if granted else "rejected",
                    decided_on=when.date() + datetime.timedelta(days=30),
                    loan_granted=Decimal(2_400_000) if granted else None,
                )
            )
    Letter.all_objects.bulk_create(letters, batch_size=5000)
    OutreachMeeting.all_objects.bulk_create(meetings, batch_size=5000)
    StartLoanApplication.all_objects.bulk_create(loans, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of reports and import.")
    parser.add_argument("--dwellings", type=int, default=115_000)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=Path, help="Folder with already generated files.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the register already imported; time figures and pages only.",
    )
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("Kjør mot PostgreSQL: DATABASE_URL=postgres://…/bk_bench_reports")
    name = settings.DATABASES["default"]["NAME"]
    if not name.startswith("bk_bench"):
        sys.exit(f"Databasen {name!r} tømmes av benchmarken; bruk en egen, f.eks. bk_bench_reports.")

    from housing_office.models import Municipality
    from register_import.services import SourceFile, import_register
    from tenants.models import Person

    call_command("migrate", verbosity=0)
    if args.reuse and Municipality.objects.filter(number=NUMBER).exists():
        measure(args)
        return
    empty_register()

    folder = args.files or Path(tempfile.mkdtemp(prefix="bk-register-"))
    start = time.perf_counter()
    if args.files and (folder / "boliger.csv").exists():
        print(f"Bruker filene i {folder}")
    else:
        generated = generate(folder, args.dwellings)
        print(
            f"Generert {generated.dwellings:,} boliger, {generated.households:,} husstander, "
            f"{generated.tenancies:,} leieforhold på {time.perf_counter() - start:.1f} s ({folder})"
        )

    def sources() -> dict[str, SourceFile]:
        return {
            kind: SourceFile(str(folder / f"{file}.csv"), (folder / f"{file}.csv").read_bytes())
            for kind, file in (
                ("dwellings", "boliger"),
                ("households", "husstander"),
                ("tenancies", "leieforhold"),
            )
        }

    print("\nImport")
    start = time.perf_counter()
    report = import_register(NUMBER, municipality_name="Hele landet", **sources())
    seconds = time.perf_counter() - start
    if not report.ok:
        sys.exit("Importen feilet:\n" + report.error_text()[:2000])
    counts = {kind: c.created for kind, c in report.counts.items()}
    rows = sum(counts.values())
    persons = Person.all_objects.count()
    print(
        f"  {counts['dwellings']:,} boliger + {counts['households']:,} husstander + "
        f"{counts['tenancies']:,} leieforhold = {rows:,} rader ({persons:,} personer) på {seconds:.1f} s"
    )
    print(f"  {rows / seconds:,.0f} rader/s ({(rows + persons) / seconds:,.0f} rader/s med personene)")
    start = time.perf_counter()
    again = import_register(NUMBER, **sources())
    seconds_again = time.perf_counter() - start
    unchanged = sum(c.unchanged for c in again.counts.values())
    changed = sum(c.created + c.updated for c in again.counts.values())
    print(
        f"  Ny import av de samme filene: {changed} endringer, {unchanged:,} uendret, "
        f"{seconds_again:.1f} s ({unchanged / seconds_again:,.0f} rader/s)"
    )

    add_activity(Municipality.objects.get(number=NUMBER), args.year)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    measure(args)


def rounds(named: dict[str, Callable[[], Any]], runs: int, before: dict[str, Callable[[], None]]) -> dict:
    """Median seconds of each function over `runs` alternating rounds (so a
    figure and its floor share the machine's moods), after one warm-up
    round. `before[name]` runs untimed before each of that function's runs."""
    times: dict[str, list[float]] = {name: [] for name in named}
    for round_ in range(runs + 1):
        for name, func in named.items():
            if name in before:
                before[name]()
            start = time.perf_counter()
            func()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def measure(args: argparse.Namespace) -> None:
    from django.utils import timezone

    from housing_office.models import Municipality, User
    from housing_office.roles import LEADER
    from reports.models import ClosedYearFigures, StatusFigures
    from reports.throughput import count_series, throughput_figures, throughput_series
    from reports.yearly_report import render_yearly_report

    municipality = Municipality.objects.get(number=NUMBER)
    # The state autovacuum leaves a register in a while after an import:
    # statistics, and the visibility map that lets an index answer alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    def forget() -> None:
        ClosedYearFigures.objects.filter(municipality=municipality).delete()
        StatusFigures.objects.filter(municipality=municipality).delete()

    print(f"\nÅrstall {args.year}")
    params = {
        "municipality": municipality.pk,
        "first": f"{args.year}-01-01",
        "last": f"{args.year}-12-31",
    }

    def floor() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, params)
            return cursor.fetchone()

    figures = throughput_figures(municipality, args.year)
    assert figures == count_series(municipality, args.year, args.year)[args.year], "kept ≠ counted"
    started, ended, bought, private_rental, freed, median_days = floor()
    assert (started, ended, bought, private_rental, freed) == (
        figures["tenancies_started"],
        figures["tenancies_ended"],
        figures["moved_to_ownership"],
        figures["moved_to_private_rental"],
        figures["dwellings_freed"],
    ), "the floor query and the figures disagree"
    queries = {}
    for name, before in (("cold", forget), ("warm", lambda: None)):
        before()
        with CaptureQueriesContext(connection) as captured:
            throughput_figures(municipality, args.year)
        queries[name] = len(captured)
    median = rounds(
        {
            "floor": floor,
            "cold": lambda: throughput_figures(municipality, args.year),
            "warm": lambda: throughput_figures(municipality, args.year),
        },
        args.runs,
        before={"cold": forget},
    )
    print(
        f"  tallene: startet {figures['tenancies_started']:,}, avsluttet {figures['tenancies_ended']:,}, "
        f"kjøpt {figures['moved_to_ownership']:,}, frigjort {figures['dwellings_freed']:,}, "
        f"median {figures['median_tenancy_years_at_exit']} år (lik gulvets)"
    )
    print(f"  gulvet (én håndskrevet SQL-aggregering av leieforholdene): {median['floor'] * 1000:.1f} ms")
    for name, label in (("cold", "talt (ingen lagrede tall)"), ("warm", "lagret (avsluttet år)")):
        print(
            f"  throughput_figures, {label}: {median[name] * 1000:.1f} ms, {queries[name]} spørringer, "
            f"{median[name] / median['floor']:.2f} × gulvet (mål ≤ 1,5)"
        )

    # The running year as a whole is never kept: counted on every call. So
    # far (1 January through today, the dashboard's "hittil i år") it is
    # kept under today's date, as a closed year.
    today = timezone.localdate()
    this_year = today.year

    def so_far() -> dict:
        return throughput_series(municipality, this_year, this_year, through=(today.month, today.day))

    so_far()
    with CaptureQueriesContext(connection) as captured:
        so_far()
    running = rounds(
        {"floor": floor, "running": lambda: throughput_figures(municipality, this_year), "so_far": so_far},
        args.runs,
        before={},
    )
    print(
        f"  throughput_figures({this_year}), løpende år, hele året (alltid talt): "
        f"{running['running'] * 1000:.1f} ms, "
        f"{running['running'] / running['floor']:.2f} × gulvet for {args.year} i samme runde"
    )
    print(
        f"  løpende år hittil i dag, lagret: {running['so_far'] * 1000:.1f} ms, {len(captured)} spørringer, "
        f"{running['so_far'] / running['floor']:.2f} × gulvet (mål ≤ 1,5)"
    )

    print("\nDashbord")
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    leader, _ = User.objects.get_or_create(username="bench-leder", defaults={"municipality": municipality})
    from django.contrib.auth.models import Group

    leader.groups.add(Group.objects.get(name=LEADER))
    client = Client()
    client.force_login(leader)

    def page(year: int) -> Callable[[], int]:
        def get() -> int:
            response = client.get("/rapporter/", {"year": year})
            assert response.status_code == 200, response.status_code
            return len(response.content)

        return get

    for year, what in ((this_year, "inneværende år, hittil"), (args.year, "avsluttet år")):
        queries = {}
        for name, before in (("cold", forget), ("warm", lambda: None)):
            before()
            with CaptureQueriesContext(connection) as captured:
                size = page(year)()
            queries[name] = len(captured)
        median = rounds(
            {"floor": floor, "cold": page(year), "warm": page(year)}, args.runs, before={"cold": forget}
        )
        print(f"  /rapporter/?year={year} ({what}), {size / 1024:.0f} kB HTML:")
        for name, label in (("cold", "uten lagrede tall"), ("warm", "med lagrede tall")):
            print(
                f"    {label}: {median[name] * 1000:.0f} ms, {queries[name]} spørringer "
                f"(mål ≤ 250 ms; {median[name] / median['floor']:.1f} × gulvet i samme runde)"
            )

    print("\nÅrsrapport (PDF)")
    forget()
    start = time.perf_counter()
    pdf = render_yearly_report(municipality, args.year)
    print(f"  uten lagrede tall: {time.perf_counter() - start:.1f} s, {len(pdf) / 1024:.0f} kB")
    start = time.perf_counter()
    render_yearly_report(municipality, args.year)
    print(f"  med lagrede tall: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
