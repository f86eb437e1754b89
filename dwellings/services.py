"""Domain logic for dwellings: letting, ending tenancies, the stock-change log
and rent arrears. No HTTP here; views and forms call these functions.

Every rule is checked before anything is written, and every function runs in
one transaction, so a broken rule leaves the records as they were. The
database constraints on the models are the last line of defence: an
`IntegrityError` they raise becomes a `DomainError` with the same message
(`housing_office.errors.constraint_errors`).
"""

from __future__ import annotations

import datetime
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import DateField, DurationField, ExpressionWrapper, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from housing_office import errors
from housing_office.errors import DomainError
from tenants.models import Household, PathwayStage
from tenants.services import change_address, change_stage

from .models import (
    ContractType,
    Dwelling,
    DwellingQuerySet,
    DwellingStatus,
    EndReason,
    RentArrears,
    StockChange,
    Tenancy,
)

# The pathway stage a household reaches when its tenancy ends for one of
# the rent-to-own exit reasons.
EXIT_STAGES: dict[str, str] = {
    EndReason.BOUGHT_OWN_HOME: PathwayStage.BOUGHT_HOME,
    EndReason.PRIVATE_RENTAL: PathwayStage.PRIVATE_RENTAL,
}

# Constraint name → the form field its message belongs to; the message is
# the constraint's own `violation_error_message` on the model, so the
# database and the checks below speak with one voice.
CONSTRAINT_FIELDS: dict[str, str] = {
    "tenancy_one_running_per_dwelling": "dwelling",
    "tenancy_one_running_per_household": "household",
    "tenancy_end_not_before_start": "end_date",
    "tenancy_end_reason_iff_ended": "end_reason",
    "tenancy_rent_not_negative": "monthly_rent",
    "stock_change_price_not_negative": "price",
    "stock_change_valuation_not_negative": "valuation",
    "dwelling_disposed_not_before_acquired": "date",
    "arrears_amount_positive": "amount",
    "arrears_settled_not_before_due": "settled_on",
    "dwelling_reference_unique_per_municipality": "reference",
}


def constraint_errors() -> AbstractContextManager[None]:
    """A constraint of the dwellings app that refuses a row inside the block
    becomes a `DomainError` with the constraint's message, on its field."""
    return errors.constraint_errors(Dwelling, Tenancy, RentArrears, StockChange, fields=CONSTRAINT_FIELDS)


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "d.m.Y") if value else ""


# --- Queries -----------------------------------------------------------------


def vacant_since(today: datetime.date) -> Coalesce:
    """For a dwelling (the outer row), the day it fell vacant as of `today`:
    its last tenancy's end, else the day it was acquired (None if neither)."""
    last_end = (
        Tenancy.all_objects.filter(dwelling=OuterRef("pk"), end_date__lte=today)
        .order_by()
        .values("dwelling")
        .annotate(last=Max("end_date"))
        .values("last")
    )
    return Coalesce(Subquery(last_end, output_field=DateField()), F("acquired_on"))


def vacancies(today: datetime.date | None = None) -> DwellingQuerySet:
    """Vacant dwellings in stock, annotated in the database with
    `vacant_since` (the last tenancy's end date, else the acquisition date)
    and `vacant_for` (a timedelta up to `today`, None when unknown)."""
    today = today or timezone.localdate()
    next_start = (
        Tenancy.objects.filter(dwelling=OuterRef("pk"), start_date__gt=today)
        .order_by("start_date")
        .values("start_date")[:1]
    )
    return (
        Dwelling.objects.in_stock(today)
        .having_status(DwellingStatus.VACANT, today)
        .with_status(today)
        .annotate(
            vacant_since=vacant_since(today),
            next_tenancy_start=Subquery(next_start, output_field=DateField()),
        )
        .annotate(
            vacant_for=ExpressionWrapper(
                Value(today, output_field=DateField()) - F("vacant_since"), output_field=DurationField()
            )
        )
    )


