"""The leader's stock-plan page: the reinvestment ledger, needs against
stock and next year's forecast with its back-test."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from housing_office.errors import user_municipality
from housing_office.permissions import leader_required

from .charts import Series, bar_chart
from .forecast import forecast_page
from .stock_plan import ledger_totals, needs_against_stock, reinvestment_ledger

LEDGER_YEARS = 5
# Planned purchases or sales beyond this in one year are a typing error.
MAX_PLANNED = 500


class AssumptionsForm(forms.Form):
    kjop = forms.IntegerField(
        label=gettext_lazy("Planlagte kjøp neste år (boliger)"),
        min_value=0,
        max_value=MAX_PLANNED,
        required=False,
    )
    salg = forms.IntegerField(
        label=gettext_lazy("Planlagte salg av ledige boliger neste år"),
        min_value=0,
        max_value=MAX_PLANNED,
        required=False,
    )


def needs_chart(needs) -> str:
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


@leader_required
@require_GET
def stock_plan(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    today = timezone.localdate()
    form = AssumptionsForm(request.GET or None)
    assumptions = form.cleaned_data if form.is_valid() else {}
    ledger = reinvestment_ledger(municipality, today.year - LEDGER_YEARS + 1, today.year)
    needs = needs_against_stock(municipality, today)
    context = {
        "active": "stock",
        "today": today,
        "ledger": ledger,
        "ledger_totals": ledger_totals(ledger),
        "needs": needs,
        "needs_chart": needs_chart(needs),
        "form": form,
        "forecast": forecast_page(
            municipality,
            today,
            planned_purchases=assumptions.get("kjop") or 0,
            planned_sales=assumptions.get("salg") or 0,
        ),
    }
    return render(request, "reports/stock_plan.html", context)
