"""The KOSTRA form 13 figures (*kommunalt disponerte boliger*; SSB's
KOSTRA skjema 13, "Kommunalt disponerte boliger") the register can answer.

The register knows the stock on a day (owned, leased, wheelchair-accessible,
let), who moved in when, and the applications for a dwelling with their
outcomes and the waiting list (`applications.figures.kostra_applications`).
Temporary shelter is not kept here; the report says so instead of inventing
it.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from applications.figures import kostra_applications
from dwellings.models import Dwelling, DwellingCategory, EndReason, Ownership, StockChange, Tenancy
from housing_office.models import Municipality

# A move from one municipal dwelling to another within this many days is a
# swap, not a new household moving in (SSB: swaps are left out).
SWAP_WINDOW = datetime.timedelta(days=31)


def percent(part: int, whole: int) -> float | None:
    if not whole:
        return None
    value = Decimal(100 * part) / Decimal(whole)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def held_on(dwellings: QuerySet, day: datetime.date) -> QuerySet:
    """The dwellings the municipality held on `day`.

    As in the throughput figures, a purchase or sale in the stock log
    decides; a dwelling without one goes by its own acquired/disposed dates.
    The log is read through uncorrelated IN subqueries, which PostgreSQL
    hashes once, instead of a lookup per dwelling.
    """
    bought = StockChange.all_objects.filter(kind=StockChange.Kind.ACQUIRED).values("dwelling")
    sold = StockChange.all_objects.filter(kind=StockChange.Kind.DISPOSED).values("dwelling")
    return dwellings.filter(
        Q(pk__in=bought.filter(date__lte=day))
        | (~Q(pk__in=bought) & (Q(acquired_on__isnull=True) | Q(acquired_on__lte=day)))
    ).filter(
        ~Q(pk__in=sold.filter(date__lte=day))
        & (Q(pk__in=sold) | Q(disposed_on__isnull=True) | Q(disposed_on__gt=day))
    )


def dwelling_stock(
    municipality: Municipality | int, day: datetime.date, *, unlet: int | None = None
) -> dict[str, Any]:
    """The stock on `day` (normally 31 December): one aggregate query.
    `unlet`, when the caller has counted the held dwellings nobody rents on
    `day` already (the dashboard), spares the query the running tenancies."""
    municipality_id = getattr(municipality, "pk", municipality)
    in_stock = held_on(Dwelling.all_objects.filter(municipality_id=municipality_id), day)
    aggregates: dict[str, Any] = {
        "total": Count("pk"),
        "owned": Count("pk", filter=Q(ownership=Ownership.OWNED)),
        "leased": Count("pk", filter=Q(ownership=Ownership.LEASED)),
        "wheelchair": Count("pk", filter=Q(wheelchair_accessible=True)),
        "general": Count("pk", filter=Q(category=DwellingCategory.GENERAL)),
        "care": Count("pk", filter=Q(category=DwellingCategory.CARE)),
        "emergency": Count("pk", filter=Q(category=DwellingCategory.EMERGENCY)),
    }
    if unlet is None:
        running = Tenancy.all_objects.running(on=day).filter(municipality_id=municipality_id)
        aggregates["let"] = Count("pk", filter=Q(pk__in=running.values("dwelling")))
    row = in_stock.aggregate(**aggregates)
    if unlet is not None:
        row["let"] = row["total"] - unlet
    return {
        "day": day,
        "total": row["total"],
        "owned": row["owned"],
        "leased": row["leased"],
        "wheelchair_accessible": row["wheelchair"],
        "wheelchair_share": percent(row["wheelchair"], row["total"]),
        "let": row["let"],
        "vacant": row["total"] - row["let"],
        "occupancy_rate": percent(row["let"], row["total"]),
        "by_category": {
            DwellingCategory.GENERAL.value: row["general"],
            DwellingCategory.CARE.value: row["care"],
            DwellingCategory.EMERGENCY.value: row["emergency"],
        },
    }


def new_households_moved_in(municipality: Municipality | int, year: int) -> int:
    """Households that moved into a municipal dwelling in the year and did
    not come straight from another one (*nyinnflyttede husstander*)."""
    municipality_id = getattr(municipality, "pk", municipality)
    swap = Tenancy.all_objects.filter(
        household=OuterRef("household"),
        end_reason=EndReason.OTHER_MUNICIPAL_DWELLING,
        end_date__lte=OuterRef("start_date"),
        end_date__gte=OuterRef("start_date") - SWAP_WINDOW,
    ).exclude(pk=OuterRef("pk"))
    return (
        Tenancy.all_objects.filter(municipality_id=municipality_id, start_date__year=year)
        .filter(~Exists(swap))
        .aggregate(n=Count("household", distinct=True))["n"]
    )


def kostra_figures(municipality: Municipality | int, year: int) -> dict[str, Any]:
    """Form 13 figures for the year: the stock on 31 December, the new
    households that moved in, new applications and the waiting list. Four
    queries."""
    stock = dwelling_stock(municipality, datetime.date(year, 12, 31))
    municipality_id = getattr(municipality, "pk", municipality)
    return {
        **stock,
        "new_households": new_households_moved_in(municipality, year),
        **kostra_applications(municipality_id, year),
    }