def dwellings_with_tenant(today: datetime.date | None = None) -> DwellingQuerySet:
    """Dwellings with their status and, when let, the running tenancy's
    household reference and id: one query for a whole list page."""
    today = today or timezone.localdate()
    running = Tenancy.objects.filter(dwelling=OuterRef("pk")).running(on=today).order_by("-start_date")
    return Dwelling.objects.with_status(today).annotate(
        tenant_reference=Subquery(running.values("household__reference")[:1]),
        tenant_id=Subquery(running.values("household_id")[:1]),
    )


# --- Letting -----------------------------------------------------------------


def _overlapping(tenancies, start: datetime.date, end: datetime.date | None):
    """Tenancies whose period [start_date, end_date) meets [start, end).

    An open end is "for ever"; a tenancy that ends on the day another starts
    does not overlap it (the tenants move out on the end date).
    """
    qs = tenancies.filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
    if end is not None:
        qs = qs.filter(start_date__lt=end)
    return qs


@transaction.atomic
def let_dwelling(
    *,
    dwelling: Dwelling,
    household: Household,
    start_date: datetime.date,
    monthly_rent: Decimal,
    contract_type: str = ContractType.FIXED_TERM,
    contract_end: datetime.date | None = None,
) -> Tenancy:
    """Let `dwelling` to `household` from `start_date`; returns the new tenancy.

    Raises `DomainError` when the dwelling is sold or for sale, when either
    already has a tenancy that overlaps the new one (running or historical),
    or when the contract terms do not add up.
    """
    if dwelling.municipality_id != household.municipality_id:
        raise DomainError(_("Husstanden og boligen hører til ulike kommuner."))
    # Lock both rows so that two caseworkers letting at the same moment are
    # checked one after the other, not both against the same old state.
    dwelling = Dwelling.objects.select_for_update().get(pk=dwelling.pk)
    household = Household.objects.select_for_update().get(pk=household.pk)

    if dwelling.disposed_on is not None:
        raise DomainError(
            _("Boligen ble solgt %(date)s og kan ikke leies ut.") % {"date": _date(dwelling.disposed_on)},
            "dwelling",
        )
    if dwelling.for_sale:
        raise DomainError(
            _("Boligen er lagt ut for salg. Ta den av salg før du leier den ut."),
            "dwelling",
        )
    if dwelling.acquired_on and start_date < dwelling.acquired_on:
        raise DomainError(
            _("Leieforholdet kan ikke starte før boligen ble anskaffet (%(date)s).")
            % {"date": _date(dwelling.acquired_on)},
            "start_date",
        )
    if monthly_rent is None or monthly_rent < 0:
        raise DomainError(_("Husleien kan ikke være negativ."), "monthly_rent")
    if contract_type not in ContractType.values:
        raise DomainError(_("Velg kontraktstype."), "contract_type")
    if contract_type == ContractType.FIXED_TERM:
        if contract_end is None:
            raise DomainError(_("En tidsbestemt kontrakt må ha en dato den løper til."), "contract_end")
        if contract_end <= start_date:
            raise DomainError(_("Kontrakten må løpe til en dato etter startdatoen."), "contract_end")
    else:
        contract_end = None

    all_tenancies = Tenancy.objects.select_related("household", "dwelling")
    current = all_tenancies.filter(dwelling=dwelling, end_date__isnull=True).first()
    if current is not None:
        raise DomainError(
            _("Boligen er allerede utleid til husstand %(household)s fra %(start)s.")
            % {"household": current.household.reference, "start": _date(current.start_date)},
            "dwelling",
        )
    clash = _overlapping(all_tenancies.filter(dwelling=dwelling), start_date, None).first()
    if clash is not None:
        raise DomainError(
            _(
                "Boligen var utleid til husstand %(household)s fra %(start)s til %(end)s. "
                "Et nytt leieforhold kan tidligst starte %(end)s."
            )
            % {
                "household": clash.household.reference,
                "start": _date(clash.start_date),
                "end": _date(clash.end_date),
            },
            "start_date",
        )
    current = all_tenancies.filter(household=household, end_date__isnull=True).first()
    if current is not None:
        raise DomainError(
            _("Husstanden leier allerede bolig %(dwelling)s fra %(start)s. Avslutt det leieforholdet først.")
            % {"dwelling": current.dwelling.reference, "start": _date(current.start_date)},
            "household",
        )
    clash = _overlapping(all_tenancies.filter(household=household), start_date, None).first()
    if clash is not None:
        raise DomainError(
            _(
                "Husstanden leide bolig %(dwelling)s fra %(start)s til %(end)s. "
                "Et nytt leieforhold kan tidligst starte %(end)s."
            )
            % {
                "dwelling": clash.dwelling.reference,
                "start": _date(clash.start_date),
                "end": _date(clash.end_date),
            },
            "start_date",
        )

    with constraint_errors():
        return Tenancy.objects.create(
            municipality_id=dwelling.municipality_id,
            household=household,
            dwelling=dwelling,
            start_date=start_date,
            monthly_rent=monthly_rent,
            contract_type=contract_type,
            contract_end=contract_end,
        )


