"""Affordability pre-assessment (*betjeningsevne*) for a start loan.

Pure arithmetic: no database, no HTTP. The rules and formulas are those of
Husbanken's guide to assessing affordability ("Beregne betjeningsevnen",
https://www.husbanken.no/veiledere/startlan/) and, for the bank part,
utlånsforskriften (forskrift om krav til finansforetakenes utlånspraksis for
lån med pant i bolig). The loan maths is in `startloan.loan_maths`, the
living-cost tables in `startloan.budget`; their names are re-exported here,
so `affordability` stays the one module callers need; the findings in
words are made in `startloan.findings`.

The conventions (money, rates, the one rounding) are set out in
`startloan.loan_maths`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType, SimpleNamespace

from .budget import (
    ChildRate,
    ElectricityBand,
    HouseholdComposition,
    Member,
    RateTable,
    SifoBudget,
    SifoPersonBand,
    default_electricity,
)
from .findings import Finding, Level, findings
from .loan_maths import (
    ZERO,
    DebtKind,
    DebtService,
    ExistingDebt,
    Ownership,
    PaymentPlan,
    Purpose,
    Repayment,
    _kr,
    _precise,
    annuity_payment,
    debt_service,
    max_principal,
    max_principal_stressed,
    payment_plan,
    serial_payment,
    standard_purchase_costs,
    stressed_highest_payment,
)

__all__ = [
    "Assessment",
    "ChildRate",
    "DebtKind",
    "DebtService",
    "ElectricityBand",
    "ExistingDebt",
    "Finding",
    "HouseholdComposition",
    "Inputs",
    "Level",
    "Member",
    "Ownership",
    "Parameters",
    "PaymentPlan",
    "Purpose",
    "RateTable",
    "Repayment",
    "SifoBudget",
    "SifoPersonBand",
    "_kr",
    "annuity_payment",
    "assess",
    "max_principal",
    "payment_plan",
    "serial_payment",
    "standard_purchase_costs",
]


# --------------------------------------------------------------------------
# Inputs, parameters, result
# --------------------------------------------------------------------------

NORMAL_TERM = 30
EXTENDED_TERM = 50


@dataclass(frozen=True)
class Parameters:
    """A municipality's rates and tables for one year (all rates as fractions)."""

    year: int
    husbanken_rate: Decimal
    municipal_markup: Decimal
    policy_rate: Decimal
    guideline: RateTable
    # The standard budget: the bailiff's rates or the guideline (per member),
    # or SIFO's reference budget (per person and household size).
    standard: RateTable | SifoBudget
    stress_addition: Decimal = Decimal("0.025")
    # Husbanken allows a fee only for documented costs beyond what the markup
    # brings in, and then not on top of the markup ("Gebyr kommunen kan ta
    # for et startlån", https://www.husbanken.no/kommune/startlaan/veileder/
    # renter-og-avdragsvilkar/fast-eller-flytende-rente/gebyr/): none by default.
    term_fee: Decimal = ZERO
    fee_documented: bool = False
    document_duty_rate: Decimal = Decimal("0.025")
    cooperative_costs: Decimal = Decimal("5000")
    bank_rate: Decimal = Decimal("0.055")
    bank_term_years: int = 30
    bank_stress_addition: Decimal = Decimal("0.03")
    bank_stress_floor: Decimal = Decimal("0.07")
    bank_max_debt_to_income: Decimal = Decimal("5")
    bank_max_loan_to_value: Decimal = Decimal("0.90")
    # Husbanken's fixed rates by binding period in years (fractions).
    fixed_rates: Mapping[int, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    electricity: tuple[ElectricityBand, ...] = ()
    # Where the electricity amounts come from and from when, e.g. "NVE …
    # (1.1.2026)"; empty: an estimate nobody has sourced.
    electricity_basis: str = ""
    reviewed: bool = True

    @property
    def loan_rate(self) -> Decimal:
        return self.husbanken_rate + self.municipal_markup

    def rate_for(self, fixed_years: int | None) -> Decimal | None:
        """The start loan's rate with a fixed rate for `fixed_years` (the
        municipal markup added), None when that fixed rate is not known."""
        if not fixed_years:
            return self.loan_rate
        fixed = self.fixed_rates.get(fixed_years)
        return None if fixed is None else fixed + self.municipal_markup

    @property
    def stress_rate(self) -> Decimal:
        """Husbanken's *kalkulasjonsrente*: policy rate + 2.5 pp (which already
        includes the municipal markup)."""
        return self.policy_rate + self.stress_addition

    @property
    def bank_stress_rate(self) -> Decimal:
        return max(self.bank_rate + self.bank_stress_addition, self.bank_stress_floor)


@dataclass(frozen=True)
class Inputs:
    household: HouseholdComposition
    purchase_price: Decimal
    amount_applied: Decimal
    monthly_net_income: Decimal
    annual_gross_income: Decimal
    purpose: str = Purpose.PURCHASE
    ownership_form: str = Ownership.FREEHOLD
    # None: the standard costs (document duty or the cooperative sum).
    purchase_costs: Decimal | None = None
    equity: Decimal = ZERO
    bank_loan: Decimal = ZERO
    grant_applied: Decimal = ZERO
    # Debt the household keeps, one by one; `existing_debt` beyond their
    # balances is debt not yet specified (older applications).
    debts: tuple[ExistingDebt, ...] = ()
    existing_debt: Decimal = ZERO
    # A housing cooperative's common debt (fellesgjeld) on the unit, and the
    # monthly common costs (felleskostnader) including its interest and
    # instalments.
    common_debt: Decimal = ZERO
    monthly_common_costs: Decimal = ZERO
    # Tax-free income on lines of their own.
    monthly_child_benefit: Decimal = ZERO
    monthly_housing_allowance: Decimal = ZERO
    monthly_child_support: Decimal = ZERO
    monthly_fixed_costs: Decimal = ZERO
    # None: the standard budget (the parameters' basis) is used.
    monthly_living_costs: Decimal | None = None
    monthly_housing_costs: Decimal = ZERO
    # None: the leader's default for the dwelling's size.
    monthly_electricity: Decimal | None = None
    dwelling_area: int | None = None
    term_years: int = NORMAL_TERM
    interest_only_years: int = 0
    repayment_type: str = Repayment.ANNUITY
    fixed_rate_years: int | None = None
    long_term_conditions_documented: bool = False


@dataclass(frozen=True)
class Assessment:
    """Every figure of the assessment, in whole kroner (rates as fractions).
    Snapshots stored before a field existed lack its key; readers treat a
    missing key as "not assessed"."""

    year: int
    # Household and living costs
    adults: int
    couple: bool
    children_ages: tuple[int | None, ...]
    living_costs_standard: Decimal
    living_costs_actual: Decimal | None
    living_costs_guideline: Decimal
    living_costs_used: Decimal
    guideline_floor_applied: bool
    living_cost_basis: str
    guideline_basis: str
    # Monthly budget
    monthly_net_income: Decimal
    monthly_child_benefit: Decimal
    monthly_housing_allowance: Decimal
    monthly_child_support: Decimal
    monthly_income_total: Decimal
    monthly_fixed_costs: Decimal
    monthly_housing_costs: Decimal
    monthly_common_costs: Decimal
    monthly_electricity: Decimal
    electricity_standard: bool
    debt_lines: tuple[dict, ...]
    monthly_debt_payments: Decimal
    disposable: Decimal
    # Rates
    loan_rate: Decimal
    fixed_rate_years: int | None
    stress_rate: Decimal
    bank_rate: Decimal
    bank_stress_rate: Decimal
    term_fee: Decimal
    # The start loan as applied for
    amount_applied: Decimal
    payment_first: Decimal
    payment_highest: Decimal
    payment_interest_only: Decimal | None
    payment_after_interest_only: Decimal | None
    total_interest: Decimal
    payment_stress: Decimal
    # Existing debt and the common debt in the stress test
    debt_payments_stress: Decimal
    common_debt: Decimal
    common_debt_stress: Decimal
    # The bank loan, at the stress rate and at the bank's own stress rate
    bank_loan: Decimal
    has_bank_loan: bool
    bank_payment_stress: Decimal
    bank_payment_bank_stress: Decimal
    margin_stress: Decimal
    passes_stress_test: bool
    # Capacity and financing: the largest loan as applied for, at 30 years,
    # at up to 50 where allowed and with the best fixed rate; the grant need
    # after those have been tried.
    max_loan: Decimal
    max_loan_normal_term: Decimal
    max_loan_extended_term: Decimal | None
    max_loan_fixed: Decimal | None
    max_loan_fixed_years: int | None
    max_loan_best: Decimal
    purchase_price: Decimal
    purchase_costs: Decimal
    purchase_costs_standard: bool
    total_cost: Decimal
    equity: Decimal
    grant_applied: Decimal
    grant_need: Decimal
    financing_gap: Decimal
    overfinancing: Decimal
    # The bank part's own limits (utlånsforskriften)
    total_debt: Decimal
    debt_to_income: Decimal | None
    debt_limit_ok: bool
    loan_to_value: Decimal | None
    loan_to_value_ok: bool
    bank_stress_margin: Decimal
    bank_stress_ok: bool
    findings: tuple[Finding, ...] = field(default=())
    electricity_basis: str = ""

    @property
    def usable_as_decision_basis(self) -> bool:
        """An overfinanced case is no basis for a decision."""
        return self.overfinancing <= 0

    def as_dict(self) -> dict:
        """A JSON-ready snapshot: Decimals as strings, findings as dicts."""

        def encode(value):
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, tuple | list):
                return [encode(v) for v in value]
            if isinstance(value, dict):
                return {k: encode(v) for k, v in value.items()}
            return value

        return encode(asdict(self))


