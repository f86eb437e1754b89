"""Today's status on the dashboard: the stock on a day, the dwellings
nobody rents (the vacancies: how many, the median days empty, the longest
by name) and the households in each stage — the figures of now, not of a
year, kept (`StatusFigures`) until a write to what they read.

Vacancies: the median number of days the vacant dwellings have stood empty
(a mean is dragged by one dwelling empty for years), and every dwelling
vacant more than VACANCY_OUTLIER_DAYS days listed by name.
"""

from __future__ import annotations

import dataclasses
import datetime
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count

from dwellings.models import Dwelling, Tenancy
from dwellings.services import vacant_since
from housing_office.models import Municipality
from tenants.models import Household

from . import figures_cache
from .kostra import dwelling_stock, held_on
from .stock_plan import LedgerSide, LedgerYear, reinvestment_ledger

# A dwelling vacant longer than this is listed by name (the same limit as
# the "vacant more than 90 days" figure).
VACANCY_OUTLIER_DAYS = 90
# At most this many are listed on the dashboard; the vacancy list has all.
VACANCY_OUTLIERS_SHOWN = 50


@dataclass(frozen=True)
class VacantDwelling:
    """A dwelling standing empty, for the list of long vacancies."""

    pk: int
    reference: str
    address: str
    vacant_since: datetime.date | None
    days: int | None


