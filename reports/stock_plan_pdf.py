"""The council-ready stock plan as a tagged PDF (a job, like the yearly
report): the leader's text, the reinvestment ledger, needs against stock
and next year's forecast with its back-test."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from housing_office.models import Municipality
from housing_office.pdf import render_pdf

from .charts import Series, bar_chart
from .forecast import MIN_GROUP, forecast_page
from .stock_plan import ledger_totals, needs_against_stock, reinvestment_ledger, sales_to_tenants
from .yearly_report import paragraphs

LEDGER_YEARS = 5


def needs_chart(needs) -> SafeString:
    return bar_chart(
        "chart-needs",
        _("Boliger etter antall rom mot husstandenes behov"),
        [_("%(r)s rom") % {"r": row.label} for row in needs.rows],
        [
            Series(_("Boliger"), [row.dwellings for row in needs.rows]),
            Series(_("Husstander i kommunal bolig"), [row.tenants for row in needs.rows]),
            Series(_("På venteliste"), [row.waiting for row in needs.rows]),
        ],
    )


def stock_plan_context(
    municipality: Municipality,
    day: datetime.date,
    *,
    planned_purchases: int = 0,
    planned_sales: int = 0,
    text: str = "",
) -> dict[str, Any]:
    """Everything the page and the PDF show for `day`, in aggregate queries."""
    ledger = reinvestment_ledger(municipality, day.year - LEDGER_YEARS + 1, day.year)
    needs = needs_against_stock(municipality, day)
    forecast = forecast_page(
        municipality, day, planned_purchases=planned_purchases, planned_sales=planned_sales
    )
    return {
        "municipality": municipality,
        "today": day,
        "ledger": ledger,
        "ledger_totals": ledger_totals(ledger),
        "sales_to_tenants": sales_to_tenants(municipality, day.year - LEDGER_YEARS + 1, day.year),
        "needs": needs,
        "needs_chart": needs_chart(needs),
        "forecast": forecast,
        "f": forecast.forecast,
        "min_group": MIN_GROUP,
        "text": paragraphs(text),
        "made_at": timezone.localtime(),
    }


def render_stock_plan(municipality: Municipality, day: datetime.date, **kwargs: Any) -> bytes:
    return render_pdf("reports/stock_plan_pdf.html", stock_plan_context(municipality, day, **kwargs))
