"""The yearly figures of the way in (DESIGN §5.3), counted in the database.

Each key exactly as the contract defines it:

* `applications_received`: applications with `received_on` in the year;
* `applications_granted` / `applications_refused`: applications with that
  outcome and `decided_on` in the year (an application later housed or
  withdrawn keeps its outcome);
* `housed_from_waiting_list`: tenancies started in the year whose household
  has a granted application received and decided on or before the
  tenancy's start; a tenancy counts once however many such applications;
* `median_days_waiting_at_housing`: over those tenancies, start date minus
  the decision date of the latest such granted application; median in days,
  one decimal, `null` if none;
* `waiting_list_at_year_end`: granted applications decided on or before
  31 December whose household has no tenancy starting between the
  application's received date and 31 December (both included). An
  application granted and later withdrawn (in the app; an imported file has
  one outcome per row) is off the list from its withdrawal date;
* `median_days_vacant_before_reletting`: over tenancies started in the year
  on non-care dwellings that had an earlier tenancy: start date minus the
  end date of the dwelling's previous tenancy; median in days, one decimal.

A handful of queries for any run of years: the medians are PostgreSQL's
PERCENTILE_CONT per year; on another database (SQLite, the zero-set-up demo)
the waits are read and the median taken in Python.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import ExtractYear

from dwellings.models import DwellingCategory, Tenancy

from .models import Application, Outcome

FIGURE_KEYS: tuple[str, ...] = (
    "applications_received",
    "applications_granted",
    "applications_refused",
    "housed_from_waiting_list",
    "median_days_waiting_at_housing",
    "waiting_list_at_year_end",
    "median_days_vacant_before_reletting",
)
MEDIAN_KEYS = ("median_days_waiting_at_housing", "median_days_vacant_before_reletting")

# A filter for part of a year (the dashboard's "so far this year"): field → Q.
PeriodFilter = Callable[[str], Q]


class _Median(Aggregate):
    function = "PERCENTILE_CONT"
    name = "ApplicationsMedian"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def _days(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    return float(value)


def rounded_days(value: Any) -> float | None:
    """Days to one decimal, half up (a median of whole days is n or n.5)."""
    days = _days(value)
    if days is None:
        return None
    return float(Decimal(str(days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def granted_before_start() -> Q:
    """For a tenancy: its household's granted applications received and
    decided on or before the tenancy's start (as an Application filter)."""
    return Q(
        household=OuterRef("household"),
        outcome=Outcome.GRANTED,
        received_on__lte=OuterRef("start_date"),
        decided_on__lte=OuterRef("start_date"),
    )


def _median_by_year(queryset, value_expression, year_field: str) -> dict[int, float | None]:
    """Median per year of `value_expression` (a duration) over `queryset`."""
    qs = queryset.annotate(_wait=value_expression, _y=ExtractYear(year_field))
    if connection.vendor == "postgresql":
        rows = (
            qs.values("_y")
            .annotate(m=_Median(F("_wait"), output_field=DurationField()))
            .order_by()
            .values_list("_y", "m")
        )
        return {y: rounded_days(m) for y, m in rows}
    by_year: dict[int, list[float]] = defaultdict(list)
    for y, wait in qs.values_list("_y", "_wait"):
        by_year[y].append(_days(wait) or 0.0)
    return {y: rounded_days(statistics.median(waits)) for y, waits in by_year.items()}


def application_series(
    municipality_id: int, first_year: int, last_year: int, period: PeriodFilter | None = None
) -> dict[int, dict[str, Any]]:
    """{year: the seven figures} for every year of the range."""
    period = period or (lambda field: Q())
    years = range(first_year, last_year + 1)
    out: dict[int, dict[str, Any]] = {y: dict.fromkeys(FIGURE_KEYS, 0) for y in years}
    for figures in out.values():
        figures.update(dict.fromkeys(MEDIAN_KEYS))
    first_day, last_day = datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)
    applications = Application.all_objects.filter(municipality_id=municipality_id)

    for field, key, extra in (
        ("received_on", "applications_received", Q()),
        ("decided_on", "applications_granted", Q(outcome=Outcome.GRANTED)),
        ("decided_on", "applications_refused", Q(outcome=Outcome.REFUSED)),
    ):
        rows = (
            applications.filter(extra, period(field), **{f"{field}__range": (first_day, last_day)})
            .annotate(y=ExtractYear(field))
            .values("y")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            out[row["y"]][key] = row["n"]

    # Housed from the waiting list, and how long they waited.
    latest_decision = (
        Application.all_objects.filter(granted_before_start())
        .order_by()
        .values("household")
        .annotate(last=Max("decided_on"))
        .values("last")
    )
    housed = (
        Tenancy.all_objects.filter(
            period("start_date"), municipality_id=municipality_id, start_date__range=(first_day, last_day)
        )
        .filter(Exists(Application.all_objects.filter(granted_before_start())))
        .annotate(decided=Subquery(latest_decision, output_field=DateField()))
    )
    for row in housed.annotate(y=ExtractYear("start_date")).values("y").annotate(n=Count("pk")).order_by():
        out[row["y"]]["housed_from_waiting_list"] = row["n"]
    wait = ExpressionWrapper(F("start_date") - F("decided"), output_field=DurationField())
    for y, median in _median_by_year(housed, wait, "start_date").items():
        out[y]["median_days_waiting_at_housing"] = median

    # The waiting list on 31 December of each year.
    for year in years:
        out[year]["waiting_list_at_year_end"] = waiting_list_on(municipality_id, datetime.date(year, 12, 31))

    # Days a non-care dwelling stood empty before it was let again.
    previous_end = (
        Tenancy.all_objects.filter(
            dwelling=OuterRef("dwelling"), start_date__lt=OuterRef("start_date"), end_date__isnull=False
        )
        .order_by()
        .values("dwelling")
        .annotate(last=Max("end_date"))
        .values("last")
    )
    relet = (
        Tenancy.all_objects.filter(
            period("start_date"), municipality_id=municipality_id, start_date__range=(first_day, last_day)
        )
        .exclude(dwelling__category=DwellingCategory.CARE)
        .annotate(previous_end=Subquery(previous_end, output_field=DateField()))
        .filter(previous_end__isnull=False)
    )
    vacant = ExpressionWrapper(F("start_date") - F("previous_end"), output_field=DurationField())
    for y, median in _median_by_year(relet, vacant, "start_date").items():
        out[y]["median_days_vacant_before_reletting"] = median
    return out


def waiting_list_on(municipality_id: int, day: datetime.date) -> int:
    """Granted applications decided on or before `day` whose household has no
    tenancy starting between the application's received date and `day` (both
    included), and not withdrawn by then. One query."""
    housed = Tenancy.all_objects.filter(
        household=OuterRef("household"),
        start_date__gte=OuterRef("received_on"),
        start_date__lte=day,
    )
    return (
        Application.all_objects.filter(
            municipality_id=municipality_id, outcome=Outcome.GRANTED, decided_on__lte=day
        )
        .exclude(withdrawn_on__lte=day)
        .filter(~Exists(housed))
        .count()
    )


def application_figures(municipality_id: int, year: int) -> dict[str, Any]:
    return application_series(municipality_id, year, year)[year]
