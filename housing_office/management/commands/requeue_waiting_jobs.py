"""Send the tasks of waiting jobs again, for when the broker was down.

    python manage.py requeue_waiting_jobs [--older-than SECONDS] [--include-sent] [--dry-run]

By default only jobs whose task never reached the broker (the page says
"køsystemet svarer ikke") are sent. `--include-sent` also sends jobs that
did reach it but have waited longer than `--older-than`, for a broker that
lost its queue (a Redis restarted without persistence). Tasks are
idempotent, so a job that is in the queue after all runs twice at worst,
never doubling its letters or rows.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from housing_office.jobs import requeue
from housing_office.models import Job, JobState


class Command(BaseCommand):
    help = "Send the tasks of waiting jobs to the broker again (after the broker was down)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            help="Only jobs made at least this many seconds ago (default 60).",
        )
        parser.add_argument(
            "--include-sent",
            action="store_true",
            help="Also jobs whose task reached the broker but never started.",
        )
        parser.add_argument("--dry-run", action="store_true", help="List the jobs, send nothing.")

    def handle(self, *args: Any, older_than: int, include_sent: bool, dry_run: bool, **options: Any) -> None:
        cutoff = timezone.now() - datetime.timedelta(seconds=older_than)
        jobs = Job.all_objects.filter(state=JobState.WAITING, created_at__lte=cutoff).exclude(task_name="")
        if not include_sent:
            jobs = jobs.filter(task_sent_at__isnull=True)
        sent = failed = 0
        for job in jobs.order_by("created_at", "pk"):
            self.stdout.write(f"{job.pk}\t{job.kind}\t{job.title}")
            if dry_run:
                continue
            with transaction.atomic():
                requeue(job)
            job.refresh_from_db(fields=["task_sent_at"])
            if job.task_sent_at is None:
                self.stderr.write(self.style.ERROR(f"Job {job.pk}: the broker still does not answer"))
                failed += 1
            else:
                sent += 1
        if failed:
            # A non-zero exit, so that a cron job or a person notices.
            raise CommandError(f"{failed} job(s) could not be sent; {sent} sent.")
        self.stdout.write(self.style.SUCCESS("Dry run." if dry_run else f"{sent} job(s) sent again."))