@dataclass(frozen=True)
class TenancyEnded:
    """What `end_tenancy` did: the ended tenancy, and the pathway stage the
    household moved to because of it (None when its stage stayed)."""

    tenancy: Tenancy
    new_stage: str | None = None

    @property
    def new_stage_label(self) -> str | None:
        return PathwayStage(self.new_stage).label if self.new_stage else None


@dataclass(frozen=True)
class NewAddress:
    """Where the household moves when its tenancy ends: a postal address, or
    `unknown=True` when the office does not know it yet."""

    address: str = ""
    postal_code: str = ""
    postal_place: str = ""
    unknown: bool = False


@transaction.atomic
def end_tenancy(
    tenancy: Tenancy, *, end_date: datetime.date, end_reason: str, new_address: NewAddress | None, by
) -> TenancyEnded:
    """End `tenancy` on `end_date` for `end_reason`; says what it did.

    The household leaves the dwelling, so it gets `new_address` as its postal
    address (or its address is marked unknown: then no letter goes to it
    until a new one is registered), in the audit trail as any change of the
    household. `new_address=None` means the household stays where it lives:
    it bought the dwelling (`dwellings.stock.sell_to_tenant`). When the
    household bought its own home or moved to a private rental, its pathway
    stage moves on too (with a stage-history row). All in one transaction:
    either everything happens or nothing.
    """
    tenancy = Tenancy.objects.select_for_update().select_related("household", "dwelling").get(pk=tenancy.pk)
    if tenancy.end_date is not None:
        raise DomainError(
            _("Leieforholdet ble allerede avsluttet %(date)s.") % {"date": _date(tenancy.end_date)}
        )
    if end_reason not in EndReason.values:
        raise DomainError(_("Velg årsak til avslutningen."), "end_reason")
    if end_date is None:
        raise DomainError(_("Skriv inn sluttdato."), "end_date")
    if end_date < tenancy.start_date:
        raise DomainError(
            _("Sluttdatoen kan ikke være før startdatoen (%(date)s).") % {"date": _date(tenancy.start_date)},
            "end_date",
        )
    # A later tenancy (e.g. imported) may already have begun before this end.
    later = (
        Tenancy.objects.filter(Q(dwelling_id=tenancy.dwelling_id) | Q(household_id=tenancy.household_id))
        .exclude(pk=tenancy.pk)
        .filter(start_date__gte=tenancy.start_date, start_date__lt=end_date)
        .order_by("start_date")
        .first()
    )
    if later is not None:
        raise DomainError(
            _("Et annet leieforhold starter %(date)s. Sluttdatoen kan ikke være etter det.")
            % {"date": _date(later.start_date)},
            "end_date",
        )

    dwelling = tenancy.dwelling
    if (
        new_address is not None
        and not new_address.unknown
        and new_address.address.strip().casefold() == dwelling.address.strip().casefold()
        and new_address.postal_code.strip() == dwelling.postal_code
    ):
        raise DomainError(
            _(
                "Dette er adressen til boligen husstanden flytter fra. Fyll ut den nye adressen, "
                "eller kryss av for at den er ukjent."
            ),
            "address",
        )

    tenancy.end_date = end_date
    tenancy.end_reason = end_reason
    with constraint_errors():
        tenancy.save(update_fields=["end_date", "end_reason", "updated_at"])
    if new_address is not None:
        change_address(
            tenancy.household,
            address=new_address.address,
            postal_code=new_address.postal_code,
            postal_place=new_address.postal_place,
            unknown=new_address.unknown,
            by=by,
        )

    stage = EXIT_STAGES.get(end_reason)
    if stage is None:
        return TenancyEnded(tenancy)
    change = change_stage(
        tenancy.household,
        stage,
        by=by,
        reason=_("Leieforholdet ble avsluttet: %(reason)s")
        % {"reason": str(EndReason(end_reason).label).lower()},
    )
    return TenancyEnded(tenancy, new_stage=stage if change is not None else None)


