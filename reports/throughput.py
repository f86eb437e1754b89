"""Yearly throughput figures (gjennomstrømning), exactly as the README's
"Contracts" section ("Yearly throughput figures") defines them.

Every figure is an aggregate in the database, grouped by calendar year, so
one call answers for one year or for a run of years with the same handful of
queries whatever the size of the register:

* `throughput_figures(municipality, year)` – the JSON object of the contract;
* `throughput_series(municipality, first_year, last_year)` – the same for
  each year of a range (the dashboard's trends, the report's columns).

Closed years' figures are counted once and kept (`reports.figures_cache`;
the database forgets them when a write reaches back into the year, see
`reports.figures_triggers`); `count_series` always counts.

Counting rules, beyond what the contract says in words:

* A tenancy counts in the year of its end date (ended, by reason, exits) or
  of its start date (started). Care dwellings are included unless a figure
  says otherwise; only `dwellings_freed` leaves them out.
* "Exits" are tenancies ended `bought_own_home` or `private_rental`.
  `persons_moved_out` counts the Person rows of the households of the exits
  of the year, each person once a year; `children_moved_out` those with the
  role child. The median tenancy length is over the same exits.
* Tenancy length in years is days / `housing_office.dates.DAYS_PER_YEAR`
  (as `Tenancy.years_on`), the median rounded half up to one decimal.
* `meetings_held`: meetings with status held starting in the year (local
  time). `summons_letters`: summons letters created in the year, failed
  renderings left out since they never reached anyone.
* Loans come from `startloan.figures.loan_figures`: received in the year;
  granted = decided in the year with status granted or disbursed, summing
  `loan_granted`.
* `persons_assisted`: `followup.figures` (members of households with a
  follow-up plan running in the year or a § 6 help decision granted in it).
* Stock changes: a dwelling acquired (disposed of) in the year by its
  StockChange row of that kind, or, where there is no such row, by
  `Dwelling.acquired_on` (`disposed_on`). `dwellings_sold_to_tenants`: the
  sales of the year whose buyer is the household that rented the dwelling
  (`dwellings.stock.sell_to_tenant`). Such a dwelling is not in
  `dwellings_freed`: it left the stock on the tenancy's end date (the rule
  is "disposed of on or before the end date"), so nobody can be let into it.

Part of a year (the dashboard's "hittil i år" against "samme periode i
fjor"): `throughput_series(..., through=(month, day))` counts every year
from 1 January up to and including that calendar day, with the same rules.
29 February in a year without it means the end of February. The contract's
`throughput_figures` always counts whole years.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.figures import application_series
from arrears.figures import arrears_contract_series
from dwellings.models import EXIT_REASONS, Dwelling, DwellingCategory, EndReason, StockChange, Tenancy
from followup.figures import persons_assisted_series
from housing_office.dates import DAYS_PER_YEAR
from housing_office.models import Municipality
from letters.models import Letter, LetterKind, LetterStatus
from startloan.figures import loan_figures
from startloan.models import ApplicationStatus, StartLoanApplication
from tenants.models import MeetingStatus, OutreachMeeting, PersonRole

from . import figures_cache

# The keys of the JSON object, in the order the README's contract lists them.
FIGURE_KEYS: tuple[str, ...] = (
    "municipality",
    "year",
    "tenancies_started",
    "tenancies_ended",
    "ended_by_reason",
    "moved_to_ownership",
    "moved_to_private_rental",
    "dwellings_freed",
    "persons_moved_out",
    "children_moved_out",
    "median_tenancy_years_at_exit",
    "meetings_held",
    "summons_letters",
    "loan_applications",
    "loans_granted",
    "loan_amount_granted",
    "dwellings_acquired",
    "dwellings_disposed",
    "applications_received",
    "applications_granted",
    "applications_refused",
    "housed_from_waiting_list",
    "median_days_waiting_at_housing",
    "waiting_list_at_year_end",
    "median_days_vacant_before_reletting",
    "arrears_cases_opened",
    "arrears_cases_closed",
    "eviction_requests",
    "evictions_carried_out",
    "persons_assisted",
    "dwellings_sold_to_tenants",
)

# What the office calls each key figure, for pages, exports and the PDF, in
# the order the dashboard and the yearly report show them.
FIGURE_LABELS: dict[str, Any] = {
    "moved_to_ownership": _("Husstander som kjøpte egen bolig"),
    "moved_to_private_rental": _("Husstander som flyttet til privat leie"),
    "dwellings_freed": _("Boliger frigjort (uten omsorgsboliger)"),
    "persons_moved_out": _("Personer som flyttet ut"),
    "children_moved_out": _("Barn som flyttet ut"),
    "median_tenancy_years_at_exit": _("Median botid ved utflytting (år)"),
    "tenancies_started": _("Nye leieforhold"),
    "tenancies_ended": _("Avsluttede leieforhold"),
    "meetings_held": _("Kartleggingssamtaler holdt"),
    "summons_letters": _("Innkallingsbrev sendt"),
    "loan_applications": _("Søknader om startlån mottatt"),
    "loans_granted": _("Startlån innvilget"),
    "loan_amount_granted": _("Innvilget startlån (kr)"),
    "dwellings_acquired": _("Boliger kjøpt eller anskaffet"),
    "dwellings_disposed": _("Boliger solgt eller avhendet"),
    "dwellings_sold_to_tenants": _("Boliger solgt til leietakeren"),
}

# The key figures compared year by year: the one list of their order.
KEY_FIGURES: tuple[str, ...] = tuple(FIGURE_LABELS)

# Rent arrears (arrears.figures): on the dashboard after the key figures.
ARREARS_LABELS: dict[str, Any] = {
    "arrears_cases_opened": _("Restansesaker åpnet"),
    "arrears_cases_closed": _("Restansesaker avsluttet"),
    "eviction_requests": _("Begjæringer om fravikelse"),
    "evictions_carried_out": _("Fravikelser gjennomført"),
}

# The way in (applications.figures): on the dashboard and in the report.
APPLICATION_LABELS: dict[str, Any] = {
    "applications_received": _("Søknader om kommunal bolig mottatt"),
    "applications_granted": _("Søknader innvilget"),
    "applications_refused": _("Søknader avslått"),
    "housed_from_waiting_list": _("Bosatt fra ventelisten"),
    "median_days_waiting_at_housing": _("Median ventetid ved bosetting (dager)"),
    "waiting_list_at_year_end": _("På venteliste ved periodens slutt"),
    "median_days_vacant_before_reletting": _("Median dager ledig før ny utleie"),
}

EXIT_VALUES = tuple(r.value for r in EXIT_REASONS)
ONE_DECIMAL = (
    "median_tenancy_years_at_exit",
    "median_days_waiting_at_housing",
    "median_days_vacant_before_reletting",
)


def figure_decimals(key: str) -> int:
    """Decimals a figure is shown with: years and median days with one, counts with none."""
    return 1 if key in ONE_DECIMAL else 0


class Median(Aggregate):
    """PostgreSQL's continuous median of an ordered expression."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


