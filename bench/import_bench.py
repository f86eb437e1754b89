"""Benchmark: the register import at national scale, phase by phase.

Usage (PostgreSQL only; use a database of its own, its register is emptied):

    createdb -h 127.0.0.1 -U postgres bk_bench_import        # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_bench_import \\
        .venv/bin/python bench/import_bench.py [--dwellings 115000] [--files DIR] [--changed-every 100]

It generates bench/national_register.py's three files (or takes `--files`),
empties the register and imports them through `import_register`, the code
the command and the import page run, three times:

* **import**: into an empty municipality;
* **re-import** of the same files, which must change nothing: the script
  checks that no row's `updated_at` moved and that the audit trail got no row;
* **changed**: the same files with every `--changed-every`-th tenancy's
  rent raised, which must update exactly those tenancies.

Each run is split into its phases as the import reports them (`read`: the
files parsed and every row checked, in Python; `compare`: the register
loaded, the files checked against it and the plan made; `write`: the rows
written and committed), with wall clock, this process's CPU time and the
database server processes' CPU time (read from /proc when PostgreSQL runs on
this machine: the import's connection, and the one that reads the register
in a thread while the files are parsed, counted in the phase it ends in).
The **floor** is the reading alone, measured in the same run: `read_*` over
the same bytes, nothing compared or written. On a shared machine the CPU
columns are the steadier ones.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

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

from bench.national_register import generate  # noqa: E402

NUMBER = "9999"
FILES = (("dwellings", "boliger"), ("households", "husstander"), ("tenancies", "leieforhold"))
# The import's own progress messages that open each phase.
COMPARE_STARTS = "Sammenligner med registeret"


class Clock:
    """Wall clock, this process's CPU and the database backend's CPU."""

    def __init__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.tick = os.sysconf("SC_CLK_TCK")
        self.side = 0.0

    def db(self) -> float | None:
        own = self.cpu_of(self.stat)
        return None if own is None else own + self.side

    def cpu_of(self, stat: Path) -> float | None:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # PostgreSQL on another machine
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick

    def count_side_connection(self) -> None:
        """The import reads the register on a connection of its own, in a
        thread (`plan.load_existing_meanwhile`): its backend's CPU, taken as
        that connection finishes, counts as the database's too."""
        from register_import import plan

        load = plan.load_existing

        def counted(municipality: object) -> object:
            existing = load(municipality)  # type: ignore[arg-type]
            with connection.cursor() as cursor:  # this thread's connection
                cursor.execute("SELECT pg_backend_pid()")
                cpu = self.cpu_of(Path(f"/proc/{cursor.fetchone()[0]}/stat"))
            self.side += cpu or 0.0
            return existing

        plan.load_existing = counted  # type: ignore[assignment]

    def now(self) -> tuple[float, float, float | None]:
        return time.perf_counter(), time.process_time(), self.db()


@dataclass
class Phases:
    """Times of each phase of one import, from its progress reports."""

    clock: Clock
    marks: list[tuple[str, tuple[float, float, float | None]]] = field(default_factory=list)

    def progress(self, done: int, total: int, message: str) -> None:
        if not self.marks or (message == COMPARE_STARTS and self.marks[-1][0] == "read"):
            self.marks.append(("read" if not self.marks else "compare", self.clock.now()))
        elif self.marks[-1][0] == "compare" and message != COMPARE_STARTS:
            self.marks.append(("write", self.clock.now()))

    def spans(self, end: tuple[float, float, float | None]) -> list[tuple[str, float, float, float | None]]:
        out = []
        points = [*self.marks, ("end", end)]
        for (name, a), (_next, b) in zip(points, points[1:], strict=False):
            db = b[2] - a[2] if a[2] is not None and b[2] is not None else None
            out.append((name, b[0] - a[0], b[1] - a[1], db))
        return out


