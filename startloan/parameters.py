"""The start-loan parameters the leader keeps for each year: interest rates,
stress additions, bank criteria and the living-cost tables, their published
defaults, and their translation into `startloan.affordability`'s terms.
(`services.ensure_default_parameters` and `services.parameters_for` find or
make a year's row.)"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from housing_office.errors import DomainError

from . import affordability as aff
from .models import (
    LivingCostBasis,
    LivingCostRate,
    LoanParameters,
    MemberType,
    RateTableKind,
    Sex,
    SifoHouseholdRate,
    SifoPersonRate,
)

PERCENT = Decimal("100")

# The guideline rates for financial social assistance from 1 Jan 2024
# ("Statlege rettleiande retningslinjer for økonomisk stønad for 2024",
# rundskriv A-3/2023, https://www.regjeringen.no/no/dokumenter/rundskriv-a-32023-
# statlege-rettleiande-retningslinjer-for-okonomisk-stonad-for-2024/id3020040/),
# the floor Husbanken requires, and as the standard budget the bailiff's
# living-cost rates (namsmannens livsoppholdssatser) from 1 Jul 2023, used
# for debt settlement and wage deductions, with 20 % less from the 4th member
# (https://www.regjeringen.no/no/tema/forbruker/gjeldsordning/livsoppholdssatser/id691824/).
# These are not SIFO's reference budget; the leader names the basis and its
# date (`LoanParameters.living_cost_basis`) and replaces the figures each year.
# A couple in the bailiff's rates is 2 × 8,817.
DEFAULT_RATES: dict[str, list[tuple[str, int | None, int | None, int]]] = {
    RateTableKind.GUIDELINE: [
        (MemberType.SINGLE_ADULT, None, None, 7850),
        (MemberType.COUPLE, None, None, 13100),
        (MemberType.OTHER_ADULT, None, None, 6600),
        (MemberType.CHILD, 0, 5, 3850),
        (MemberType.CHILD, 6, 10, 3950),
        (MemberType.CHILD, 11, 17, 5150),
    ],
    RateTableKind.STANDARD: [
        (MemberType.SINGLE_ADULT, None, None, 10412),
        (MemberType.COUPLE, None, None, 2 * 8817),
        (MemberType.OTHER_ADULT, None, None, 10412),
        (MemberType.CHILD, 0, 5, 3332),
        (MemberType.CHILD, 6, 10, 4420),
        (MemberType.CHILD, 11, 14, 5580),
        (MemberType.CHILD, 15, None, 6418),
    ],
}

# Husbanken's floating rate from 1 Jul 2024 (husbanken.no/rente) and Norges
# Bank's policy rate in 2024. The leader must confirm them for each year; an
# assessment on unconfirmed rates says so.
ELECTRICITY_SOURCE = "SSB: strømforbruk etter boligtype (2012) og strømpris for husholdninger 1. kvartal 2024"

DEFAULT_PARAMETERS: dict[str, Any] = {
    "husbanken_rate": Decimal("4.640"),
    "municipal_markup": Decimal("0.25"),
    "policy_rate": Decimal("4.50"),
    "stress_addition": Decimal("2.5"),
    "term_fee": Decimal("0"),
    "fee_documented": False,
    "document_duty": Decimal("2.5"),
    "cooperative_costs": Decimal("5000"),
    "bank_rate": Decimal("5.5"),
    "bank_term_years": 30,
    "bank_stress_addition": Decimal("3"),
    "bank_stress_floor": Decimal("7"),
    "bank_max_debt_to_income": Decimal("5"),
    "bank_max_loan_to_value": Decimal("90"),
    "reduce_from_member": 4,
    "reduction_percent": Decimal("20"),
    # Husbanken's fixed rates are published monthly; none until the leader
    # enters them (a fixed rate then falls back to the floating one, and says so).
    "fixed_rate_3": None,
    "fixed_rate_5": None,
    "fixed_rate_10": None,
    "fixed_rate_20": None,
    "living_cost_basis": LivingCostBasis.BAILIFF,
    "living_cost_basis_date": datetime.date(2023, 7, 1),
    "guideline_date": datetime.date(2024, 1, 1),
    # Electricity and heating by dwelling size (neither SIFO's budget nor the
    # guideline rates include electricity): a year's consumption times the
    # price households paid, a month. Consumption: Statistics Norway's survey
    # of household energy use by dwelling type, 2012, which SSB still calls
    # relevant (flat in a block 8,953 kWh, terraced house 14,975 kWh,
    # detached house 20,211 kWh a year; "Hva er gjennomsnittlig strømforbruk
    # i husholdningene?", https://www.ssb.no/energi-og-industri/energi/artikler/
    # hva-er-gjennomsnittlig-stromforbruk-i-husholdningene). The size bands
    # stand for those types: up to 50 m² a flat, up to 90 m² a terraced
    # house, larger a detached house. Price: SSB's electricity prices for
    # households, 1st quarter 2024, power, grid rent and taxes less the
    # electricity support, 137.5 øre/kWh (https://www.ssb.no/energi-og-industri/
    # energi/statistikk/elektrisitetspriser); a winter quarter, so prudent.
    # 8,953 × 1.375 / 12 = 1,025.86 → 1,026; 14,975 × 1.375 / 12 = 1,715.89
    # → 1,716; 20,211 × 1.375 / 12 = 2,315.84 → 2,316. The leader replaces
    # them with local figures (grid rent, the area's price) with their source.
    "electricity_up_to_50": Decimal("1026"),
    "electricity_up_to_90": Decimal("1716"),
    "electricity_over_90": Decimal("2316"),
    "electricity_source": ELECTRICITY_SOURCE,
    "electricity_valid_from": datetime.date(2024, 1, 1),
}

FIXED_RATE_FIELDS = {3: "fixed_rate_3", 5: "fixed_rate_5", 10: "fixed_rate_10", 20: "fixed_rate_20"}


def create_default_rates(parameters: LoanParameters) -> None:
    LivingCostRate.all_objects.bulk_create(
        LivingCostRate(
            parameters=parameters, table=table, member=member, from_age=lo, to_age=hi, amount=Decimal(amount)
        )
        for table, rows in DEFAULT_RATES.items()
        for member, lo, hi, amount in rows
    )


@transaction.atomic
def copy_parameters(source: LoanParameters, year: int) -> LoanParameters:
    """Start a new year from an earlier year's figures (not yet confirmed)."""
    if LoanParameters.all_objects.filter(municipality_id=source.municipality_id, year=year).exists():
        raise DomainError(_("Det finnes allerede satser for %(year)s.") % {"year": year})
    rates = list(LivingCostRate.all_objects.filter(parameters=source))
    values = {name: getattr(source, name) for name in DEFAULT_PARAMETERS}
    new = LoanParameters.all_objects.create(municipality_id=source.municipality_id, year=year, **values)
    LivingCostRate.all_objects.bulk_create(
        LivingCostRate(
            parameters=new,
            table=r.table,
            member=r.member,
            from_age=r.from_age,
            to_age=r.to_age,
            amount=r.amount,
        )
        for r in rates
    )
    SifoPersonRate.all_objects.bulk_create(
        SifoPersonRate(parameters=new, sex=r.sex, from_age=r.from_age, to_age=r.to_age, **_items(r))
        for r in SifoPersonRate.all_objects.filter(parameters=source)
    )
    SifoHouseholdRate.all_objects.bulk_create(
        SifoHouseholdRate(parameters=new, household_size=r.household_size, **_items(r))
        for r in SifoHouseholdRate.all_objects.filter(parameters=source)
    )
    return new


