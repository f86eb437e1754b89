"""Start-loan figures for the yearly throughput report, counted in the database."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, Sum

from .models import ApplicationStatus, StartLoanApplication


def loan_figures(municipality_id: int, year: int) -> dict[str, int]:
    """Applications received in `year`, loans granted in it and their sum:
    the throughput report's `loan_applications`, `loans_granted` and
    `loan_amount_granted`. One aggregate query, whatever the number of
    applications.

    Granted = decided in the year and now granted or disbursed (a loan
    granted and then paid out still counts as granted).
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    granted = Q(
        decided_on__range=(start, end), status__in=[ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED]
    )
    totals = StartLoanApplication.all_objects.filter(municipality_id=municipality_id).aggregate(
        received=Count("pk", filter=Q(received_on__range=(start, end))),
        granted=Count("pk", filter=granted),
        loan_sum=Sum("loan_granted", filter=granted),
    )
    return {
        "loan_applications": totals["received"],
        "loans_granted": totals["granted"],
        "loan_amount_granted": int(totals["loan_sum"] or 0),
    }
