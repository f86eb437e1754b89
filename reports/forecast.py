"""Next year's flows, estimated from the pathway's own history, with the
method's back-test beside it.

The method, in words the leader can give the council:

* Exits. For each pathway stage (`tenants.models.PathwayStage`) and time
  in the dwelling (`BANDS`), the share of the households in a municipal
  dwelling at that stage and time on 1 January who moved on within the year
  – bought their own home, moved to private rental, or left a dwelling free
  for re-letting (the contract's `dwellings_freed`: no care dwellings, not
  sold to the tenant). The share is pooled over the last `HISTORY_YEARS`
  complete years and applied to the households at each stage and time
  today; the range applies each group's lowest and highest yearly share
  instead. A group with fewer than `MIN_GROUP` households over those years
  takes its stage's shares over all times in the dwelling: one household
  who moved would otherwise make a share of 100 % for everyone in its group.
  The stage on a day is the `to_stage` of the household's last stage change
  before it, else the `from_stage` of its first change after it, else the
  stage it has now.
* Housed from the waiting list: the dwellings freed times the households
  housed from the list per dwelling freed in the same years (pooled; the
  range from the lowest and the highest year). The ratio can pass 1: new
  purchases and dwellings empty from before are let too.
* Applications granted: the mean of the same years, between their lowest
  and highest (nothing in the pathway predicts the way in).
* Both use only the years the waiting list was kept in Boligkontoret (a
  year with an application granted or a household housed from the list):
  a year before the office registered its applications here is no evidence
  that nobody was housed.
* The waiting list at the end of the year: today's list plus the granted
  less the housed. Expected waiting time for a household joining the list
  now: the households ahead of it over the households housed a year, plus
  the re-letting time (median days vacant in the last complete year).
* The leader's planned purchases add to the households housed (each new
  dwelling is let to someone from the list); planned sales of vacant
  dwellings take from the dwellings freed and the households housed.

The back-test applies the same method to each of the last `BACKTEST_YEARS`
complete years with only what was known on 1 January of it: the shares of
the years before, the households at each stage on that day and the waiting
list at the end of the year before; it puts the estimate beside what the
throughput figures say happened.

Aggregation is in the database: one grouped query per year of history
(households by stage on 1 January, with their exits in the year) and one
for today.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.figures import waiting_list_on
from dwellings.models import DwellingCategory, EndReason, Tenancy, running_condition
from housing_office.dates import DAYS_PER_YEAR
from housing_office.models import Municipality
from tenants.models import PathwayStage, PathwayStageChange

from .throughput import throughput_series

HISTORY_YEARS = 3
# The households a (stage, time in the dwelling) group must have held over
# the history years for its own shares to be used.
MIN_GROUP = 10
BACKTEST_YEARS = 3
DAYS_PER_MONTH = Decimal("30.44")

FLOW_LABELS: dict[str, Any] = {
    "moved_to_ownership": _("Husstander som kjøper egen bolig"),
    "moved_to_private_rental": _("Husstander som flytter til privat leie"),
    "dwellings_freed": _("Boliger frigjort for ny utleie"),
    "housed_from_waiting_list": _("Bosatt fra ventelisten"),
    "applications_granted": _("Søknader innvilget"),
}
# Time in the dwelling on the day, in whole years from (years as
# `Tenancy.years_on` counts them): under 1, 1 to under 3, 3 or more.
BANDS: dict[int, Any] = {0: _("under 1 år"), 1: _("1–3 år"), 3: _("3 år eller mer")}

# The flows the per-stage shares estimate, by the key of `StageCounts`.
EXIT_FLOWS = {"moved_to_ownership": "own", "moved_to_private_rental": "private", "dwellings_freed": "freed"}


def _round(value: float | Decimal) -> int:
    return int(Decimal(str(value)).to_integral_value(ROUND_HALF_UP))


@dataclass(frozen=True)
class Estimate:
    low: int
    mid: int
    high: int

    def contains(self, value: int) -> bool:
        return self.low <= value <= self.high

    def shifted(self, by: int) -> Estimate:
        return Estimate(max(0, self.low + by), max(0, self.mid + by), max(0, self.high + by))


def estimate(values: list[int]) -> Estimate:
    """The mean of `values` (rounded half up) between their lowest and highest."""
    if not values:
        return Estimate(0, 0, 0)
    return Estimate(min(values), _round(sum(values) / len(values)), max(values))


@dataclass(frozen=True)
class StageCounts:
    """Tenancies running on 1 January at one stage, and how many of them
    ended within the year to ownership, to private rental, and freeing a
    dwelling for re-letting."""

    at_risk: int
    own: int = 0
    private: int = 0
    freed: int = 0


# (stage, band) -> counts; a year of them by year. For today only `at_risk` matters.
Cell = tuple[str, int]
Cohort = dict[Cell, StageCounts]
Cohorts = dict[int, Cohort]


def _summed(cohort: Cohort, part: int) -> dict[Any, StageCounts]:
    """The cohort's counts by stage (`part` 0) or by time in the dwelling (1)."""
    out: dict[Any, StageCounts] = {}
    for cell, c in cohort.items():
        o = out.get(cell[part], StageCounts(0))
        out[cell[part]] = StageCounts(
            o.at_risk + c.at_risk, o.own + c.own, o.private + c.private, o.freed + c.freed
        )
    return out


