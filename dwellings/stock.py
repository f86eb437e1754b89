"""Changes to the stock that concern a tenancy: the tenant buys the dwelling
they rent (leie til eie).

Husbanken's rent-to-own model lets a household buy the municipal dwelling it
rents, usually financed with a start loan (husbanken.no, "Leie til eie").
For the office that is one event with two sides: the household leaves the
rented sector for ownership, and the dwelling leaves the municipal stock.
Both are written here in one transaction so the figures can never see one
side without the other.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from housing_office.errors import DomainError

from .models import EndReason, Ownership, StockChange, Tenancy
from .services import _date, constraint_errors, end_tenancy, record_stock_change


@dataclass(frozen=True)
class SaleToTenant:
    """What `sell_to_tenant` did: the ended tenancy, the sale row and the
    pathway stage the household moved to (None when its stage stayed)."""

    tenancy: Tenancy
    sale: StockChange
    new_stage: str | None = None


@transaction.atomic
def sell_to_tenant(
    tenancy: Tenancy,
    *,
    completion_date: datetime.date,
    price: Decimal | None,
    valuation: Decimal | None = None,
    note: str = "",
    by=None,
) -> SaleToTenant:
    """The household of `tenancy` buys the dwelling on `completion_date`.

    The tenancy ends that day as `bought_own_home` (the household's pathway
    stage moves on; its address stays, it lives there), and the dwelling is
    disposed of with the household as buyer, the price and the valuation.
    Refused, with nothing written, when the tenancy has already ended, when
    the completion date is before the tenancy began or after a later
    tenancy on the dwelling begins, or when the sale is already recorded.
    """
    tenancy = Tenancy.objects.select_for_update().select_related("dwelling", "household").get(pk=tenancy.pk)
    if completion_date is None:
        raise DomainError(_("Skriv inn overtakelsesdato."), "completion_date")
    if price is None:
        raise DomainError(_("Skriv inn kjøpesummen."), "price")
    if tenancy.end_date is not None:
        raise DomainError(
            _("Leieforholdet ble avsluttet %(date)s. Bare en leietaker som bor i boligen kan kjøpe den her.")
            % {"date": _date(tenancy.end_date)}
        )
    if tenancy.dwelling.ownership == Ownership.LEASED:
        # The municipality rents a leased dwelling from its owner: it has
        # nothing to sell, and the tenant's purchase is the owner's business.
        raise DomainError(
            _("Boligen er innleid, ikke eid av kommunen. Kommunen kan ikke selge den til leietakeren.")
        )
    if completion_date < tenancy.start_date:
        raise DomainError(
            _("Overtakelsesdatoen kan ikke være før leieforholdet startet (%(date)s).")
            % {"date": _date(tenancy.start_date)},
            "completion_date",
        )
    later = (
        Tenancy.objects.filter(dwelling_id=tenancy.dwelling_id)
        .exclude(pk=tenancy.pk)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=completion_date))
        .order_by("start_date")
        .first()
    )
    if later is not None:
        raise DomainError(
            _("Boligen har et annet leieforhold fra %(date)s. Den kan ikke selges til leietakeren.")
            % {"date": _date(later.start_date)},
            "completion_date",
        )
    try:
        ended = end_tenancy(
            tenancy,
            end_date=completion_date,
            end_reason=EndReason.BOUGHT_OWN_HOME,
            new_address=None,
            by=by,
        )
        sale = record_stock_change(
            tenancy.dwelling,
            kind=StockChange.Kind.DISPOSED,
            date=completion_date,
            price=price,
            valuation=valuation,
            note=note,
            by=by,
        )
    except DomainError as exc:
        # The completion date is the one date the form asks for.
        if exc.field in {"date", "end_date"}:
            raise DomainError(str(exc), "completion_date") from exc
        raise
    sale.buyer_household = tenancy.household
    with constraint_errors():
        sale.save(update_fields=["buyer_household", "updated_at"])
    return SaleToTenant(ended.tenancy, sale, ended.new_stage)
