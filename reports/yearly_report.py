"""The yearly report (årsrapport) as a tagged PDF: the year's throughput
figures with the four years before beside them, charts, and the KOSTRA
form 13 figures the register can answer, with the office leader's
introduction and a comment after each section.

Each figure appears once: the five-year table of each section holds that
section's figures (exits and tenancies; follow-up and start loans; changes
to the stock beside the KOSTRA stock), so no table repeats another's rows.
"""

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
from .models import REPORT_SECTIONS, YearlyReportText
from .stock_plan import reinvestment_ledger
from .throughput import APPLICATION_LABELS, FIGURE_LABELS, figure_decimals, throughput_series
from .yearly_rows import yearly_rows

YEARS_BESIDE = 4

# The five-year rows of each section, in the order they are shown; every key
# figure is in exactly one.
SECTION_FIGURES: dict[str, tuple[str, ...]] = {
    "key_figures": (
        "moved_to_ownership",
        "moved_to_private_rental",
        "dwellings_freed",
        "persons_moved_out",
        "children_moved_out",
        "median_tenancy_years_at_exit",
        "tenancies_started",
        "tenancies_ended",
    ),
    "follow_up": (
        "summons_letters",
        "meetings_held",
        "loan_applications",
        "loans_granted",
        "loan_amount_granted",
    ),
    "stock": ("dwellings_acquired", "dwellings_disposed", "dwellings_sold_to_tenants"),
}
# The way in: applications, the waiting list and re-letting (KOSTRA form 13).
APPLICATION_ROWS: tuple[str, ...] = tuple(APPLICATION_LABELS)


def paragraphs(text: str | None) -> list[str]:
    """Plain text as paragraphs: split at blank lines, lines joined with a
    space. The template escapes each; no markup is ever made of it."""
    if not text:
        return []
    blocks = "\n".join(line.strip() for line in str(text).replace("\r\n", "\n").split("\n")).split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def report_text(text: dict[str, Any] | None) -> dict[str, list[str]]:
    """{"intro": [paragraph, …], "key_figures": […], …} from a job's frozen
    text (or a draft's snapshot)."""
    text = text or {}
    return {key: paragraphs(text.get(key)) for key in ("intro", *REPORT_SECTIONS)}


def current_text(municipality: Municipality, year: int) -> dict[str, str]:
    """The draft as it stands, for a report made outside a job (the command)."""
    draft = YearlyReportText.all_objects.filter(municipality=municipality, year=year).first()
    return draft.snapshot() if draft else {}


def _rows(series: dict[int, dict[str, Any]], years: list[int], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {
            "label": {**FIGURE_LABELS, **APPLICATION_LABELS}[key],
            "key": key,
            "values": [series[y][key] for y in years],
            "decimals": figure_decimals(key),
        }
        for key in keys
    ]


def report_context(
    municipality: Municipality, year: int, text: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the report template shows, computed with aggregate queries.
    `text` is the leader's introduction and comments (see `report_text`)."""
    first = year - YEARS_BESIDE
    series = throughput_series(municipality, first, year)
    years = list(range(first, year + 1))
    prevention, followup = yearly_rows(municipality.pk, years)
    categories = [str(y) for y in years]
    sections = {name: _rows(series, years, keys) for name, keys in SECTION_FIGURES.items()}
    application_rows = _rows(series, years, APPLICATION_ROWS)
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
        # Every key figure's row, once, for whoever wants them all.
        "rows": [row for rows in sections.values() for row in rows],
        "sections": sections,
        "application_rows": application_rows,
        # Eviction prevention: the arrears cases' figures (arrears.figures),
        # and persons assisted and the check-ins after a purchase
        # (followup.figures); kept as the throughput figures are.
        "prevention": prevention,
        "followup": followup,
        "text": report_text(text),
        "reason_rows": reason_rows,
        "charts": charts,
        "kostra": kostra_figures(municipality, year),
        # Sales against purchases, beside KOSTRA's stock figures.
        "ledger": reinvestment_ledger(municipality, first, year),
        "stock_day": datetime.date(year, 12, 31),
        "made_at": timezone.localtime(),
    }


def render_yearly_report(
    municipality: Municipality, year: int, *, text: dict[str, Any] | None = None
) -> bytes:
    """The report PDF. `text` is the leader's text as frozen in the job;
    None takes the draft as it stands now."""
    if text is None:
        text = current_text(municipality, year)
    return render_pdf("reports/yearly_report_pdf.html", report_context(municipality, year, text))
