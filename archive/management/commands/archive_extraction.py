"""manage.py archive_extraction --municipality NNNN --year YYYY --output DIR

Writes the Noark 5 v5.0 extraction of the year into DIR (see README.md,
Contracts)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.extraction import ChecksumMismatch, validate_package, write_extraction
from housing_office.models import Municipality


class Command(BaseCommand):
    help = "Write a Noark 5 v5.0 archive extraction (arkivuttrekk) of one year into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="Kommunenummer, fire siffer")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args, municipality: str, year: int, output: Path, **options):
        year, output = int(year), Path(output)
        found = Municipality.objects.filter(number=municipality).first()
        if found is None:
            raise CommandError(f"Municipality {municipality} does not exist")
        if not 1900 <= year <= 2999:
            raise CommandError("--year must be a year, e.g. 2026")
        if output.exists() and any(output.iterdir()):
            raise CommandError(f"{output} is not empty")
        try:
            summary = write_extraction(found, year, output)
        except ChecksumMismatch as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{output}: {summary['case_files']} case files, {summary['entries']} registry entries, "
            f"{summary['documents']} documents"
        )
        # Checked as the archive will check it on deposit: a package that
        # breaks the schemas is never handed over as if it were one.
        invalid = False
        for name, errors in validate_package(output).items():
            self.stdout.write(f"  {name}: {'valid against Noark 5 v5.0' if not errors else 'INVALID'}")
            for error in errors[:20]:
                self.stderr.write(f"    {error}")
            invalid = invalid or bool(errors)
        if invalid:
            raise CommandError(f"{output}: the package does not validate against the Noark 5 v5.0 schemas")
