"""`seed_demo`'s sales to sitting tenants (demo.stock)."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from demo.seed import seed_demo
from dwellings.models import EndReason, StockChange, Tenancy
from reports.stock_plan import reinvestment_ledger
from reports.throughput import throughput_figures
from tenants.models import PathwayStage, PathwayStageChange

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def test_demo_sells_to_sitting_tenants_consistently_with_their_tenancies():
    result = seed_demo(households=40, seed=3, today=TODAY)
    office = result.municipality
    sales = list(
        StockChange.all_objects.filter(
            municipality=office, kind=StockChange.Kind.DISPOSED, buyer_household__isnull=False
        ).select_related("dwelling")
    )
    assert sales
    assert result.counts["sold_to_tenants"] == len(sales)
    for sale in sales:
        tenancy = Tenancy.all_objects.get(dwelling=sale.dwelling, household=sale.buyer_household)
        assert tenancy.end_reason == EndReason.BOUGHT_OWN_HOME
        assert tenancy.end_date == sale.date == sale.dwelling.disposed_on
        assert not Tenancy.all_objects.filter(dwelling=sale.dwelling, start_date__gt=sale.date).exists()
        assert sale.price and sale.valuation and sale.price <= sale.valuation
        # The household had reached "bought home" in the generated history:
        # the sale adds no stage change dated today.
        assert sale.buyer_household.pathway_stage == PathwayStage.BOUGHT_HOME
    assert not PathwayStageChange.all_objects.filter(
        household__in=[s.buyer_household for s in sales], changed_at__date__gt=TODAY
    ).exists()

    per_year = Counter(s.date.year for s in sales)
    years = sorted(per_year)
    ledger = {y.year: y for y in reinvestment_ledger(office, years[0], years[-1])}
    for year, n in per_year.items():
        side = ledger[year].disposed
        assert side.to_tenants == n
        assert side.priced >= n
        assert side.price_total >= sum(int(s.price) for s in sales if s.date.year == year)
        assert side.rooms_total > 0 and side.area_total > 0
        assert throughput_figures(office, year)["dwellings_sold_to_tenants"] == n
    # The purchases of the ten years carry prices, rooms and area.
    window = reinvestment_ledger(office, TODAY.year - 9, TODAY.year)
    assert sum(y.acquired.price_total for y in window) > 0
    assert sum(y.acquired.area_total for y in window) > 0

    # A second run adds nothing.
    again = seed_demo(households=40, seed=3, today=TODAY)
    assert not again.created
    assert StockChange.all_objects.filter(municipality=office, buyer_household__isnull=False).count() == len(
        sales
    )