# --- Stock changes -----------------------------------------------------------


@transaction.atomic
def record_stock_change(
    dwelling: Dwelling,
    *,
    kind: str,
    date: datetime.date,
    price: Decimal | None = None,
    valuation: Decimal | None = None,
    note: str = "",
    by=None,
) -> StockChange:
    """Record the purchase or sale of `dwelling` and set its acquired_on or
    disposed_on; a sale also takes it off the for-sale list. Returns the row.

    A sale is refused while the dwelling is let on the sale date or later.
    """
    dwelling = Dwelling.objects.select_for_update().get(pk=dwelling.pk)
    if kind not in StockChange.Kind.values:
        raise DomainError(_("Ukjent type endring."), "kind")
    if date is None:
        raise DomainError(_("Skriv inn dato."), "date")
    if price is not None and price < 0:
        raise DomainError(_("Prisen kan ikke være negativ."), "price")
    if valuation is not None and valuation < 0:
        raise DomainError(_("Taksten kan ikke være negativ."), "valuation")
    if StockChange.objects.filter(dwelling=dwelling, kind=kind).exists():
        message = (
            _("Kjøpet av boligen er allerede registrert.")
            if kind == StockChange.Kind.ACQUIRED
            else _("Salget av boligen er allerede registrert.")
        )
        raise DomainError(message)

    if kind == StockChange.Kind.ACQUIRED:
        if dwelling.disposed_on and date > dwelling.disposed_on:
            raise DomainError(
                _("Kjøpsdatoen kan ikke være etter salgsdatoen (%(date)s).")
                % {"date": _date(dwelling.disposed_on)},
                "date",
            )
        dwelling.acquired_on = date
        update = ["acquired_on", "updated_at"]
    else:
        if dwelling.acquired_on and date < dwelling.acquired_on:
            raise DomainError(
                _("Salgsdatoen kan ikke være før anskaffelsesdatoen (%(date)s).")
                % {"date": _date(dwelling.acquired_on)},
                "date",
            )
        let = (
            Tenancy.objects.filter(dwelling=dwelling)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=date))
            .select_related("household")
            .order_by("start_date")
            .first()
        )
        if let is not None:
            raise DomainError(
                _(
                    "Boligen kan ikke selges mens den er utleid (husstand %(household)s fra %(start)s). "
                    "Avslutt leieforholdet først. Kjøper leietakeren boligen, registrer det fra "
                    "leieforholdet («Leietakeren kjøper boligen»)."
                )
                % {"household": let.household.reference, "start": _date(let.start_date)},
                "date",
            )
        dwelling.disposed_on = date
        dwelling.for_sale = False
        update = ["disposed_on", "for_sale", "updated_at"]

    with constraint_errors():
        change = StockChange.objects.create(
            municipality_id=dwelling.municipality_id,
            dwelling=dwelling,
            kind=kind,
            date=date,
            price=price,
            valuation=valuation,
            note=(note or "").strip(),
            recorded_by=by,
        )
        dwelling.save(update_fields=update)
    return change


def set_for_sale(dwelling: Dwelling, for_sale: bool) -> Dwelling:
    """Put the dwelling up for sale, or take it off; a sold one cannot be."""
    if dwelling.disposed_on is not None:
        raise DomainError(_("Boligen er allerede solgt."))
    dwelling.for_sale = for_sale
    dwelling.save(update_fields=["for_sale", "updated_at"])
    return dwelling
