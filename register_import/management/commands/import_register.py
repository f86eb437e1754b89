"""`manage.py import_register`: bring in an office's register from CSV files.

The command line, exit status and messages are a public contract (README.md, "Contracts")."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from register_import.services import ImportReport, SourceFile, import_register

KIND_LABELS = {
    "dwellings": "Boliger",
    "households": "Husstander",
    "tenancies": "Leieforhold",
    "applications": "Søknader om kommunal bolig",
}


def summary_lines(report: ImportReport) -> list[str]:
    lines = []
    for kind, counts in report.counts.items():
        lines.append(
            f"{KIND_LABELS[kind]}: {counts.created} nye, {counts.updated} endret, {counts.unchanged} uendret"
        )
    return lines


class Command(BaseCommand):
    help = (
        "Importerer boliger, husstander og leieforhold fra CSV-filer. Alt eller ingenting: "
        "en feil rad gir exit-status 1, alle feil listet som FIL:LINJE: melding, og ingenting lagres."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="Kommunenummer, fire siffer (f.eks. 3807).")
        parser.add_argument("--dwellings", required=True, help="CSV-fil med boliger.")
        parser.add_argument("--households", required=True, help="CSV-fil med husstander.")
        parser.add_argument("--tenancies", required=True, help="CSV-fil med leieforhold.")
        parser.add_argument(
            "--applications", default=None, help="CSV-fil med søknader om kommunal bolig (valgfri)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Kontroller og tell, men lagre ingenting.")
        parser.add_argument("--name", default=None, help="Kommunens navn, hvis kommunen ikke finnes fra før.")

    def handle(self, *args: Any, **options: Any) -> None:
        number = str(options["municipality"]).strip()
        if not re.fullmatch(r"\d{4}", number):
            raise CommandError("Kommunenummeret har fire siffer, for eksempel 3807.")
        sources = {kind: self._read(options[kind]) for kind in ("dwellings", "households", "tenancies")}
        if options["applications"]:
            sources["applications"] = self._read(options["applications"])
        report = import_register(
            number, dry_run=options["dry_run"], municipality_name=options["name"], **sources
        )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"Importen ble avbrutt: {len(report.errors)} feil. Ingenting er lagret.")
            sys.exit(1)
        for line in summary_lines(report):
            self.stdout.write(line)
        if report.dry_run:
            self.stdout.write("Prøvekjøring: ingenting er lagret.")
        elif report.municipality_created:
            self.stdout.write(f"Kommunen {number} ble opprettet.")

    def _read(self, name: str) -> SourceFile:
        path = Path(name)
        try:
            return SourceFile(name=name, data=path.read_bytes())
        except OSError as exc:
            raise CommandError(f"Kan ikke lese {name}: {exc.strerror}") from exc