def _fmt_db(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def run_import(label: str, sources: dict, rows: int, clock: Clock) -> tuple[object, float]:
    from register_import.services import import_register

    phases = Phases(clock)
    start = clock.now()
    report = import_register(NUMBER, municipality_name="Hele landet", progress=phases.progress, **sources)
    end = clock.now()
    if not report.ok:
        sys.exit("Importen feilet:\n" + report.error_text()[:2000])
    wall, cpu = end[0] - start[0], end[1] - start[1]
    db = end[2] - start[2] if start[2] is not None and end[2] is not None else None
    counts = ", ".join(
        f"{kind} {c.created:,}/{c.updated:,}/{c.unchanged:,}" for kind, c in report.counts.items()
    )
    print(f"\n{label}: {rows:,} rader på {wall:.1f} s = {rows / wall:,.0f} rader/s")
    print(f"  ny/endret/uendret: {counts}")
    print(f"  {'fase':<8} {'vegg s':>8} {'CPU s':>8} {'DB CPU s':>9}")
    for name, w, c, d in phases.spans(end):
        print(f"  {name:<8} {w:>8.1f} {c:>8.1f} {_fmt_db(d):>9}")
    print(f"  {'i alt':<8} {wall:>8.1f} {cpu:>8.1f} {_fmt_db(db):>9}")
    return report, wall


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of the register import.")
    parser.add_argument("--dwellings", type=int, default=115_000)
    parser.add_argument("--files", type=Path, help="Folder with already generated files.")
    parser.add_argument("--changed-every", type=int, default=100, help="Every n-th tenancy's rent changed.")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("Kjør mot PostgreSQL: DATABASE_URL=postgres://…/bk_bench_import")
    name = settings.DATABASES["default"]["NAME"]
    if "bench" not in name:
        sys.exit(f"Databasen {name!r} tømmes av benchmarken; bruk en egen, f.eks. bk_bench_import.")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        # A dedicated database: the register and everything that points at it.
        cursor.execute(
            "TRUNCATE dwellings_tenancy, tenants_person, tenants_household, dwellings_dwelling, "
            "housing_office_job RESTART IDENTITY CASCADE"
        )

    from auditlog.models import LogEntry

    from dwellings.models import Dwelling, Tenancy
    from register_import.check import read_dwellings, read_households, read_tenancies
    from register_import.parse import SourceFile
    from tenants.models import Household, Person

    folder = args.files or Path(tempfile.mkdtemp(prefix="bk-register-"))
    if args.files and (folder / "boliger.csv").exists():
        print(f"Bruker filene i {folder}")
    else:
        generated = generate(folder, args.dwellings)
        print(
            f"Generert {generated.dwellings:,} boliger, {generated.households:,} husstander, "
            f"{generated.tenancies:,} leieforhold ({folder})"
        )
    data = {kind: (folder / f"{file}.csv").read_bytes() for kind, file in FILES}
    sources = {kind: SourceFile(str(folder / f"{file}.csv"), data[kind]) for kind, file in FILES}
    clock = Clock()
    clock.count_side_connection()

    # The floor: reading and checking every row, nothing compared or written
    # (with the cycle collector paused, as the import does).
    errors: list = []
    gc.disable()
    start = clock.now()
    read = read_dwellings(sources["dwellings"], errors)[0], read_households(sources["households"], errors)[0]
    tenancies = read_tenancies(sources["tenancies"], errors)
    end = clock.now()
    gc.enable()
    rows = len(read[0]) + len(read[1]) + len(tenancies)
    floor_wall, floor_cpu = end[0] - start[0], end[1] - start[1]
    del read, tenancies
    print(
        f"\nGulvet, bare lesing og kontroll av radene: {rows:,} rader på {floor_wall:.1f} s "
        f"({floor_cpu:.1f} s CPU) = {rows / floor_wall:,.0f} rader/s"
    )

    _report, first = run_import("Import", sources, rows, clock)
    persons = Person.all_objects.count()
    print(f"  ({persons:,} personer laget av husstandene)")

    def latest() -> tuple:
        return tuple(
            model.all_objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
            for model in (Dwelling, Household, Tenancy)
        )

    before, entries = latest(), LogEntry.objects.count()
    report, again = run_import("Ny import av de samme filene", sources, rows, clock)
    changed = sum(c.created + c.updated for c in report.counts.values())  # type: ignore[attr-defined]
    untouched = latest() == before and LogEntry.objects.count() == entries
    print(f"  {changed} endringer; ingen rad skrevet og ingen loggrad: {'ja' if untouched else 'NEI'}")

    # Every n-th tenancy's rent up by one krone.
    lines = data["tenancies"].decode("utf-8-sig").split("\r\n")
    for i in range(1, len(lines), args.changed_every):
        if lines[i]:
            cells = lines[i].split(";")
            cells[5] = f"{int(cells[5].replace(' ', '').split(',')[0]) + 1},00"
            lines[i] = ";".join(cells)
    modified = {**sources, "tenancies": SourceFile(sources["tenancies"].name, "\r\n".join(lines).encode())}
    expected = len(range(1, len(lines), args.changed_every))
    report, _seconds = run_import(
        f"Import med hver {args.changed_every}. husleie endret", modified, rows, clock
    )
    updated = report.counts["tenancies"].updated  # type: ignore[attr-defined]
    print(f"  {updated:,} leieforhold endret (ventet {expected:,})")

    print(
        f"\nForhold til gulvet (vegg): import {first / floor_wall:.1f}×, ny import {again / floor_wall:.1f}×"
        f"\nMål: import ≥ 20 000 rader/s ({rows / first:,.0f}), "
        f"ny import ≥ 50 000 rader/s ({rows / again:,.0f})"
    )


if __name__ == "__main__":
    main()