def _items(row: SifoPersonRate | SifoHouseholdRate) -> dict[str, Decimal]:
    return {name: getattr(row, name) for name in row.ITEMS}


def sifo_budget(parameters: LoanParameters) -> aff.SifoBudget:
    """SIFO's reference budget as the leader keeps it for the year."""
    persons = tuple(
        aff.SifoPersonBand(r.sex, r.from_age, r.to_age, r.total)
        for r in SifoPersonRate.all_objects.filter(parameters=parameters)
    )
    households = tuple(
        (r.household_size, r.total) for r in SifoHouseholdRate.all_objects.filter(parameters=parameters)
    )
    return aff.SifoBudget(persons, households, name=parameters.living_cost_basis_name)


def sifo_table_errors(
    persons: Iterable[Mapping[str, Any]], households: Iterable[Mapping[str, Any]]
) -> list[str]:
    """What is wrong with SIFO tables (dicts with sex, from_age, to_age; and
    household_size) for use as the standard budget: each sex needs age bands
    from 0 without gaps or overlaps, the last open-ended; household sizes
    from 1 without gaps."""
    errors: list[str] = []
    persons = list(persons)
    for sex, label in Sex.choices:
        bands = sorted((r["from_age"], r["to_age"]) for r in persons if r["sex"] == sex)
        expected: int | None = 0
        for lo, hi in bands or [(None, None)]:
            if expected is None or lo != expected:
                errors.append(
                    _("SIFO, %(sex)s: aldersgruppene må henge sammen fra 0 år uten overlapp (se %(age)s år).")
                    % {"sex": label, "age": 0 if lo is None else lo}
                )
                break
            expected = None if hi is None else hi + 1
        else:
            if expected is not None:
                errors.append(
                    _("SIFO, %(sex)s: den siste aldersgruppen må være uten øvre grense («og eldre»).")
                    % {"sex": label}
                )
    sizes = sorted(r["household_size"] for r in households)
    if not sizes or sizes != list(range(1, len(sizes) + 1)):
        errors.append(_("SIFO: husholdningspostene må ha én rad for hver størrelse fra 1 person uten hull."))
    return errors