def by_stage(cohort: Cohort) -> dict[str, StageCounts]:
    """The cohort's counts summed over the times in the dwelling."""
    return _summed(cohort, 0)


def _share(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole)


def exits_estimate(history: list[Cohort], now: dict[Cell, int], field: str) -> Estimate:
    """Expected exits of kind `field` among the households in each group
    (stage, time in the dwelling) `now`: the pooled share of the group over
    the `history` years (mid), and its lowest and highest yearly share
    (range). A group with fewer than MIN_GROUP households over the years
    takes its stage's shares; a stage nobody was at contributes nothing:
    there is no share to apply."""
    stages = [by_stage(year) for year in history]
    low = mid = high = Decimal(0)
    for (stage, band), count in now.items():
        years = [year[(stage, band)] for year in history if year.get((stage, band), StageCounts(0)).at_risk]
        if sum(c.at_risk for c in years) < MIN_GROUP:
            years = [year[stage] for year in stages if year.get(stage, StageCounts(0)).at_risk]
        if not years or not count:
            continue
        shares = [_share(getattr(c, field), c.at_risk) for c in years]
        pooled = _share(sum(getattr(c, field) for c in years), sum(c.at_risk for c in years))
        low += count * min(shares)
        mid += count * pooled
        high += count * max(shares)
    return Estimate(_round(low), _round(mid), _round(high))


@dataclass(frozen=True)
class StageRow:
    """Households today in one stage (or time in the dwelling), with the
    pooled shares of the history years that moved on."""

    stage: Any
    label: Any
    now: int
    own_share: Decimal | None
    private_share: Decimal | None

    @property
    def own_percent(self) -> Decimal | None:
        return None if self.own_share is None else 100 * self.own_share

    @property
    def private_percent(self) -> Decimal | None:
        return None if self.private_share is None else 100 * self.private_share


@dataclass(frozen=True)
class Forecast:
    year: int
    based_on: tuple[int, ...]
    waiting_at_start: int
    planned_purchases: int
    planned_sales: int
    flows: dict[str, Estimate]
    waiting_at_end: Estimate
    days_vacant: int = 0
    stages: tuple[StageRow, ...] = ()
    bands: tuple[StageRow, ...] = ()
    # Whether any of the `based_on` years had the waiting list kept here;
    # without one the housed and the waiting list are no prediction at all.
    waiting_list_kept: bool = True

    @property
    def waiting_months(self) -> Estimate | None:
        """Expected waiting time in months for a household joining the list
        now: the households ahead of it over the households housed a year,
        plus the re-letting time. None when nobody is housed."""
        housed = self.flows["housed_from_waiting_list"]
        if housed.mid == 0:
            return None
        vacant = Decimal(self.days_vacant) / DAYS_PER_MONTH
        w = Decimal(self.waiting_at_start)

        def months(h: int) -> int:
            return _round(12 * w / h + vacant)

        mid = months(housed.mid)
        return Estimate(months(housed.high), mid, months(housed.low) if housed.low else mid)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [{"key": k, "label": FLOW_LABELS[k], "estimate": v} for k, v in self.flows.items()]


def _waiting_list_years(series: dict[int, dict[str, Any]], based_on: tuple[int, ...]) -> tuple[int, ...]:
    """The `based_on` years the waiting list was kept here."""
    return tuple(
        y for y in based_on if series[y]["applications_granted"] or series[y]["housed_from_waiting_list"]
    )