# --------------------------------------------------------------------------
# The assessment
# --------------------------------------------------------------------------


_NO_PAYMENTS = PaymentPlan(ZERO, ZERO, None, None, ZERO)


def _unspecified_debt(inputs: Inputs) -> Decimal:
    return max(ZERO, inputs.existing_debt - sum((d.balance for d in inputs.debts), ZERO))


def _debt_services(inputs: Inputs, p: Parameters) -> list[DebtService]:
    """Every existing debt serviced; debt entered only as a sum (older
    applications) as an 'other' debt at the start loan's rate over 5 years."""
    debts = list(inputs.debts)
    unspecified = _unspecified_debt(inputs)
    if unspecified > 0:
        debts.append(ExistingDebt(DebtKind.OTHER, unspecified, p.loan_rate))
    return [debt_service(d, p.stress_rate) for d in debts]


def _largest_loan(
    available: Decimal, inputs: Inputs, p: Parameters, years: int, fixed: int | None
) -> Decimal:
    rate = p.rate_for(fixed)
    assert rate is not None
    return max_principal_stressed(
        available,
        rate,
        p.stress_rate,
        years,
        repayment=inputs.repayment_type,
        interest_only_years=inputs.interest_only_years if inputs.interest_only_years < years else 0,
        fixed_years=min(fixed or 0, years),
        fee=p.term_fee,
    )


