"""Next year's flows, estimated from the office's own past years, with the
method's back-test beside it.

The method is deliberately simple so the leader can explain it to the
council: for each flow (exits to ownership and to private rental, dwellings
freed, households housed from the waiting list, applications granted) the
estimate is the mean of the last `HISTORY_YEARS` complete years, and the
range is the lowest to the highest of those years. The waiting list at the
end of the forecast year is today's list plus the granted applications less
the households housed; the leader's planned purchases add to the households
housed (each new dwelling is let to someone from the list) and planned sales
of vacant dwellings take from the dwellings freed and the households housed.

The back-test applies the same method to each of the last `BACKTEST_YEARS`
complete years, using only the years before it and the waiting list at the
end of the year before, and puts the estimate beside what happened.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from applications.figures import waiting_list_on
from housing_office.models import Municipality

from .throughput import throughput_series

HISTORY_YEARS = 3
BACKTEST_YEARS = 3

FLOW_LABELS: dict[str, Any] = {
    "moved_to_ownership": _("Husstander som kjøper egen bolig"),
    "moved_to_private_rental": _("Husstander som flytter til privat leie"),
    "dwellings_freed": _("Boliger frigjort for ny utleie"),
    "housed_from_waiting_list": _("Bosatt fra ventelisten"),
    "applications_granted": _("Søknader innvilget"),
}


def _round(value: float) -> int:
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
class Forecast:
    year: int
    based_on: tuple[int, ...]
    waiting_at_start: int
    planned_purchases: int
    planned_sales: int
    flows: dict[str, Estimate]
    waiting_at_end: Estimate

    @property
    def waiting_months(self) -> Estimate | None:
        """Expected waiting time in months for a household at the end of the
        list: the list divided by the households housed a year. None when
        nobody is housed."""
        housed = self.flows["housed_from_waiting_list"]
        if housed.mid == 0:
            return None
        low = _round(12 * self.waiting_at_end.low / housed.high) if housed.high else 0
        high = _round(12 * self.waiting_at_end.high / housed.low) if housed.low else None
        mid = _round(12 * self.waiting_at_end.mid / housed.mid)
        return Estimate(low, mid, high if high is not None else max(mid, low))

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [{"key": k, "label": FLOW_LABELS[k], "estimate": v} for k, v in self.flows.items()]


def forecast_from(
    series: dict[int, dict[str, Any]],
    year: int,
    waiting_at_start: int,
    *,
    planned_purchases: int = 0,
    planned_sales: int = 0,
) -> Forecast:
    """The forecast for `year` from the figures of the HISTORY_YEARS years
    before it (those of them `series` holds)."""
    based_on = tuple(y for y in range(year - HISTORY_YEARS, year) if y in series)
    flows = {key: estimate([series[y][key] for y in based_on]) for key in FLOW_LABELS}
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
    return Forecast(year, based_on, waiting_at_start, planned_purchases, planned_sales, flows, waiting_at_end)


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


BACKTESTED = ("dwellings_freed", "housed_from_waiting_list", "waiting_list_at_year_end")


def backtest(series: dict[int, dict[str, Any]], years: list[int]) -> list[BacktestRow]:
    """For each year in `years`: the forecast made with the years before it
    and the waiting list at the end of the year before, against the year's
    own figures."""
    out: list[BacktestRow] = []
    for year in years:
        if year - 1 not in series or year not in series:
            continue
        made = forecast_from(series, year, series[year - 1]["waiting_list_at_year_end"])
        predicted = {**made.flows, "waiting_list_at_year_end": made.waiting_at_end}
        for key in BACKTESTED:
            label = FLOW_LABELS.get(key) or _("På venteliste ved årets slutt")
            out.append(BacktestRow(year, key, label, predicted[key], series[year][key]))
    return out


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
    """Next calendar year's forecast from the last complete years, and the
    back-test of the last BACKTEST_YEARS complete years. The throughput
    series over the years needed (one fixed batch of queries) and one query
    for today's waiting list."""
    last_complete = today.year - 1
    first = last_complete - BACKTEST_YEARS - HISTORY_YEARS + 1
    series = throughput_series(municipality, first, last_complete)
    # The forecast year is next year; the current year is not complete, so
    # the estimate rests on the complete years before it and today's list.
    forecast = forecast_from(
        series,
        last_complete + 1,
        waiting_list_on(municipality.pk, today),
        planned_purchases=planned_purchases,
        planned_sales=planned_sales,
    )
    forecast = Forecast(
        today.year + 1,
        forecast.based_on,
        forecast.waiting_at_start,
        planned_purchases,
        planned_sales,
        forecast.flows,
        forecast.waiting_at_end,
    )
    years = list(range(last_complete - BACKTEST_YEARS + 1, last_complete + 1))
    return ForecastPage(forecast, backtest(series, years))