def _housed(series: dict[int, dict[str, Any]], based_on: tuple[int, ...], freed: Estimate) -> Estimate:
    """The freed dwellings times the share of them let to someone from the
    waiting list in the `based_on` years (pooled; range from the lowest and
    highest year). Without a freed dwelling in those years, the mean of the
    housed."""
    years = [y for y in based_on if series[y]["dwellings_freed"]]
    if not years:
        return estimate([series[y]["housed_from_waiting_list"] for y in based_on])
    housed = {y: series[y]["housed_from_waiting_list"] for y in years}
    freed_then = {y: series[y]["dwellings_freed"] for y in years}
    shares = [_share(housed[y], freed_then[y]) for y in years]
    pooled = _share(sum(housed.values()), sum(freed_then.values()))
    return Estimate(
        _round(freed.low * min(shares)), _round(freed.mid * pooled), _round(freed.high * max(shares))
    )


def forecast_from(
    series: dict[int, dict[str, Any]],
    cohorts: Cohorts,
    year: int,
    now: dict[Cell, int],
    waiting_at_start: int,
    *,
    days_vacant: int | None = None,
    planned_purchases: int = 0,
    planned_sales: int = 0,
) -> Forecast:
    """The forecast for `year` from the HISTORY_YEARS years before it (those
    of them both `series` and `cohorts` hold), the households at each stage
    and time in the dwelling `now` and the waiting list at the start."""
    based_on = tuple(y for y in range(year - HISTORY_YEARS, year) if y in series and y in cohorts)
    history = [cohorts[y] for y in based_on]
    flows = {key: exits_estimate(history, now, field) for key, field in EXIT_FLOWS.items()}
    # Without a year of the list kept here the estimates are zero, and the
    # back-test says it has nothing to compare.
    way_in = _waiting_list_years(series, based_on)
    flows["housed_from_waiting_list"] = _housed(series, way_in, flows["dwellings_freed"])
    flows["applications_granted"] = estimate([series[y]["applications_granted"] for y in way_in])
    flows["dwellings_freed"] = flows["dwellings_freed"].shifted(-planned_sales)
    flows["housed_from_waiting_list"] = flows["housed_from_waiting_list"].shifted(
        planned_purchases - planned_sales
    )
    granted, housed = flows["applications_granted"], flows["housed_from_waiting_list"]
    waiting_at_end = Estimate(
        max(0, waiting_at_start + granted.low - housed.high),
        max(0, waiting_at_start + granted.mid - housed.mid),
        max(0, waiting_at_start + granted.high - housed.low),
    )
    today = {cell: StageCounts(count) for cell, count in now.items()}
    stages = _share_rows(history, today, 0, {s.value: s.label for s in PathwayStage})
    bands = _share_rows(history, today, 1, BANDS)
    return Forecast(
        year,
        based_on,
        waiting_at_start,
        planned_purchases,
        planned_sales,
        {key: flows[key] for key in FLOW_LABELS},
        waiting_at_end,
        days_vacant or 0,
        stages,
        bands,
        waiting_list_kept=bool(way_in),
    )


def _share_rows(
    history: list[Cohort], now: Cohort, part: int, labels: dict[Any, Any]
) -> tuple[StageRow, ...]:
    """For the page: the households today by stage (`part` 0) or time in the
    dwelling (1), in `labels`' order, with the pooled shares that moved on."""
    today = _summed(now, part)
    summed = [_summed(year, part) for year in history]
    rows = []
    for key, label in labels.items():
        if not today.get(key, StageCounts(0)).at_risk:
            continue
        years = [year[key] for year in summed if key in year]
        at_risk = sum(c.at_risk for c in years)
        own = _share(sum(c.own for c in years), at_risk) if at_risk else None
        private = _share(sum(c.private for c in years), at_risk) if at_risk else None
        rows.append(StageRow(key, label, today[key].at_risk, own, private))
    return tuple(rows)


@dataclass(frozen=True)
class BacktestRow:
    year: int
    key: str
    label: Any
    predicted: Estimate
    actual: int

    @property
    def error(self) -> int:
        return self.actual - self.predicted.mid

    @property
    def hit(self) -> bool:
        return self.predicted.contains(self.actual)


BACKTESTED = (
    "moved_to_ownership",
    "moved_to_private_rental",
    "dwellings_freed",
    "housed_from_waiting_list",
    "waiting_list_at_year_end",
)

WAITING_LIST_KEYS = ("housed_from_waiting_list", "waiting_list_at_year_end")


