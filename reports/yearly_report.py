"""The yearly report (årsrapport) as a tagged PDF: the year's throughput
figures with the four years before beside them, charts, and the KOSTRA
form 13 figures the register can answer."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dwellings.models import EndReason
from housing_office.models import Municipality
from housing_office.pdf import render_pdf

from .charts import Series, bar_chart, line_chart
from .kostra import kostra_figures
from .throughput import FIGURE_LABELS, KEY_FIGURES, figure_decimals, throughput_series

YEARS_BESIDE = 4


def report_context(municipality: Municipality, year: int) -> dict[str, Any]:
    """Everything the report template shows, computed with aggregate queries."""
    first = year - YEARS_BESIDE
    series = throughput_series(municipality, first, year)
    years = list(range(first, year + 1))
    categories = [str(y) for y in years]
    rows = [
        {
            "label": FIGURE_LABELS[key],
            "key": key,
            "values": [series[y][key] for y in years],
            "decimals": figure_decimals(key),
        }
        for key in KEY_FIGURES
    ]
    reason_rows = [
        {
            "label": reason.label,
            "key": reason.value,
            "values": [series[y]["ended_by_reason"][reason.value] for y in years],
        }
        for reason in EndReason
    ]
    other = [
        series[y]["tenancies_ended"] - series[y]["moved_to_ownership"] - series[y]["moved_to_private_rental"]
        for y in years
    ]
    charts = {
        "exits": bar_chart(
            "chart-exits",
            _("Utflyttinger etter årsak per år"),
            categories,
            [
                Series(_("Kjøpt egen bolig"), [series[y]["moved_to_ownership"] for y in years]),
                Series(_("Privat leie"), [series[y]["moved_to_private_rental"] for y in years]),
                Series(_("Andre årsaker"), other),
            ],
        ),
        "freed": bar_chart(
            "chart-freed",
            _("Boliger frigjort per år"),
            categories,
            [Series(_("Boliger frigjort"), [series[y]["dwellings_freed"] for y in years])],
        ),
        "median": line_chart(
            "chart-median",
            _("Median botid ved utflytting (år)"),
            categories,
            [series[y]["median_tenancy_years_at_exit"] for y in years],
            unit=_("år"),
        ),
    }
    return {
        "municipality": municipality,
        "year": year,
        "years": years,
        "figures": series[year],
        "rows": rows,
        "reason_rows": reason_rows,
        "charts": charts,
        "kostra": kostra_figures(municipality, year),
        "stock_day": datetime.date(year, 12, 31),
        "made_at": timezone.localtime(),
    }


def render_yearly_report(municipality: Municipality, year: int) -> bytes:
    return render_pdf("reports/yearly_report_pdf.html", report_context(municipality, year))
