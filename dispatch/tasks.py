"""Celery tasks for dispatch. They take ids, are safe to run twice
(`dispatch.services` records each attempt before calling SvarUt and looks a
doubtful one up by external reference before sending again), and retry
when SvarUt does not answer."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from housing_office.jobs import TRANSIENT_ERRORS

from . import services
from .svarut import SvarUtUnavailable

RETRY_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (*TRANSIENT_ERRORS, SvarUtUnavailable),
    "retry_backoff": 30,
    "retry_backoff_max": 20 * 60,
    "retry_jitter": True,
    # After these the shipment stays `uncertain`; the periodic poll picks it
    # up again (services.shipments_to_reconcile), so nothing is lost.
    "max_retries": 8,
}


@shared_task(name="dispatch.tasks.send_shipment", **RETRY_OPTIONS)
def send_shipment(self: Any, shipment_id: int) -> str:
    return services.send_shipment(shipment_id)


@shared_task(name="dispatch.tasks.poll_shipment_statuses", **RETRY_OPTIONS)
def poll_shipment_statuses(self: Any) -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): statuses of sent shipments, the
    print file for what fell back, and a new try for doubtful sends."""
    result = services.poll_statuses()
    for pk in services.shipments_to_reconcile():
        send_shipment.delay(pk)
    return result
