"""`manage.py throughput_report`: the yearly throughput figures (README,
"Contracts": the command line and the JSON object's keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from housing_office.models import Municipality
from reports.throughput import throughput_figures


class Command(BaseCommand):
    help = "Skriver årets gjennomstrømningstall som JSON, eller årsrapporten som PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="Kommunenummer, fire siffer.")
        parser.add_argument("--year", required=True, type=int, help="Kalenderåret, f.eks. 2024.")
        parser.add_argument("--format", choices=("json", "pdf"), default="json")
        parser.add_argument(
            "--output",
            help="Fil å skrive til. JSON: standard ut hvis tom. PDF: arsrapport-NNNN-ÅÅÅÅ.pdf hvis tom.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        number = str(options["municipality"]).strip()
        municipality = Municipality.objects.filter(number=number).first()
        if municipality is None:
            raise CommandError(f"Fant ingen kommune med nummer {number}.")
        year = options["year"]
        if not 1900 <= year <= 2200:
            raise CommandError("Året må ha fire siffer.")
        output = options["output"]
        if options["format"] == "json":
            text = json.dumps(throughput_figures(municipality, year), ensure_ascii=False, indent=2)
            if output:
                Path(output).write_text(text + "\n", encoding="utf-8")
            else:
                self.stdout.write(text)
            return
        from reports.yearly_report import render_yearly_report

        path = Path(output or f"arsrapport-{municipality.number}-{year}.pdf")
        path.write_bytes(render_yearly_report(municipality, year))
        self.stdout.write(f"Skrev {path}")