def assess(inputs: Inputs, parameters: Parameters) -> Assessment:
    """Assess whether the household can carry the start loan (and the bank
    loan and the debt it keeps) at the stress rate, and what it can carry at
    most."""
    p = parameters
    h = inputs.household
    with _precise():
        # Living costs: actual (or the standard budget), never below the
        # social-assistance guideline rate for the household (Husbanken,
        # https://www.husbanken.no/kommune/startlaan/veileder/beregne-betjeningsevnen/).
        standard = p.standard.monthly_total(h)
        guideline = p.guideline.monthly_total(h)
        base = inputs.monthly_living_costs if inputs.monthly_living_costs is not None else standard
        living = max(base, guideline)
        floor_applied = guideline > base

        electricity_standard = inputs.monthly_electricity is None
        electricity = (
            default_electricity(p.electricity, inputs.dwelling_area)
            if electricity_standard
            else inputs.monthly_electricity
        )
        income = (
            inputs.monthly_net_income
            + inputs.monthly_child_benefit
            + inputs.monthly_housing_allowance
            + inputs.monthly_child_support
        )
        services = _debt_services(inputs, p)
        debt_now = sum((s.payment for s in services), ZERO)
        debt_stress = sum((s.payment_stress for s in services), ZERO)
        # The cooperative's common debt floats with the market like the start
        # loan: its interest rises by as much as the stress raises the start
        # loan's floating rate.
        common_stress = inputs.common_debt * max(ZERO, p.stress_rate - p.loan_rate) / 12
        disposable = (
            income
            - living
            - inputs.monthly_fixed_costs
            - inputs.monthly_housing_costs
            - inputs.monthly_common_costs
            - electricity
            - debt_now
        )
        # What the loans can use in the stress test.
        stressed_room = disposable - (debt_stress - debt_now) - common_stress

        fixed = inputs.fixed_rate_years or None
        fixed_known = p.rate_for(fixed) is not None
        rate = p.rate_for(fixed) if fixed_known else p.loan_rate
        fixed_used = fixed if fixed_known else None
        has_loan = inputs.amount_applied > 0
        plan_args = {
            "repayment": inputs.repayment_type,
            "interest_only_years": inputs.interest_only_years,
            "fee": p.term_fee,
        }
        loan_plan = (
            payment_plan(inputs.amount_applied, rate, inputs.term_years, **plan_args)
            if has_loan
            else _NO_PAYMENTS
        )
        payment_stress = (
            stressed_highest_payment(
                inputs.amount_applied,
                rate,
                p.stress_rate,
                inputs.term_years,
                fixed_years=fixed_used or 0,
                **plan_args,
            )
            if has_loan
            else ZERO
        )

        # The bank loan is carried too; Husbanken's stress rate applies to
        # every loan in the household's budget.
        has_bank_loan = inputs.bank_loan > 0
        bank_stress = (
            annuity_payment(inputs.bank_loan, p.stress_rate, 12 * p.bank_term_years)
            if has_bank_loan
            else ZERO
        )
        bank_own_stress = (
            annuity_payment(inputs.bank_loan, p.bank_stress_rate, 12 * p.bank_term_years)
            if has_bank_loan
            else ZERO
        )
        margin = stressed_room - payment_stress - bank_stress
        passes = margin >= 0

        # What is left after the bank loan is what the start loan can use:
        # as applied for; at 30 years; at up to 50 where the four conditions
        # are documented; with the longest fixed rate known. Husbanken: a
        # longer term (and a fixed rate) before a grant
        # (https://husbanken.no/tilskudd/etablering-i-egen-bolig/).
        room = stressed_room - bank_stress
        max_loan = _largest_loan(room, inputs, p, inputs.term_years, fixed_used)
        normal = _largest_loan(room, inputs, p, NORMAL_TERM, None)
        longest = EXTENDED_TERM if inputs.long_term_conditions_documented else NORMAL_TERM
        extended = (
            _largest_loan(room, inputs, p, EXTENDED_TERM, None)
            if inputs.long_term_conditions_documented
            else None
        )
        fixed_options = sorted(y for y in p.fixed_rates if y <= longest)
        best_fixed_years = None
        best_fixed = None
        for years in fixed_options:
            candidate = _largest_loan(room, inputs, p, longest, years)
            if best_fixed is None or candidate > best_fixed:
                best_fixed, best_fixed_years = candidate, years
        best = max(v for v in (max_loan, normal, extended, best_fixed) if v is not None)

        costs_standard = inputs.purchase_costs is None
        costs = (
            standard_purchase_costs(inputs.purchase_price, inputs.ownership_form, p, inputs.purpose)
            if costs_standard
            else inputs.purchase_costs
        )
        financing = inputs.equity + inputs.bank_loan + inputs.amount_applied + inputs.grant_applied
        if inputs.purpose == Purpose.PURCHASE:
            total_cost = inputs.purchase_price + costs
            grant_need = max(ZERO, total_cost - inputs.equity - inputs.bank_loan - best)
            financing_gap = max(ZERO, total_cost - financing)
            overfinancing = max(ZERO, financing - total_cost)
        else:
            # Refinancing or adaptation: the need is the amount applied for.
            total_cost = inputs.amount_applied + costs
            grant_need = max(ZERO, inputs.amount_applied - best)
            financing_gap = ZERO
            overfinancing = ZERO

        specified = sum((d.balance for d in inputs.debts), ZERO)
        kept_debt = max(specified, inputs.existing_debt)
        total_debt = inputs.bank_loan + inputs.amount_applied + kept_debt + inputs.common_debt
        debt_to_income = total_debt / inputs.annual_gross_income if inputs.annual_gross_income > 0 else None
        debt_limit_ok = not has_bank_loan or (
            debt_to_income is not None and debt_to_income <= p.bank_max_debt_to_income
        )
        # A cooperative unit's value includes its share of the common debt,
        # and that debt is secured on it like the bank loan.
        value = inputs.purchase_price + inputs.common_debt
        ltv = (inputs.bank_loan + inputs.common_debt) / value if value > 0 else None
        ltv_ok = not has_bank_loan or (ltv is not None and ltv <= p.bank_max_loan_to_value)
        bank_margin = stressed_room - bank_own_stress - payment_stress
        bank_stress_ok = not has_bank_loan or bank_margin >= 0

    facts = SimpleNamespace(
        passes=passes,
        margin=margin,
        floor_applied=floor_applied,
        max_loan=max_loan,
        grant_need=grant_need,
        financing_gap=financing_gap,
        overfinancing=overfinancing,
        has_bank_loan=has_bank_loan,
        debt_limit_ok=debt_limit_ok,
        ltv_ok=ltv_ok,
        bank_stress_ok=bank_stress_ok,
        total_cost=total_cost,
        financing=financing,
        fixed_unknown=bool(fixed) and not fixed_known,
        unspecified_debt=_unspecified_debt(inputs),
        assumed_terms=sum(1 for s in services[: len(inputs.debts)] if s.assumed_term),
        electricity_standard=electricity_standard and bool(p.electricity),
        normal=normal,
        extended=extended,
        best_fixed=best_fixed,
        best_fixed_years=best_fixed_years,
        living_basis=p.standard.name,
    )

    def optional(value: Decimal | None) -> Decimal | None:
        return None if value is None else _kr(value)

    def ratio(value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    return Assessment(
        year=p.year,
        adults=h.adults,
        couple=h.couple,
        children_ages=tuple(h.children_ages),
        living_costs_standard=_kr(standard),
        living_costs_actual=optional(inputs.monthly_living_costs),
        living_costs_guideline=_kr(guideline),
        living_costs_used=_kr(living),
        guideline_floor_applied=floor_applied,
        living_cost_basis=p.standard.name,
        guideline_basis=p.guideline.name,
        monthly_net_income=_kr(inputs.monthly_net_income),
        monthly_child_benefit=_kr(inputs.monthly_child_benefit),
        monthly_housing_allowance=_kr(inputs.monthly_housing_allowance),
        monthly_child_support=_kr(inputs.monthly_child_support),
        monthly_income_total=_kr(income),
        monthly_fixed_costs=_kr(inputs.monthly_fixed_costs),
        monthly_housing_costs=_kr(inputs.monthly_housing_costs),
        monthly_common_costs=_kr(inputs.monthly_common_costs),
        monthly_electricity=_kr(electricity),
        electricity_standard=electricity_standard,
        debt_lines=tuple(
            {
                "kind": s.kind,
                "balance": _kr(s.balance),
                "rate": s.rate,
                "stress_rate": s.stress_rate,
                "payment": _kr(s.payment),
                "payment_stress": _kr(s.payment_stress),
                "assumed_term": s.assumed_term,
            }
            for s in services
        ),
        monthly_debt_payments=_kr(debt_now),
        disposable=_kr(disposable),
        loan_rate=rate,
        fixed_rate_years=fixed_used,
        stress_rate=p.stress_rate,
        bank_rate=p.bank_rate,
        bank_stress_rate=p.bank_stress_rate,
        term_fee=_kr(p.term_fee),
        amount_applied=_kr(inputs.amount_applied),
        payment_first=_kr(loan_plan.first),
        payment_highest=_kr(loan_plan.highest),
        payment_interest_only=optional(loan_plan.interest_only),
        payment_after_interest_only=optional(loan_plan.after_interest_only),
        total_interest=_kr(loan_plan.total_interest),
        payment_stress=_kr(payment_stress),
        debt_payments_stress=_kr(debt_stress),
        common_debt=_kr(inputs.common_debt),
        common_debt_stress=_kr(common_stress),
        bank_loan=_kr(inputs.bank_loan),
        has_bank_loan=has_bank_loan,
        bank_payment_stress=_kr(bank_stress),
        bank_payment_bank_stress=_kr(bank_own_stress),
        margin_stress=_kr(margin),
        passes_stress_test=passes,
        max_loan=_kr(max_loan),
        max_loan_normal_term=_kr(normal),
        max_loan_extended_term=optional(extended),
        max_loan_fixed=optional(best_fixed),
        max_loan_fixed_years=best_fixed_years,
        max_loan_best=_kr(best),
        purchase_price=_kr(inputs.purchase_price),
        purchase_costs=_kr(costs),
        purchase_costs_standard=costs_standard,
        total_cost=_kr(total_cost),
        equity=_kr(inputs.equity),
        grant_applied=_kr(inputs.grant_applied),
        grant_need=_kr(grant_need),
        financing_gap=_kr(financing_gap),
        overfinancing=_kr(overfinancing),
        total_debt=_kr(total_debt),
        debt_to_income=ratio(debt_to_income),
        debt_limit_ok=debt_limit_ok,
        loan_to_value=ratio(ltv),
        loan_to_value_ok=ltv_ok,
        bank_stress_margin=_kr(bank_margin),
        bank_stress_ok=bank_stress_ok,
        findings=tuple(findings(inputs, p, facts)),
        electricity_basis=p.electricity_basis if electricity_standard else "",
    )