def stage_counts(municipality: Municipality) -> dict[str, int]:
    """{stage: households} for the stages that have any. One query."""
    return dict(
        Household.all_objects.filter(municipality_id=municipality.pk)
        .values_list("pathway_stage")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _unlet_dwellings(municipality: Municipality, today: datetime.date):
    """Dwellings held today that nobody rents (those for sale too),
    annotated with the day they fell vacant (the last tenancy's end, else
    the day the dwelling was acquired)."""
    running = Tenancy.all_objects.running(on=today).filter(municipality_id=municipality.pk).values("dwelling")
    return (
        held_on(Dwelling.all_objects.filter(municipality_id=municipality.pk), today)
        .exclude(pk__in=running)
        .annotate(vacant_since=vacant_since(today))
    )


@dataclass(frozen=True)
class Unlet:
    """The dwellings held on a day that nobody rents: how many (the stock's
    "not let"), and the vacant ones — not for sale — with their dates."""

    count: int
    vacant: list[tuple[int, str, str, datetime.date | None]]


def unlet_dwellings(municipality: Municipality, today: datetime.date) -> Unlet:
    """One pass over the stock: the dwellings nobody rents today. The
    vacancies and the stock's "let" both come from it (let = held − unlet),
    so the running tenancies are gathered once, not three times."""
    rows = list(
        _unlet_dwellings(municipality, today).values_list(
            "pk", "reference", "address", "for_sale", "vacant_since"
        )
    )
    vacant = [
        (pk, reference, address, since) for pk, reference, address, for_sale, since in rows if not for_sale
    ]
    return Unlet(count=len(rows), vacant=vacant)


def vacancies(
    municipality: Municipality, today: datetime.date, unlet: Unlet | None = None
) -> tuple[dict[str, Any], list[VacantDwelling]]:
    """How many dwellings stand empty today (held, not rented, not for
    sale), the median days they have stood empty, and those vacant more
    than VACANCY_OUTLIER_DAYS days by name, longest first.

    One query (`unlet_dwellings`, or none when given its result): the
    vacant dwellings are few beside the stock, so the median and the list
    are taken from their rows. A dwelling with no known vacancy date (never
    let, no acquisition date) counts as vacant but has no days.
    """
    vacant = (unlet or unlet_dwellings(municipality, today)).vacant
    cutoff = today - datetime.timedelta(days=VACANCY_OUTLIER_DAYS)
    dated = sorted((since, reference, pk, address) for pk, reference, address, since in vacant if since)
    days = [(today - since).days for since, *_rest in dated]
    summary = {
        "count": len(vacant),
        # PERCENTILE_CONT's median: the middle one, or halfway between the two.
        "median_days": None
        if not days
        else int(Decimal(str(statistics.median(sorted(days)))).to_integral_value("ROUND_HALF_UP")),
        "longest_days": days[0] if days else None,
        "over_90_days": sum(1 for since, *_rest in dated if since < cutoff),
        "outlier_days": VACANCY_OUTLIER_DAYS,
    }
    long_vacant = [
        VacantDwelling(pk, reference, address, since, (today - since).days)
        for since, reference, pk, address in dated[:VACANCY_OUTLIERS_SHOWN]
        if since < cutoff
    ]
    return summary, long_vacant


@dataclass(frozen=True)
class Status:
    unlet: Unlet
    # The stock on the chosen day (31 December of a closed year, else today).
    stock: dict[str, Any]
    stage_counts: dict[str, int]
    # Sales and purchases of the chosen year (`stock_plan.reinvestment_ledger`).
    ledger: LedgerYear


def _side_json(side: LedgerSide) -> dict[str, Any]:
    return {
        **dataclasses.asdict(side),
        "area_total": str(side.area_total),
        "by_rooms": [[rooms, n] for rooms, n in side.by_rooms.items()],
    }


def _side(kept: dict[str, Any]) -> LedgerSide:
    return LedgerSide(
        **{
            **kept,
            "area_total": Decimal(kept["area_total"]),
            "by_rooms": dict(kept["by_rooms"]),
        }
    )


def status(municipality: Municipality, today: datetime.date, stock_day: datetime.date, year: int) -> Status:
    """The stock on `stock_day`, the dwellings nobody rents today, the
    households per stage and the year's sales and purchases: kept
    (`StatusFigures`, one query) until a write to dwellings, tenancies,
    stock changes or households, or the day's end; else counted — today's
    stock and this year's ledger with them, whatever the chosen day and
    year, so that moving between years does not count those again — and
    kept."""
    kept = figures_cache.kept_status(municipality.pk, today)
    if kept is not None and stock_day.isoformat() in kept["stock"] and str(year) in kept["ledger"]:
        ledger = kept["ledger"][str(year)]
        return Status(
            unlet=Unlet(
                count=kept["unlet"]["count"],
                vacant=[
                    (pk, reference, address, datetime.date.fromisoformat(since) if since else None)
                    for pk, reference, address, since in kept["unlet"]["vacant"]
                ],
            ),
            stock=dict(kept["stock"][stock_day.isoformat()], day=stock_day),
            stage_counts=kept["stage_counts"],
            ledger=LedgerYear(year, _side(ledger["acquired"]), _side(ledger["disposed"])),
        )
    token = figures_cache.begin_status(municipality.pk)
    unlet = unlet_dwellings(municipality, today)
    # Today's "let" is the held dwellings less the unlet ones just gathered.
    stocks = {today: dwelling_stock(municipality, today, unlet=unlet.count)}
    if stock_day != today:
        stocks[stock_day] = dwelling_stock(municipality, stock_day)
    counts = stage_counts(municipality)
    ledgers = {
        ledger.year: ledger
        for ledger in reinvestment_ledger(municipality, min(year, today.year), max(year, today.year))
        if ledger.year in (year, today.year)
    }
    figures_cache.keep_status(
        municipality.pk,
        token,
        today,
        {
            "unlet": {
                "count": unlet.count,
                "vacant": [
                    [pk, ref, address, since and since.isoformat()]
                    for pk, ref, address, since in unlet.vacant
                ],
            },
            "stock": {day.isoformat(): {**stock, "day": day.isoformat()} for day, stock in stocks.items()},
            "stage_counts": counts,
            "ledger": {
                str(y): {"acquired": _side_json(ledger.acquired), "disposed": _side_json(ledger.disposed)}
                for y, ledger in ledgers.items()
            },
        },
    )
    return Status(unlet=unlet, stock=stocks[stock_day], stage_counts=counts, ledger=ledgers[year])
