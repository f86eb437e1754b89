"""Start-loan figures for the yearly report, counted in the database."""

from __future__ import annotations

import datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from .models import ApplicationStatus, StartLoanApplication

# A financing certificate (finansieringsbevis) "converts" when the purchase
# follows within this many days (DOMAIN.md §5: "within 4 months").
CONVERSION_DAYS = 120


def loan_figures(municipality_id: int, year: int) -> dict:
    """Applications received, loans granted and their sum, and how many
    financing certificates issued in `year` led to a purchase within 120
    days. Two aggregate queries, whatever the number of applications.

    Granted = decided in the year and now granted or disbursed (a loan
    granted and then paid out still counts as granted).
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = StartLoanApplication.all_objects.filter(municipality_id=municipality_id)
    granted = Q(
        decided_on__range=(start, end), status__in=[ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED]
    )
    certified = Q(financing_certificate_on__range=(start, end))
    within = Q(
        purchased_on__isnull=False,
        purchased_on__gte=F("financing_certificate_on"),
        days_to_purchase__lte=datetime.timedelta(days=CONVERSION_DAYS),
    )
    totals = rows.aggregate(
        received=Count("pk", filter=Q(received_on__range=(start, end))),
        granted=Count("pk", filter=granted),
        loan_sum=Sum("loan_granted", filter=granted),
        grant_sum=Sum("grant_granted", filter=granted),
    )
    conversion = (
        rows.filter(certified)
        .annotate(
            days_to_purchase=ExpressionWrapper(
                F("purchased_on") - F("financing_certificate_on"), output_field=DurationField()
            )
        )
        .aggregate(issued=Count("pk"), converted=Count("pk", filter=within))
    )
    issued, converted = conversion["issued"], conversion["converted"]
    return {
        "loan_applications": totals["received"],
        "loans_granted": totals["granted"],
        "loan_amount_granted": int(totals["loan_sum"] or 0),
        "grant_amount_granted": int(totals["grant_sum"] or 0),
        "financing_certificates": issued,
        "purchases_within_120_days": converted,
        "financing_certificate_conversion": round(converted / issued, 4) if issued else None,
    }
