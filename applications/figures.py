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
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear, Least

from dwellings.models import DwellingCategory, Tenancy

from .deadlines import add_months
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


def _by_year(queryset, value_expression, year_field: str) -> dict[int, tuple[int, float | None]]:
    """{year: (count, median of `value_expression`)} over `queryset`: one
    query on PostgreSQL (PERCENTILE_CONT); elsewhere the values are read and
    the median taken in Python."""
    qs = queryset.annotate(_value=value_expression, _y=ExtractYear(year_field))
    if connection.vendor == "postgresql":
        rows = (
            qs.values("_y")
            .annotate(n=Count("pk"), m=_Median(F("_value"), output_field=DurationField()))
            .order_by()
            .values_list("_y", "n", "m")
        )
        return {y: (n, rounded_days(m)) for y, n, m in rows}
    by_year: dict[int, list[float]] = defaultdict(list)
    for y, value in qs.values_list("_y", "_value"):
        by_year[y].append(_days(value) or 0.0)
    return {y: (len(v), rounded_days(statistics.median(v))) for y, v in by_year.items()}


def last_day(year: int, through: tuple[int, int] | None) -> datetime.date:
    """31 December, or the day `through` = (month, day) of the year (29
    February in a year without it: the end of February)."""
    if through is None:
        return datetime.date(year, 12, 31)
    month, day = through
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return datetime.date(year, month, 28)


def application_series(
    municipality_id: int,
    first_year: int,
    last_year: int,
    period: PeriodFilter | None = None,
    through: tuple[int, int] | None = None,
) -> dict[int, dict[str, Any]]:
    """{year: the seven figures} for every year of the range, in four
    queries on PostgreSQL. With `period` (a field → Q filter) and `through`,
    each year counts only up to that day, and the waiting list is the one on
    that day."""
    period = period or (lambda field: Q())
    years = range(first_year, last_year + 1)
    out: dict[int, dict[str, Any]] = {y: dict.fromkeys(FIGURE_KEYS, 0) for y in years}
    for figures in out.values():
        figures.update(dict.fromkeys(MEDIAN_KEYS))
    first_day, final_day = datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)
    applications = Application.all_objects.filter(municipality_id=municipality_id)

    # 1. Received, granted and refused, and the waiting list on each year's
    # last day: one aggregate with a filtered count per year and figure.
    aggregates: dict[str, Any] = {}
    for y in years:
        span = (datetime.date(y, 1, 1), datetime.date(y, 12, 31))
        decided = Q(decided_on__range=span) & period("decided_on")
        aggregates[f"received_{y}"] = Count("pk", filter=Q(received_on__range=span) & period("received_on"))
        aggregates[f"granted_{y}"] = Count("pk", filter=decided & Q(outcome=Outcome.GRANTED))
        aggregates[f"refused_{y}"] = Count("pk", filter=decided & Q(outcome=Outcome.REFUSED))
        aggregates[f"waiting_{y}"] = Count("pk", filter=on_waiting_list(last_day(y, through)))
    totals = with_leaving_date(applications).aggregate(**aggregates)
    for y in years:
        out[y]["applications_received"] = totals[f"received_{y}"]
        out[y]["applications_granted"] = totals[f"granted_{y}"]
        out[y]["applications_refused"] = totals[f"refused_{y}"]
        out[y]["waiting_list_at_year_end"] = totals[f"waiting_{y}"]

    # 2. Housed from the waiting list, and how long they waited.
    latest_decision = (
        Application.all_objects.filter(granted_before_start())
        .order_by()
        .values("household")
        .annotate(last=Max("decided_on"))
        .values("last")
    )
    housed = (
        Tenancy.all_objects.filter(
            period("start_date"), municipality_id=municipality_id, start_date__range=(first_day, final_day)
        )
        .filter(Exists(Application.all_objects.filter(granted_before_start())))
        .annotate(decided=Subquery(latest_decision, output_field=DateField()))
    )
    wait = ExpressionWrapper(F("start_date") - F("decided"), output_field=DurationField())
    for y, (count, median) in _by_year(housed, wait, "start_date").items():
        out[y]["housed_from_waiting_list"] = count
        out[y]["median_days_waiting_at_housing"] = median

    # 3. Days a non-care dwelling stood empty before it was let again.
    relettings = (
        Tenancy.all_objects.filter(
            period("start_date"), municipality_id=municipality_id, start_date__range=(first_day, final_day)
        )
        .exclude(dwelling__category=DwellingCategory.CARE)
        .order_by()
    )
    if connection.vendor == "postgresql":
        for y, median in _vacant_before_reletting(relettings).items():
            out[y]["median_days_vacant_before_reletting"] = median
        return out
    previous_end = (
        Tenancy.all_objects.filter(
            dwelling=OuterRef("dwelling"), start_date__lt=OuterRef("start_date"), end_date__isnull=False
        )
        .order_by()
        .values("dwelling")
        .annotate(last=Max("end_date"))
        .values("last")
    )
    relet = relettings.annotate(previous_end=Subquery(previous_end, output_field=DateField())).filter(
        previous_end__isnull=False
    )
    vacant = ExpressionWrapper(F("start_date") - F("previous_end"), output_field=DurationField())
    for y, (_count, median) in _by_year(relet, vacant, "start_date").items():
        out[y]["median_days_vacant_before_reletting"] = median
    return out


