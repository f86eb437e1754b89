"""The ownership-readiness watch, by hand: `manage.py readiness_watch
[--municipality 1804]`. Celery beat runs the same each January
(startloan.tasks.yearly_readiness_watch); saving the loan parameters starts
it too. Each run is a Job row the readiness page shows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from housing_office.jobs import create_job
from housing_office.models import Job, Municipality
from startloan.readiness import READINESS_JOB
from startloan.tasks import run_readiness_watch


class Command(BaseCommand):
    help = "Vurderer husstander i økonomisk veiledning på nytt og flagger dem som nå kan bære et startlån."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--municipality", help="Kommunenummer (alle kommuner når det utelates).")

    def handle(self, *args: Any, **options: Any) -> None:
        municipalities = Municipality.objects.order_by("number")
        if options.get("municipality"):
            municipalities = municipalities.filter(number=options["municipality"])
            if not municipalities.exists():
                raise CommandError(f"Ukjent kommunenummer {options['municipality']}.")
        for municipality in municipalities:
            job = create_job(
                municipality=municipality,
                kind=READINESS_JOB,
                title="Eierskapsvakt: vurdering startet for hånd",
                total=1,
            )
            # Run here, not through the queue: the command is the worker.
            run_readiness_watch.apply(args=(job.pk,))
            job = Job.all_objects.get(pk=job.pk)
            result = job.result or {}
            self.stdout.write(
                f"{municipality.number} {municipality.name}: {result.get('checked', 0)} vurdert, "
                f"{result.get('flagged', 0)} flagget ({job.get_state_display()})."
            )
