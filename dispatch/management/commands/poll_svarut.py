"""The periodic status poll, by hand: `manage.py poll_svarut`. Celery beat
runs the same every SVARUT_POLL_SECONDS (dispatch.tasks.poll_shipment_statuses)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dispatch import services
from dispatch.svarut import SvarUtUnavailable, config


class Command(BaseCommand):
    help = "Henter status fra SvarUt for sendte brev og lager utskriftsfil for dem som ikke ble levert."

    def handle(self, *args: Any, **options: Any) -> None:
        if config() is None:
            self.stdout.write("SvarUt er ikke satt opp; alle brev sendes på papir.")
            return
        for pk in services.shipments_to_reconcile():
            try:
                services.send_shipment(pk)
            except SvarUtUnavailable as exc:
                self.stderr.write(f"Utsending {pk}: {exc}")
        result = services.poll_statuses()
        self.stdout.write(
            f"Spurte om {result['asked']} forsendelser: {result['changed']} endret status, "
            f"{result['to_print']} går til papir."
        )
