"""The prevention and follow-up rows of the dashboard and the yearly report
(`arrears.figures.prevention_rows`, `followup.figures.followup_rows`) for
whole calendar years, kept as the throughput figures are.

They were counted on every visit of the dashboard: eight aggregate queries
whose building costs the page more than their running. Every figure of
them counts rows by their own dates (cases opened and closed, events,
agreements, plans, contacts, check-ins, the members of the households
concerned), so the triggers of `reports.figures_triggers` forget a year's
rows when a write reaches it, as they forget its throughput figures. They
are kept for the running year as a whole as well: a write dated this year
or earlier forgets it.
"""

from __future__ import annotations

from typing import Any

from arrears.figures import arrears_series, prevention_rows
from followup.figures import followup_rows, followup_series

from . import figures_cache

WHOLE_YEAR = ""


def yearly_rows(municipality_id: int, years: list[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the prevention rows, the follow-up rows) with a value for each of
    `years`: kept years read in one query, the others counted (eight
    queries however many) and kept when they may be."""

    def count(missing: list[int]) -> dict[int, dict[str, Any]]:
        arrears = arrears_series(municipality_id, missing)
        followup = followup_series(municipality_id, missing)
        return {year: {"arrears": arrears[year], "followup": followup[year]} for year in missing}

    by_year = figures_cache.kept_or_counted(
        municipality_id, sorted(set(years)), WHOLE_YEAR, figures_cache.ROWS, count
    )
    return (
        prevention_rows(municipality_id, years, by_year={year: by_year[year]["arrears"] for year in years}),
        followup_rows(municipality_id, years, by_year={year: by_year[year]["followup"] for year in years}),
    )
