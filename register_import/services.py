"""The register import's entry point, for the command, the browser import's
job and the benchmarks: three CSV files – dwellings, households, tenancies –
are read (`parse`), checked (`check`), compared with what the municipality
already has (`plan`) and then written in one transaction (`write`), or not
at all.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from housing_office.models import Municipality

from .applications_file import (
    ApplicationPlan,
    load_registered,
    plan_applications,
    read_applications,
    write_applications,
)
from .check import cross_check, read_dwellings, read_households, read_tenancies
from .parse import RowError, SourceFile
from .plan import load_existing_meanwhile, make_plan
from .write import Progress, Writer

__all__ = ["KINDS", "Counts", "ImportReport", "RowError", "SourceFile", "import_register"]

KINDS = ("dwellings", "households", "tenancies")
# The optional fourth file (DESIGN §5.2); counted only when given.
APPLICATIONS = "applications"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportReport:
    municipality: str
    dry_run: bool
    municipality_created: bool = False
    written: bool = False
    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KINDS})
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_text(self) -> str:
        return "".join(f"{error}\n" for error in self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "dry_run": self.dry_run,
            "municipality_created": self.municipality_created,
            "written": self.written,
            "counts": {kind: counts.as_dict() for kind, counts in self.counts.items()},
            "error_count": len(self.errors),
        }


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The import holds millions of small objects (rows, values, keys) and
    makes no reference cycles; Python's cycle collector would walk them all
    again and again as they pile up (40 % of the reading at national size)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_collector_paused()
def import_register(
    municipality_number: str,
    *,
    dwellings: SourceFile,
    households: SourceFile,
    tenancies: SourceFile,
    applications: SourceFile | None = None,
    dry_run: bool = False,
    municipality_name: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check the three files (and the optional applications file) and, unless `dry_run` or anything is wrong,
    write them to the municipality's register in one transaction.

    Returns the report: counts created/updated/unchanged per kind (what was
    written, or for a dry run what would be) and every error found.
    """
    report = ImportReport(municipality=municipality_number, dry_run=dry_run)
    errors = report.errors
    sources = {"dwellings": dwellings, "households": households, "tenancies": tenancies}
    if applications is not None:
        sources[APPLICATIONS] = applications

    def tell(done: int, total: int, message: str) -> None:
        if progress:
            progress(done, total, message)

    municipality = Municipality.objects.filter(number=municipality_number).first()
    # The register is read while the files are (where that is safe, see there).
    existing_when_read = load_existing_meanwhile(municipality)
    tell(0, 0, _("Leser filene"))
    dwelling_rows, dwelling_refs = read_dwellings(dwellings, errors)
    household_rows, household_refs = read_households(households, errors)
    tenancy_rows = read_tenancies(tenancies, errors)
    rows_total = len(dwelling_rows) + len(household_rows) + len(tenancy_rows)

    tell(0, 0, _("Sammenligner med registeret"))
    existing = existing_when_read()
    usable_tenancies = cross_check(
        dwelling_rows, tenancy_rows, sources, errors,
        file_refs={"dwellings": dwelling_refs, "households": household_refs},
        registered_dwellings=existing.dwellings,
        registered_households=existing.households,
        registered_tenancies=existing.tenancies,
    )  # fmt: skip
    plan = make_plan(existing, dwelling_rows, household_rows, usable_tenancies)
    application_plan = ApplicationPlan()
    if applications is not None:
        application_rows = read_applications(
            applications, errors, file_households=household_refs, registered_households=existing.households
        )
        rows_total += len(application_rows)
        registered_applications = load_registered(municipality)
        for row in application_rows:
            current = registered_applications.get(row.reference.lower())
            if current and not row.outcome and current["decided_on"] and row.received > current["decided_on"]:
                errors.append(
                    RowError(
                        applications.name,
                        row.line,
                        _("«received» blir etter vedtaksdatoen %(d)s som er registrert")
                        % {"d": f"{current['decided_on']:%d.%m.%Y}"},
                    )
                )
        application_plan = plan_applications(application_rows, registered_applications, existing.households)
        report.counts[APPLICATIONS] = Counts(
            len(application_plan.new), len(application_plan.changed), application_plan.unchanged
        )
    # By file and line; a line's problems stay in the order of its columns.
    file_order = {source.name: i for i, source in enumerate(sources.values())}
    errors.sort(key=lambda e: (file_order.get(e.file, len(file_order)), e.line))

    counts = report.counts
    counts["dwellings"] = Counts(
        len(plan.new_dwellings), len(plan.changed_dwellings),
        len(dwelling_rows) - len(plan.new_dwellings) - len(plan.changed_dwellings),
    )  # fmt: skip
    counts["households"] = Counts(
        len(plan.new_households), len(plan.changed_households),
        len(household_rows) - len(plan.new_households) - len(plan.changed_households),
    )  # fmt: skip
    unique_tenancies = len({t.key for t in tenancy_rows})
    counts["tenancies"] = Counts(
        len(plan.new_tenancies), len(plan.changed_tenancies),
        max(0, unique_tenancies - len(plan.new_tenancies) - len(plan.changed_tenancies)),
    )  # fmt: skip
    if errors or dry_run:
        tell(rows_total, rows_total, _("Kontrollen er ferdig"))
        return report

    to_write = plan.rows_to_write()
    with transaction.atomic():
        if municipality is None:
            municipality = Municipality.objects.create(
                number=municipality_number, name=municipality_name or municipality_number
            )
            report.municipality_created = True
        writer = Writer(municipality, progress, to_write)
        with writer.checking_as_it_goes():
            dwelling_pks = writer.dwellings(plan)
            household_pks = writer.households(plan)
            writer.tenancies(plan, household_pks, dwelling_pks)
            write_applications(municipality, application_plan, household_pks)
    report.written = True
    tell(to_write, to_write, _("Importen er ferdig"))
    return report