def backtest(series: dict[int, dict[str, Any]], cohorts: Cohorts, years: list[int]) -> list[BacktestRow]:
    """For each year in `years`: the forecast made on its 1 January – the
    shares of the years before, the households at each stage that day, the
    waiting list and the re-letting time of the year before – against the
    year's own figures. A year whose years before had no waiting list kept
    here has no row for the housed and the list: there was nothing to go on."""
    out: list[BacktestRow] = []
    for year in years:
        if year - 1 not in series or year not in series or year not in cohorts:
            continue
        before = series[year - 1]
        made = forecast_from(
            series,
            cohorts,
            year,
            {cell: c.at_risk for cell, c in cohorts[year].items()},
            before["waiting_list_at_year_end"],
            days_vacant=before.get("median_days_vacant_before_reletting"),
        )
        predicted = {**made.flows, "waiting_list_at_year_end": made.waiting_at_end}
        for key in BACKTESTED:
            if key in WAITING_LIST_KEYS and not made.waiting_list_kept:
                continue
            label = FLOW_LABELS.get(key) or _("På venteliste ved årets slutt")
            out.append(BacktestRow(year, key, label, predicted[key], series[year][key]))
    return out


def _stage_on(moment: datetime.datetime) -> Coalesce:
    """The household's pathway stage at `moment`, from its stage changes."""
    changes = PathwayStageChange.all_objects.filter(household=OuterRef("household"))
    before = changes.filter(changed_at__lt=moment).order_by("-changed_at", "-id").values("to_stage")[:1]
    after = changes.filter(changed_at__gte=moment).order_by("changed_at", "id").values("from_stage")[:1]
    return Coalesce(Subquery(before), Subquery(after), F("household__pathway_stage"))


def _band_on(day: datetime.date) -> Case:
    """The tenancy's time in the dwelling on `day` as a key of BANDS: at
    least n years lived is days / DAYS_PER_YEAR >= n."""
    whens = [
        When(
            start_date__gte=day - datetime.timedelta(days=math.ceil(DAYS_PER_YEAR * n) - 1), then=Value(prev)
        )
        for prev, n in zip(list(BANDS)[:-1], list(BANDS)[1:], strict=True)
    ]
    return Case(*whens, default=Value(list(BANDS)[-1]))


def stage_cohort(municipality_id: int, day: datetime.date) -> Cohort:
    """Tenancies running on `day` by the household's stage that day and the
    time in the dwelling, with those that ended within the following year
    by exit kind. One query."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    within = Q(end_date__lt=day.replace(year=day.year + 1))
    still_held = Q(dwelling__disposed_on__isnull=True) | Q(dwelling__disposed_on__gt=F("end_date"))
    exits = Q(end_reason__in=[EndReason.BOUGHT_OWN_HOME, EndReason.PRIVATE_RENTAL])
    rows = (
        Tenancy.all_objects.filter(running_condition(day), municipality_id=municipality_id)
        .annotate(stage=_stage_on(moment), band=_band_on(day))
        .values("stage", "band")
        .annotate(
            n=Count("pk"),
            own=Count("pk", filter=within & Q(end_reason=EndReason.BOUGHT_OWN_HOME)),
            private=Count("pk", filter=within & Q(end_reason=EndReason.PRIVATE_RENTAL)),
            freed=Count(
                "pk", filter=within & exits & ~Q(dwelling__category=DwellingCategory.CARE) & still_held
            ),
        )
        .order_by()
    )
    return {(r["stage"], r["band"]): StageCounts(r["n"], r["own"], r["private"], r["freed"]) for r in rows}


@dataclass(frozen=True)
class ForecastPage:
    forecast: Forecast
    backtest: list[BacktestRow]


def forecast_page(
    municipality: Municipality,
    today: datetime.date,
    *,
    planned_purchases: int = 0,
    planned_sales: int = 0,
) -> ForecastPage:
    """Next calendar year's forecast from the last complete years and the
    households at each stage today, and the back-test of the last
    BACKTEST_YEARS complete years. The throughput series over the years
    needed (one fixed batch of queries), one stage query per year and one
    for today, and one for today's waiting list."""
    last_complete = today.year - 1
    first = last_complete - BACKTEST_YEARS - HISTORY_YEARS + 1
    series = throughput_series(municipality, first, last_complete)
    cohorts = {
        y: stage_cohort(municipality.pk, datetime.date(y, 1, 1)) for y in range(first, last_complete + 1)
    }
    now = {cell: c.at_risk for cell, c in stage_cohort(municipality.pk, today).items()}
    # The current year is not complete: the shares rest on the complete years
    # before it, applied to the households at each stage today.
    forecast = forecast_from(
        series,
        cohorts,
        last_complete + 1,
        now,
        waiting_list_on(municipality.pk, today),
        days_vacant=series[last_complete].get("median_days_vacant_before_reletting"),
        planned_purchases=planned_purchases,
        planned_sales=planned_sales,
    )
    forecast = replace(forecast, year=today.year + 1)
    years = list(range(last_complete - BACKTEST_YEARS + 1, last_complete + 1))
    return ForecastPage(forecast, backtest(series, cohorts, years))
