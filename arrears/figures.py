"""A year's arrears figures for a municipality, counted in the database.

Dates: a case counts as opened / closed by `opened_on` / `closed_on`;
letters and steps by the date of their event; an agreement as made by
`agreed_on` and as kept when its case closed in the year as
`agreement_kept`; an eviction as avoided when a case with a request for
eviction closed in the year other than by eviction or moving out; children
affected are the children of the households with a case open at any time in
the year."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from tenants.models import Person, PersonRole

from .models import ArrearsCase, ArrearsEvent, CloseReason, EventKind, PaymentAgreement

FIGURE_KEYS = (
    "arrears_cases_opened",
    "arrears_cases_closed",
    "payment_agreements_made",
    "payment_agreements_kept",
    "notices_4_18",
    "nav_notices",
    "eviction_requests",
    "evictions_carried_out",
    "evictions_avoided",
    "children_affected",
)

# The eviction prevention figures the dashboard and the yearly report show
# (issue 14; Veiviseren's phases: early contact, agreements, NAV in time,
# the bailiff), in their order.
PREVENTION_LABELS: dict[str, Any] = {
    "arrears_cases_opened": _("Restansesaker åpnet"),
    "payment_agreements_made": _("Betalingsavtaler inngått"),
    "payment_agreements_kept": _("Betalingsavtaler overholdt"),
    "notices_4_18": _("Varsler etter tvangsfullbyrdelsesloven § 4-18"),
    "nav_notices": _("Varsler til NAV (husleieloven § 9-11)"),
    "eviction_requests": _("Begjæringer om fravikelse"),
    "evictions_carried_out": _("Utkastelser gjennomført"),
    "evictions_avoided": _("Utkastelser unngått etter begjæring"),
    "children_affected": _("Barn i husstander med restansesak"),
}


def open_arrears_summary(municipality_id: int) -> dict[str, Any]:
    """The open arrears cases today: how many, their sum as the latest list
    gave it, and the households they concern. The arrears cases are the one
    record of unpaid rent (the older `dwellings.RentArrears` rows are
    retired), so this is what the dashboard's «Husleierestanser» shows."""
    row = ArrearsCase.all_objects.filter(municipality_id=municipality_id, closed_on__isnull=True).aggregate(
        count=Count("pk"),
        amount=Sum("amount"),
        households=Count("tenancy__household", distinct=True),
    )
    return {
        "count": row["count"],
        # SQLite sums decimals without their scale; show kroner and øre alike.
        "amount": Decimal(row["amount"] or 0).quantize(Decimal("0.01")),
        "households": row["households"],
    }


