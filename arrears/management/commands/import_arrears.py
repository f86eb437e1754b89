"""`manage.py import_arrears`: the finance system's arrears list.

The command line, exit status and messages are a public contract (README.md, "Contracts")."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arrears.importing import SourceFile, import_arrears


class Command(BaseCommand):
    help = (
        "Importerer restanselisten fra økonomisystemet. Alt eller ingenting: en feil rad gir exit-status 1, "
        "alle feil listet som FIL:LINJE: melding, og ingenting lagres."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="Kommunenummer, fire siffer (f.eks. 3807).")
        parser.add_argument("--file", required=True, help="CSV-fil med restanselisten.")
        parser.add_argument("--dry-run", action="store_true", help="Kontroller og tell, men lagre ingenting.")

    def handle(self, *args: Any, **options: Any) -> None:
        number = str(options["municipality"]).strip()
        if not re.fullmatch(r"\d{4}", number):
            raise CommandError("Kommunenummeret har fire siffer, for eksempel 3807.")
        name = options["file"]
        try:
            source = SourceFile(name=name, data=Path(name).read_bytes())
        except OSError as exc:
            raise CommandError(f"Kan ikke lese {name}: {exc.strerror}") from exc
        report = import_arrears(number, source, dry_run=options["dry_run"])
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"Importen ble avbrutt: {len(report.errors)} feil. Ingenting er lagret.")
            sys.exit(1)
        for line in report.summary():
            if line:
                self.stdout.write(line)
        if report.already_imported:
            self.stdout.write("Denne listen er importert før; ingenting er endret.")
        if report.dry_run:
            self.stdout.write("Prøvekjøring: ingenting er lagret.")