def sifo_incomplete(sifo: aff.SifoBudget) -> list[str]:
    """What keeps SIFO's tables as kept from being used (empty: usable)."""
    return sifo_table_errors(
        ({"sex": b.sex, "from_age": b.from_age, "to_age": b.to_age} for b in sifo.persons),
        ({"household_size": size} for size, _amount in sifo.households),
    )


def basis_in_use(parameters: LoanParameters) -> dict[str, Any]:
    """The living-cost basis the year's assessments use, by name, and
    whether SIFO was chosen without its tables (the guideline is used then)."""
    rows = list(LivingCostRate.all_objects.filter(parameters=parameters))
    name = standard_budget(parameters, rows).name
    sifo_chosen = parameters.living_cost_basis == LivingCostBasis.SIFO
    return {"name": name, "sifo_missing": sifo_chosen and name != parameters.living_cost_basis_name}


def standard_budget(parameters: LoanParameters, rows: list[LivingCostRate]) -> aff.RateTable | aff.SifoBudget:
    """The standard budget named by the year's basis: SIFO's reference
    budget, the guideline rates themselves, or the bailiff's rates (the
    per-member table, with its reduction from the 4th member)."""
    p = parameters
    if p.living_cost_basis == LivingCostBasis.SIFO:
        sifo = sifo_budget(p)
        if not sifo_incomplete(sifo):
            return sifo
    if p.living_cost_basis in (LivingCostBasis.SIFO, LivingCostBasis.GUIDELINE):
        # SIFO chosen with tables not (fully) kept — say, set in the admin,
        # or a year copied before they were filled in — is never read as
        # nothing: the guideline rates Husbanken requires as the floor are
        # the standard, and the name says so on every assessment.
        name = p.living_cost_basis_name
        if p.living_cost_basis == LivingCostBasis.SIFO:
            name = _("%(guideline)s – SIFO-tabellene for %(year)s er ikke fylt ut") % {
                "guideline": LivingCostBasis.GUIDELINE.label,
                "year": p.year,
            }
        return _table(rows, RateTableKind.GUIDELINE, reduce_from=None, reduction=Decimal("0"), name=name)
    return _table(
        rows,
        RateTableKind.STANDARD,
        reduce_from=p.reduce_from_member,
        reduction=p.reduction_percent / PERCENT,
        name=p.living_cost_basis_name,
    )