# A day of the year, (month, day): the last day of a part-year period.
Through = tuple[int, int] | None


def in_period(field: str, through: Through) -> Q:
    """`field` falls between 1 January and the day `through` of its own year
    (an empty Q, all of it, for whole years). Date parts of a datetime field
    are taken in local time."""
    if through is None:
        return Q()
    month, day = through
    return Q(**{f"{field}__month__lt": month}) | Q(**{f"{field}__month": month, f"{field}__day__lte": day})


def _municipality(municipality: Municipality | int) -> Municipality:
    if isinstance(municipality, Municipality):
        return municipality
    return Municipality.objects.get(pk=municipality)


def _years_rounded(days: float | Decimal | None) -> float | None:
    if days is None:
        return None
    years = Decimal(str(days)) / DAYS_PER_YEAR
    return float(years.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _days(value: Any) -> float | None:
    """A duration from either backend as days."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    return float(value)


def _empty_figures(number: str, year: int) -> dict[str, Any]:
    figures: dict[str, Any] = dict.fromkeys(FIGURE_KEYS, 0)
    figures.update(
        municipality=number,
        year=year,
        ended_by_reason={reason.value: 0 for reason in EndReason},
        median_tenancy_years_at_exit=None,
        median_days_waiting_at_housing=None,
        median_days_vacant_before_reletting=None,
    )
    return figures


def _local_year_bounds(first_year: int, last_year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.datetime(first_year, 1, 1), tz)
    end = timezone.make_aware(datetime.datetime(last_year + 1, 1, 1), tz)
    return start, end


def throughput_series(
    municipality: Municipality | int, first_year: int, last_year: int, *, through: Through = None
) -> dict[int, dict[str, Any]]:
    """The contract's figures for every year from `first_year` to `last_year`;
    with `through=(month, day)` each year counts only 1 January to that day.

    Returns {year: figures}. Closed years' figures, and the running year's
    through today, are read from those kept (`reports.figures_cache`,
    PostgreSQL only: one query); the others are counted (`count_series`)
    and, when keepable, kept.
    """
    municipality = _municipality(municipality)
    years = list(range(first_year, last_year + 1))

    def count(missing: list[int]) -> dict[int, dict[str, Any]]:
        counted = count_series(municipality, missing[0], missing[-1], through=through)
        return {year: _stored(counted[year]) for year in missing}

    stored = figures_cache.kept_or_counted(
        municipality.pk, years, figures_cache.period_key(through), figures_cache.CONTRACT, count
    )
    return {year: _restore(municipality.number, year, stored[year]) for year in years}


def _stored(figures: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in figures.items() if key not in ("municipality", "year")}


def _restore(number: str, year: int, stored: dict[str, Any]) -> dict[str, Any]:
    """Kept figures in the contract's key order (JSONB keeps none)."""
    figures = {"municipality": number, "year": year, **{key: stored[key] for key in FIGURE_KEYS[2:]}}
    figures["ended_by_reason"] = {
        reason.value: stored["ended_by_reason"][reason.value] for reason in EndReason
    }
    return figures


def count_series(
    municipality: Municipality | int, first_year: int, last_year: int, *, through: Through = None
) -> dict[int, dict[str, Any]]:
    """The figures of `throughput_series`, counted in the database: a fixed
    number of queries on PostgreSQL (about ten); on SQLite the median costs
    one more small query per year with exits."""
    municipality = _municipality(municipality)
    mid = municipality.pk
    years = range(first_year, last_year + 1)
    out = {year: _empty_figures(municipality.number, year) for year in years}
    first_day, last_day = datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)

    tenancies = Tenancy.all_objects.filter(municipality_id=mid)

    # 1. Started, by year of the start date.
    started = (
        tenancies.filter(in_period("start_date", through), start_date__range=(first_day, last_day))
        .annotate(y=ExtractYear("start_date"))
        .values("y")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in started:
        out[row["y"]]["tenancies_started"] = row["n"]

    # 2. Ended, by reason, dwellings freed and the median.
    _ended(mid, first_day, last_day, out, through=through)

    # 3. Persons and children of the exiting households.
    persons = (
        tenancies.filter(
            in_period("end_date", through), end_date__range=(first_day, last_day), end_reason__in=EXIT_VALUES
        )
        .annotate(y=ExtractYear("end_date"))
        .values("y")
        .annotate(
            persons=Count("household__members", distinct=True),
            children=Count(
                "household__members",
                distinct=True,
                filter=Q(household__members__role=PersonRole.CHILD),
            ),
        )
        .order_by()
    )
    for row in persons:
        out[row["y"]]["persons_moved_out"] = row["persons"]
        out[row["y"]]["children_moved_out"] = row["children"]

    # 4. Meetings held and summons letters, by local calendar year.
    start_at, end_at = _local_year_bounds(first_year, last_year)
    meetings = (
        OutreachMeeting.all_objects.filter(
            in_period("starts_at", through),
            municipality_id=mid,
            status=MeetingStatus.HELD,
            starts_at__gte=start_at,
            starts_at__lt=end_at,
        )
        .annotate(y=ExtractYear("starts_at"))
        .values("y")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in meetings:
        out[row["y"]]["meetings_held"] = row["n"]
    letters = (
        Letter.all_objects.filter(
            in_period("created_at", through),
            municipality_id=mid,
            kind=LetterKind.SUMMONS,
            created_at__gte=start_at,
            created_at__lt=end_at,
        )
        .exclude(status=LetterStatus.FAILED)
        .annotate(y=ExtractYear("created_at"))
        .values("y")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in letters:
        out[row["y"]]["summons_letters"] = row["n"]

    # 5. Start loans: one query a year.
    for year, figures in out.items():
        if through is None:
            figures.update(loan_figures(mid, year))
        else:
            figures.update(_loan_figures_in_period(mid, year, through))

    # 6. Changes to the stock.
    _stock_changes(mid, first_day, last_day, out, through=through)

    # 7. Applications for a municipal dwelling, the waiting list, re-letting.
    applications = application_series(
        mid, first_year, last_year, period=lambda field: in_period(field, through), through=through
    )
    for year, figures in out.items():
        figures.update(applications[year])

    # 8. Arrears cases opened and closed, eviction requests and evictions.
    arrears = arrears_contract_series(mid, first_year, last_year, lambda field: in_period(field, through))
    for year, figures in out.items():
        figures.update(arrears[year])

    # 9. Persons assisted: follow-up plans and § 6 decisions (followup.figures).
    assisted = persons_assisted_series(mid, first_year, last_year, through=through)
    for year, figures in out.items():
        figures["persons_assisted"] = assisted[year]["persons_assisted"]
    return out


def _loan_figures_in_period(municipality_id: int, year: int, through: tuple[int, int]) -> dict[str, int]:
    """`startloan.figures.loan_figures`' rule (received in the period;
    granted = decided in it and now granted or disbursed) for 1 January to
    `through` of the year. One aggregate query."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    granted = Q(
        decided_on__range=(start, end), status__in=[ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED]
    ) & in_period("decided_on", through)
    totals = StartLoanApplication.all_objects.filter(municipality_id=municipality_id).aggregate(
        received=Count("pk", filter=Q(received_on__range=(start, end)) & in_period("received_on", through)),
        granted=Count("pk", filter=granted),
        loan_sum=Sum("loan_granted", filter=granted),
    )
    return {
        "loan_applications": totals["received"],
        "loans_granted": totals["granted"],
        "loan_amount_granted": int(totals["loan_sum"] or 0),
    }


def _ended(
    municipality_id: int,
    first_day: datetime.date,
    last_day: datetime.date,
    out: dict,
    *,
    exits_only: bool = False,
    through: Through = None,
) -> None:
    """Tenancies ended by reason, dwellings freed and the median length of
    the exits, by year of the end date: one query on PostgreSQL, where the
    median is PERCENTILE_CONT; elsewhere one more per year with exits."""
    postgres = connection.vendor == "postgresql"
    exit_filter = Q(end_reason__in=EXIT_VALUES)
    # A dwelling sold on or before its tenancy's end (to the tenant who
    # bought it, or to anyone the same day) left the stock: nobody can be
    # let into it, so it is not freed.
    still_held = Q(dwelling__disposed_on__isnull=True) | Q(dwelling__disposed_on__gt=F("end_date"))
    aggregates: dict[str, Any] = {
        "ended": Count("pk"),
        "freed": Count(
            "dwelling",
            distinct=True,
            filter=exit_filter & ~Q(dwelling__category=DwellingCategory.CARE) & still_held,
        ),
        **{f"r_{reason.value}": Count("pk", filter=Q(end_reason=reason.value)) for reason in EndReason},
    }
    if postgres:
        aggregates["median"] = Median(
            ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField()),
            filter=exit_filter,
            output_field=DurationField(),
        )
    tenancies = Tenancy.all_objects.filter(
        in_period("end_date", through), municipality_id=municipality_id, end_date__range=(first_day, last_day)
    )
    if exits_only:
        # A third of the rows to group and sort when only the exits are wanted.
        tenancies = tenancies.filter(exit_filter)
    ended = tenancies.annotate(y=ExtractYear("end_date")).values("y").annotate(**aggregates).order_by()
    for row in ended:
        figures = out[row["y"]]
        figures["tenancies_ended"] = row["ended"]
        figures["ended_by_reason"] = {reason.value: row[f"r_{reason.value}"] for reason in EndReason}
        figures["moved_to_ownership"] = row[f"r_{EndReason.BOUGHT_OWN_HOME.value}"]
        figures["moved_to_private_rental"] = row[f"r_{EndReason.PRIVATE_RENTAL.value}"]
        figures["dwellings_freed"] = row["freed"]
        if postgres:
            figures["median_tenancy_years_at_exit"] = _years_rounded(_days(row["median"]))
    if not postgres:
        for year, figures in out.items():
            exits = figures["moved_to_ownership"] + figures["moved_to_private_rental"]
            figures["median_tenancy_years_at_exit"] = _years_rounded(
                _median_days_fallback(municipality_id, year, exits, through)
            )


def exit_trends(
    municipality: Municipality | int, first_year: int, last_year: int
) -> dict[int, dict[str, Any]]:
    """Only the exit figures (`moved_to_ownership`, `moved_to_private_rental`,
    `dwellings_freed`, `median_tenancy_years_at_exit`) for each year of a
    range: the trend charts' data, one query on PostgreSQL however many years."""
    municipality = _municipality(municipality)
    out = {year: _empty_figures(municipality.number, year) for year in range(first_year, last_year + 1)}
    # Closed years come with all their figures, kept (counted once); the
    # running year's exits are counted here.
    closed = [year for year in out if figures_cache.enabled() and figures_cache.closed(year)]
    if closed:
        out.update(throughput_series(municipality, closed[0], closed[-1]))
    if len(closed) < len(out):
        first_open = closed[-1] + 1 if closed else first_year
        first_day, last_day = datetime.date(first_open, 1, 1), datetime.date(last_year, 12, 31)
        _ended(municipality.pk, first_day, last_day, out, exits_only=True)
    keys = ("year", "moved_to_ownership", "moved_to_private_rental", "dwellings_freed")
    keys += ("median_tenancy_years_at_exit",)
    return {year: {key: figures[key] for key in keys} for year, figures in out.items()}


def _median_days_fallback(
    municipality_id: int, year: int, exits: int, through: Through = None
) -> float | None:
    """The median exit length on a database without PERCENTILE_CONT: one
    query reading at most the two middle rows."""
    if not exits:
        return None
    length = ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())
    middle = list(
        Tenancy.all_objects.filter(
            in_period("end_date", through),
            municipality_id=municipality_id,
            end_date__year=year,
            end_reason__in=EXIT_VALUES,
        )
        .annotate(length=length)
        .order_by("length")
        .values_list("length", flat=True)[(exits - 1) // 2 : exits // 2 + 1]
    )
    days = [_days(value) or 0.0 for value in middle]
    return sum(days) / len(days) if days else None


def _stock_changes(
    municipality_id: int,
    first_day: datetime.date,
    last_day: datetime.date,
    out: dict,
    *,
    through: Through = None,
) -> None:
    kinds = {
        StockChange.Kind.ACQUIRED.value: "dwellings_acquired",
        StockChange.Kind.DISPOSED.value: "dwellings_disposed",
    }
    logged = (
        StockChange.all_objects.filter(
            in_period("date", through), municipality_id=municipality_id, date__range=(first_day, last_day)
        )
        .annotate(y=ExtractYear("date"))
        .values("y", "kind")
        .annotate(
            n=Count("dwelling", distinct=True),
            to_tenant=Count("dwelling", distinct=True, filter=Q(buyer_household__isnull=False)),
        )
        .order_by()
    )
    for row in logged:
        out[row["y"]][kinds[row["kind"]]] += row["n"]
        if row["kind"] == StockChange.Kind.DISPOSED.value:
            out[row["y"]]["dwellings_sold_to_tenants"] = row["to_tenant"]
    # Dwellings with no logged change of a kind, by their own date: one pass
    # over the dwellings for both kinds, a filtered count per year and kind.
    aggregates: dict[str, Any] = {}
    wanted = Q()
    for kind, field in (
        (StockChange.Kind.ACQUIRED, "acquired_on"),
        (StockChange.Kind.DISPOSED, "disposed_on"),
    ):
        own_date = (
            in_period(field, through)
            & Q(**{f"{field}__range": (first_day, last_day)})
            & ~Q(Exists(StockChange.all_objects.filter(dwelling=OuterRef("pk"), kind=kind)))
        )
        wanted |= Q(**{f"{field}__range": (first_day, last_day)})
        for year in out:
            in_year = Q(**{f"{field}__range": (datetime.date(year, 1, 1), datetime.date(year, 12, 31))})
            aggregates[f"{kind.value}_{year}"] = Count("pk", filter=own_date & in_year)
    by_date = Dwelling.all_objects.filter(wanted, municipality_id=municipality_id).aggregate(**aggregates)
    for kind in (StockChange.Kind.ACQUIRED, StockChange.Kind.DISPOSED):
        for year in out:
            out[year][kinds[kind.value]] += by_date[f"{kind.value}_{year}"]


def throughput_figures(municipality: Municipality | int, year: int) -> dict[str, Any]:
    """The JSON object of the README's contract for one municipality and calendar year."""
    return throughput_series(municipality, year, year)[year]
