"""The demo's sales to sitting tenants, recorded as the office records them.

The generator (`register`) lays out the history in bulk: a dwelling sold to
its tenant ends that tenant's tenancy as `bought_own_home` on the sale date
and logs the sale with a price. Here each such sale is recorded again
through `dwellings.stock.sell_to_tenant`, the one action the office uses,
so that the demo's sales carry what a real one carries: the household as
buyer and a valuation (takst) beside the price. The household's start loan,
when it had one, was decided before the completion date (`loans`), so the
stock plan finds it as the buyer's loan; the sale then takes the price the
loan was granted for, so that loan and sale tell the same story.

Husbanken's rent-to-own model sells at or a little below an independent
valuation (husbanken.no, "Leie til eie"): the price is the generated one,
the valuation a few per cent above it.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db.models import F

from dwellings.models import EndReason, StockChange, Tenancy
from dwellings.stock import sell_to_tenant
from housing_office.models import Municipality, User
from startloan.models import ApplicationStatus, LoanPurpose, StartLoanApplication

from .helpers import round_to

# The valuation over the price: a sale at the valuation, or a little below.
VALUATION_OVER_PRICE = (1.0, 1.06)


def add_sales_to_tenants(office: Municipality, leader: User, seed: int) -> int:
    """Record the generated sales to sitting tenants through `sell_to_tenant`;
    returns how many. Adds nothing when the office already has a sale with
    a buyer, so a second run makes no duplicates."""
    sales = StockChange.all_objects.filter(municipality=office, kind=StockChange.Kind.DISPOSED)
    if sales.filter(buyer_household__isnull=False).exists():
        return 0
    # The generated sale to the tenant: the tenancy ended as bought_own_home
    # on the day the dwelling was sold.
    sold = list(
        Tenancy.all_objects.filter(
            municipality=office,
            end_reason=EndReason.BOUGHT_OWN_HOME,
            dwelling__disposed_on=F("end_date"),
        )
        .select_related("dwelling")
        .order_by("end_date", "dwelling__reference")
    )
    rng = random.Random(f"{seed}:stock-sales")
    recorded = 0
    for tenancy in sold:
        dwelling = tenancy.dwelling
        logged = sales.filter(dwelling=dwelling).first()
        if logged is None or logged.price is None:
            continue
        price, note, completion = logged.price, logged.note, tenancy.end_date
        assert completion is not None
        loan = (
            StartLoanApplication.all_objects.filter(
                household_id=tenancy.household_id,
                status__in=[ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED],
                decided_on__lte=completion,
            )
            .order_by("-decided_on", "-pk")
            .first()
        )
        if loan is not None and loan.purpose == LoanPurpose.PURCHASE and loan.purchase_price:
            price = loan.purchase_price
        valuation = Decimal(round_to(float(price) * rng.uniform(*VALUATION_OVER_PRICE), 10_000))
        # Undo the bulk-written sale so the service can record it whole.
        logged.delete()
        tenancy.end_date, tenancy.end_reason = None, ""
        tenancy.save(update_fields=["end_date", "end_reason", "updated_at"])
        dwelling.disposed_on = None
        dwelling.save(update_fields=["disposed_on", "updated_at"])
        recorded += 1
        sell_to_tenant(
            tenancy, completion_date=completion, price=price, valuation=valuation, note=note, by=leader
        )
    return recorded