def _table(
    rows: Iterable[LivingCostRate], kind: str, *, reduce_from: int | None, reduction: Decimal, name: str
):
    rows = [r for r in rows if r.table == kind]
    by_member = {r.member: r.amount for r in rows if r.member != MemberType.CHILD}
    children = tuple(
        aff.ChildRate(r.from_age or 0, r.to_age, r.amount)
        for r in sorted((r for r in rows if r.member == MemberType.CHILD), key=lambda r: r.from_age or 0)
    )
    single = by_member.get(MemberType.SINGLE_ADULT, Decimal("0"))
    return aff.RateTable(
        single_adult=single,
        couple=by_member.get(MemberType.COUPLE, 2 * single),
        other_adult=by_member.get(MemberType.OTHER_ADULT, single),
        children=children,
        reduce_from_member=reduce_from,
        reduction=reduction,
        name=name,
    )


def to_affordability(parameters: LoanParameters) -> aff.Parameters:
    """Translate a parameters row (percent) into the pure module's terms (fractions)."""
    rows = list(LivingCostRate.all_objects.filter(parameters=parameters))
    p = parameters
    return aff.Parameters(
        year=p.year,
        husbanken_rate=p.husbanken_rate / PERCENT,
        municipal_markup=p.municipal_markup / PERCENT,
        policy_rate=p.policy_rate / PERCENT,
        stress_addition=p.stress_addition / PERCENT,
        term_fee=p.term_fee,
        fee_documented=p.fee_documented,
        document_duty_rate=p.document_duty / PERCENT,
        cooperative_costs=p.cooperative_costs,
        bank_rate=p.bank_rate / PERCENT,
        bank_term_years=p.bank_term_years,
        bank_stress_addition=p.bank_stress_addition / PERCENT,
        bank_stress_floor=p.bank_stress_floor / PERCENT,
        bank_max_debt_to_income=p.bank_max_debt_to_income,
        bank_max_loan_to_value=p.bank_max_loan_to_value / PERCENT,
        guideline=_table(
            rows, RateTableKind.GUIDELINE, reduce_from=None, reduction=Decimal("0"), name=p.guideline_name
        ),
        standard=standard_budget(p, rows),
        fixed_rates={
            years: getattr(p, name) / PERCENT
            for years, name in FIXED_RATE_FIELDS.items()
            if getattr(p, name) is not None
        },
        electricity=(
            aff.ElectricityBand(50, p.electricity_up_to_50),
            aff.ElectricityBand(90, p.electricity_up_to_90),
            aff.ElectricityBand(None, p.electricity_over_90),
        ),
        electricity_basis=p.electricity_basis,
        reviewed=p.updated_by_id is not None,
    )


def rate_table_errors(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """What is wrong with a set of living-cost rows (dicts with table,
    member, from_age, to_age): each table needs each adult type once, and
    child bands from age 0 through 17 without gaps or overlaps."""
    errors: list[str] = []
    rows = list(rows)
    for kind, label in RateTableKind.choices:
        errors += _one_table_errors([r for r in rows if r["table"] == kind], str(label))
    return errors


def _one_table_errors(in_table: list[Mapping[str, Any]], label: str) -> list[str]:
    errors: list[str] = []
    for member, member_label in MemberType.choices:
        if member == MemberType.CHILD:
            continue
        if sum(1 for r in in_table if r["member"] == member) != 1:
            errors.append(
                _("%(table)s: «%(member)s» må stå nøyaktig én gang.")
                % {"table": label, "member": member_label}
            )
    bands = sorted(
        ((r["from_age"], r["to_age"]) for r in in_table if r["member"] == MemberType.CHILD),
        key=lambda band: band[0] if band[0] is not None else -1,
    )
    expected = 0
    for index, (lo, hi) in enumerate(bands):
        if lo is None:
            return [
                *errors,
                _("%(table)s: hver aldersgruppe for barn må ha en fra-alder.") % {"table": label},
            ]
        if lo != expected:
            return [
                *errors,
                _("%(table)s: aldersgruppene for barn må henge sammen fra 0 år (se %(age)s år).")
                % {"table": label, "age": min(lo, expected)},
            ]
        if hi is None:
            if index + 1 < len(bands):
                return [
                    *errors,
                    _("%(table)s: en aldersgruppe uten øvre grense må være den siste.") % {"table": label},
                ]
            return errors
        expected = hi + 1
    if expected < 18:
        errors.append(
            _("%(table)s: aldersgruppene for barn må dekke alle barn til og med 17 år.") % {"table": label}
        )
    return errors