RELET_SQL = """
SELECT y, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY start_date - previous_end) FROM (
    SELECT EXTRACT(YEAR FROM s.start_date)::integer AS y, s.start_date, MAX(p.end_date) AS previous_end
    FROM ({lettings}) AS s (id, dwelling_id, start_date)
    JOIN dwellings_tenancy p
      ON p.dwelling_id = s.dwelling_id AND p.start_date < s.start_date AND p.end_date IS NOT NULL
    GROUP BY s.id, s.start_date
) AS relet GROUP BY y
"""


def _vacant_before_reletting(relettings) -> dict[int, float | None]:
    """{year: median days vacant} over `relettings` (tenancies) on
    PostgreSQL: the previous end of each letting's dwelling found by one
    join of the lettings with the dwellings' earlier tenancies, instead of
    a subquery run once per letting (a year of a national register has
    twenty thousand lettings). Same rule: the latest end of the dwelling's
    tenancies that started before this one and have ended."""
    sql, params = relettings.values("pk", "dwelling_id", "start_date").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(RELET_SQL.format(lettings=sql), params)
        return {y: rounded_days(median) for y, median in cursor.fetchall()}


# A day after every real one: "never" for the leaving date.
NEVER = datetime.date(9999, 12, 31)


def with_leaving_date(applications):
    """Annotate `leaves_list_on`: the first day a granted application is off
    the waiting list — the first start of a tenancy of its household on or
    after the received date, or its withdrawal, whichever comes first."""
    first_start = (
        Tenancy.all_objects.filter(household=OuterRef("household"), start_date__gte=OuterRef("received_on"))
        .order_by()
        .values("household")
        .annotate(first=Min("start_date"))
        .values("first")
    )
    return applications.annotate(
        leaves_list_on=Least(
            Coalesce(Subquery(first_start, output_field=DateField()), Value(NEVER)),
            Coalesce(F("withdrawn_on"), Value(NEVER)),
        )
    )


def on_waiting_list(day: datetime.date) -> Q:
    """On the waiting list on `day` (for `with_leaving_date` rows): granted,
    decided on or before the day, and not yet left it: no tenancy starting
    between the received date and the day (both included), not withdrawn."""
    return Q(outcome=Outcome.GRANTED, decided_on__lte=day, leaves_list_on__gt=day)


def waiting_list_on(municipality_id: int, day: datetime.date) -> int:
    """The waiting list's size on `day`. One query."""
    applications = Application.all_objects.filter(municipality_id=municipality_id)
    return with_leaving_date(applications).filter(on_waiting_list(day)).count()


def application_figures(municipality_id: int, year: int) -> dict[str, Any]:
    return application_series(municipality_id, year, year)[year]


def kostra_applications(municipality_id: int, year: int) -> dict[str, int]:
    """KOSTRA form 13's application items for the year. SSB counts only
    *new* applications — from households that did not live in a municipal
    dwelling when they applied — so transfers (`is_transfer`) are left out
    of the received, granted and refused counts. The waiting list is the
    contract's `waiting_list_at_year_end` (granted, not yet moved in). One
    aggregate query and the waiting list's."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    new = Q(is_transfer=False)
    row = Application.all_objects.filter(municipality_id=municipality_id).aggregate(
        received=Count("pk", filter=new & Q(received_on__range=(start, end))),
        granted=Count("pk", filter=new & Q(outcome=Outcome.GRANTED, decided_on__range=(start, end))),
        refused=Count("pk", filter=new & Q(outcome=Outcome.REFUSED, decided_on__range=(start, end))),
    )
    return {
        "new_applications_received": row["received"],
        "new_applications_granted": row["granted"],
        "new_applications_refused": row["refused"],
        "waiting_list": waiting_list_on(municipality_id, end),
    }


class _PlusOneMonth(Func):
    """A date one calendar month later, in PostgreSQL (31 January → 28/29 February)."""

    template = "(%(expressions)s + INTERVAL '1 month')::date"
    output_field = DateField()


def decided_within_a_month(municipality_id: int, year: int) -> dict[str, Any]:
    """Of the applications decided (granted or refused) in the year, how many
    within a month of being received — forvaltningsloven § 11 a's measure.
    Returns `decided`, `within` and `share` (percent, one decimal; None if
    none were decided)."""
    return _within_a_month(Application.all_objects.filter(municipality_id=municipality_id), year)


def _within_a_month(applications, year: int) -> dict[str, Any]:
    decided = applications.filter(decided_on__year=year).exclude(outcome="")
    if connection.vendor == "postgresql":
        row = decided.aggregate(
            n=Count("pk"), within=Count("pk", filter=Q(decided_on__lte=_PlusOneMonth(F("received_on"))))
        )
        n, within = row["n"], row["within"]
    else:
        pairs = list(decided.values_list("received_on", "decided_on"))
        n = len(pairs)
        within = sum(d <= add_months(r, 1) for r, d in pairs)
    share = (
        None if not n else float((Decimal(100 * within) / n).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    )
    return {"decided": n, "within": within, "share": share}


def replies_due(today: datetime.date) -> int:
    """The start page's figure: undecided applications over a month old with
    no provisional reply (forvaltningsloven § 11 a). Scoped to the user's office."""
    return Application.objects.filter(
        status="received", provisional_reply_sent_on__isnull=True, received_on__lte=add_months(today, -1)
    ).count()


def share_decided_within_a_month(today: datetime.date) -> int:
    """The start page's figure: percent of this year's decisions made within
    a month (0 when none), for the user's office (the scoped manager)."""
    share = _within_a_month(Application.objects.all(), today.year)["share"]
    return round(share or 0)
