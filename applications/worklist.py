"""The caseworker's worklist of the way in: undecided applications by age,
with the provisional reply of forvaltningsloven § 11 a when it is due, and
offers waiting for an answer or past their deadline. Constant queries."""

from __future__ import annotations

import datetime

from django.db.models import DateField, DurationField, ExpressionWrapper, F, QuerySet, Value

from dwellings.models import Dwelling
from tenants.queries import main_person_name

from .deadlines import add_months
from .models import Application, ApplicationStatus, Offer


def undecided(today: datetime.date) -> QuerySet[Application]:
    """Applications not yet decided, oldest first, with `main_person` and
    `waited` (a timedelta up to `today`)."""
    waited = ExpressionWrapper(
        Value(today, output_field=DateField()) - F("received_on"), output_field=DurationField()
    )
    return (
        Application.objects.filter(status=ApplicationStatus.RECEIVED)
        .select_related("household")
        .annotate(main_person=main_person_name("household"), waited=waited)
        .order_by("received_on", "pk")
    )


def reply_due_before(today: datetime.date) -> datetime.date:
    """Received on or before this day → a month has passed (fvl. § 11 a)."""
    return add_months(today, -1)


def open_offers() -> QuerySet[Offer]:
    return (
        Offer.objects.filter(answer="")
        .select_related("application__household", "dwelling")
        .order_by("answer_deadline", "pk")
    )


def vacant_dwellings(today: datetime.date) -> QuerySet[Dwelling]:
    """Vacant dwellings in stock that have no open offer."""
    return (
        Dwelling.objects.in_stock(today)
        .having_status("vacant", today)
        .with_status(today)
        .exclude(offers__answer="")
        .order_by("reference")
    )