def prevention_rows(
    municipality_id: int, years: list[int], by_year: dict[int, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """One row per prevention figure with its value in each of `years`
    (four aggregate queries however many years), or from `by_year`, the
    `arrears_series` of those years counted before (`reports.yearly_rows`
    keeps them)."""
    if by_year is None:
        by_year = arrears_series(municipality_id, years)
    return [
        {"label": label, "key": key, "values": [by_year[y][key] for y in years], "decimals": 0}
        for key, label in PREVENTION_LABELS.items()
    ]


def arrears_figures(municipality_id: int, year: int) -> dict[str, Any]:
    """Every figure of FIGURE_KEYS for one calendar year."""
    return arrears_series(municipality_id, [year])[year]


def _year_span(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def arrears_series(municipality_id: int, years: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{year: every figure of FIGURE_KEYS} for calendar years: a filtered
    count per year and figure in four aggregate queries (cases, events,
    agreements, children), whatever the number of years."""
    years = sorted(set(years))
    spans = {year: _year_span(year) for year in years}
    cases = ArrearsCase.all_objects.filter(municipality_id=municipality_id)
    eviction_requested = ArrearsEvent.all_objects.filter(
        case=OuterRef("pk"), kind=EventKind.EVICTION_REQUESTED
    )
    case_counts: dict[str, Any] = {}
    for year, span in spans.items():
        closed = Q(closed_on__range=span)
        case_counts[f"opened_{year}"] = Count("pk", filter=Q(opened_on__range=span))
        case_counts[f"closed_{year}"] = Count("pk", filter=closed)
        case_counts[f"kept_{year}"] = Count("pk", filter=closed & Q(close_reason=CloseReason.AGREEMENT_KEPT))
        # Closed after a request for eviction, other than by eviction or moving out.
        case_counts[f"avoided_{year}"] = Count(
            "pk",
            filter=closed
            & Q(Exists(eviction_requested))
            & ~Q(close_reason__in=[CloseReason.EVICTED, CloseReason.MOVED_OUT]),
        )
    counts = cases.aggregate(**case_counts)
    kinds = {
        "notices": EventKind.NOTICE_4_18,
        "nav": EventKind.NAV_NOTICE,
        "requests": EventKind.EVICTION_REQUESTED,
        "evicted": EventKind.EVICTED,
    }
    events = ArrearsEvent.all_objects.filter(
        municipality_id=municipality_id, date__range=(spans[years[0]][0], spans[years[-1]][1])
    ).aggregate(
        **{
            f"{name}_{year}": Count("pk", filter=Q(kind=kind, date__range=span))
            for year, span in spans.items()
            for name, kind in kinds.items()
        }
    )
    agreements = PaymentAgreement.all_objects.filter(municipality_id=municipality_id).aggregate(
        **{f"made_{year}": Count("pk", filter=Q(agreed_on__range=span)) for year, span in spans.items()}
    )

    def open_in(first: datetime.date, last: datetime.date):
        """The households with a case open at any time from `first` to `last`."""
        return (
            cases.filter(opened_on__lte=last)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=first))
            .values("tenancy__household")
        )

    # The children are reached from the cases (uncorrelated sets of
    # household ids), never by testing every child of the municipality.
    children = Person.all_objects.filter(
        role=PersonRole.CHILD, household__in=open_in(spans[years[0]][0], spans[years[-1]][1])
    ).aggregate(
        **{
            f"children_{year}": Count("pk", filter=Q(household__in=open_in(*span)))
            for year, span in spans.items()
        }
    )
    return {
        year: {
            "arrears_cases_opened": counts[f"opened_{year}"],
            "arrears_cases_closed": counts[f"closed_{year}"],
            "payment_agreements_made": agreements[f"made_{year}"],
            "payment_agreements_kept": counts[f"kept_{year}"],
            "notices_4_18": events[f"notices_{year}"],
            "nav_notices": events[f"nav_{year}"],
            "eviction_requests": events[f"requests_{year}"],
            "evictions_carried_out": events[f"evicted_{year}"],
            "evictions_avoided": counts[f"avoided_{year}"],
            "children_affected": children[f"children_{year}"],
        }
        for year in years
    }


# The yearly throughput report's four arrears keys (README, "Contracts").
CONTRACT_KEYS = ("arrears_cases_opened", "arrears_cases_closed", "eviction_requests", "evictions_carried_out")


def arrears_contract_series(
    municipality_id: int,
    first_year: int,
    last_year: int,
    in_period: Callable[[str], Q] = lambda field: Q(),
) -> dict[int, dict[str, int]]:
    """The four contract figures for every year of the range, in three
    queries whatever its length. `in_period(field)` narrows each year to
    part of it (the dashboard's "hittil i år"), as `reports.throughput`
    does for its own figures."""
    first, last = datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)
    out = {year: dict.fromkeys(CONTRACT_KEYS, 0) for year in range(first_year, last_year + 1)}
    cases = ArrearsCase.all_objects.filter(municipality_id=municipality_id)
    for field, key in (("opened_on", "arrears_cases_opened"), ("closed_on", "arrears_cases_closed")):
        rows = (
            cases.filter(in_period(field), **{f"{field}__range": (first, last)})
            .annotate(y=ExtractYear(field))
            .values("y")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            out[row["y"]][key] = row["n"]
    events = (
        ArrearsEvent.all_objects.filter(
            in_period("date"),
            municipality_id=municipality_id,
            date__range=(first, last),
            kind__in=[EventKind.EVICTION_REQUESTED, EventKind.EVICTED],
        )
        .annotate(y=ExtractYear("date"))
        .values("y", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in events:
        key = "eviction_requests" if row["kind"] == EventKind.EVICTION_REQUESTED else "evictions_carried_out"
        out[row["y"]][key] = row["n"]
    return out
