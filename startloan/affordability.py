"""Affordability pre-assessment (*betjeningsevne*) for a start loan.

Pure arithmetic: no database, no HTTP. The rules and formulas are those of
Husbanken's guide to assessing affordability ("Beregne betjeningsevnen",
https://www.husbanken.no/veiledere/startlan/) and, for the bank part,
utlånsforskriften (forskrift om krav til finansforetakenes utlånspraksis for
lån med pant i bolig). The loan maths is in `startloan.loan_maths`, the
living-cost tables in `startloan.budget`; their names are re-exported here,
so `affordability` stays the one module callers need.

Conventions
-----------
* Money is `Decimal` in kroner; rates are annual fractions (0.05 = 5 %).
* Monthly rate r = annual rate / 12; number of payments n = 12 × years.
* **Rounding.** Every intermediate figure is carried at full precision
  (a local decimal context of 34 significant digits). Rounding happens in one
  place only, `_kr()`, when a figure is put on the returned `Assessment`:
  to whole kroner, ROUND_HALF_UP. The sums and comparisons (the margin, the
  largest loan, the grant need, whether the test holds) are made on the
  unrounded values, so a displayed figure can differ by one krone from the
  difference of two other displayed figures. The one exception is the
  document duty, which is a real charge levied in whole kroner and is rounded
  as soon as it is computed.
* The payment a household must carry is the *highest* monthly payment over
  the loan's life: the first one for a serial loan, and the annuity after the
  interest-only phase when there is one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .budget import ChildRate, HouseholdComposition, RateTable
from .loan_maths import (
    ZERO,
    Ownership,
    PaymentPlan,
    Purpose,
    Repayment,
    _kr,
    _precise,
    annuity_payment,
    max_principal,
    payment_plan,
    serial_payment,
)

__all__ = [
    "Assessment",
    "ChildRate",
    "Finding",
    "HouseholdComposition",
    "Inputs",
    "Level",
    "Ownership",
    "Parameters",
    "PaymentPlan",
    "Purpose",
    "RateTable",
    "Repayment",
    "_kr",
    "annuity_payment",
    "assess",
    "max_principal",
    "payment_plan",
    "serial_payment",
    "standard_purchase_costs",
]


class Level(StrEnum):
    """How a finding reads: shown with a word and an icon, never colour alone."""

    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    PROBLEM = "problem"


# --------------------------------------------------------------------------
# Inputs, parameters, result
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameters:
    """A municipality's rates and tables for one year (all rates as fractions)."""

    year: int
    husbanken_rate: Decimal
    municipal_markup: Decimal
    policy_rate: Decimal
    guideline: RateTable
    standard: RateTable
    stress_addition: Decimal = Decimal("0.025")
    term_fee: Decimal = Decimal("30")
    document_duty_rate: Decimal = Decimal("0.025")
    cooperative_costs: Decimal = Decimal("5000")
    bank_rate: Decimal = Decimal("0.055")
    bank_term_years: int = 30
    bank_stress_addition: Decimal = Decimal("0.03")
    bank_stress_floor: Decimal = Decimal("0.07")
    bank_max_debt_to_income: Decimal = Decimal("5")
    bank_max_loan_to_value: Decimal = Decimal("0.90")
    reviewed: bool = True

    @property
    def loan_rate(self) -> Decimal:
        return self.husbanken_rate + self.municipal_markup

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
    existing_debt: Decimal = ZERO
    monthly_fixed_costs: Decimal = ZERO
    # None: the standard (SIFO-based) budget is used.
    monthly_living_costs: Decimal | None = None
    monthly_housing_costs: Decimal = ZERO
    term_years: int = 30
    interest_only_years: int = 0
    repayment_type: str = Repayment.ANNUITY


@dataclass(frozen=True)
class Finding:
    level: str
    text: str


@dataclass(frozen=True)
class Assessment:
    """Every figure of the assessment, in whole kroner (rates as fractions)."""

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
    # Monthly budget
    monthly_net_income: Decimal
    monthly_fixed_costs: Decimal
    monthly_housing_costs: Decimal
    disposable: Decimal
    # Rates
    loan_rate: Decimal
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
    # The bank loan, at the stress rate and at the bank's own stress rate
    bank_loan: Decimal
    has_bank_loan: bool
    bank_payment_stress: Decimal
    bank_payment_bank_stress: Decimal
    margin_stress: Decimal
    passes_stress_test: bool
    # Capacity and financing
    max_loan: Decimal
    purchase_price: Decimal
    purchase_costs: Decimal
    purchase_costs_standard: bool
    total_cost: Decimal
    equity: Decimal
    grant_applied: Decimal
    grant_need: Decimal
    financing_gap: Decimal
    # The bank part's own limits (utlånsforskriften)
    total_debt: Decimal
    debt_to_income: Decimal | None
    debt_limit_ok: bool
    loan_to_value: Decimal | None
    loan_to_value_ok: bool
    bank_stress_margin: Decimal
    bank_stress_ok: bool
    findings: tuple[Finding, ...] = field(default=())

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


def standard_purchase_costs(price: Decimal, ownership_form: str, parameters: Parameters) -> Decimal:
    """Document duty for a freehold (rounded to whole kroner, as it is
    levied), the fixed sum for a housing-cooperative unit."""
    if ownership_form == Ownership.COOPERATIVE:
        return parameters.cooperative_costs
    with _precise():
        return _kr(Decimal(price) * parameters.document_duty_rate)


_NO_PAYMENTS = PaymentPlan(ZERO, ZERO, None, None, ZERO)


def _plan_or_nothing(has_loan: bool, *args, **kwargs) -> PaymentPlan:
    """No loan, no payments: not even the term fee."""
    return payment_plan(*args, **kwargs) if has_loan else _NO_PAYMENTS


def _nok(amount: Decimal) -> str:
    """'1 234 567 kr' with non-breaking spaces, for the findings' text."""
    whole = f"{_kr(amount):,.0f}".replace(",", "\u00a0").replace("-", "−")
    return f"{whole}\u00a0kr"


def _pct(rate: Decimal) -> str:
    text = f"{(rate * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}".replace(".", ",")
    return f"{text}\u00a0%"


def assess(inputs: Inputs, parameters: Parameters) -> Assessment:
    """Assess whether the household can carry the start loan (and the bank
    loan) at the stress rate, and what it can carry at most."""
    p = parameters
    h = inputs.household
    with _precise():
        # Living costs: actual (or the standard SIFO-based budget), never
        # below the social-assistance guideline rate for the household.
        standard = p.standard.monthly_total(h)
        guideline = p.guideline.monthly_total(h)
        base = inputs.monthly_living_costs if inputs.monthly_living_costs is not None else standard
        living = max(base, guideline)
        floor_applied = guideline > base

        disposable = (
            inputs.monthly_net_income - living - inputs.monthly_fixed_costs - inputs.monthly_housing_costs
        )

        has_loan = inputs.amount_applied > 0
        loan_plan = _plan_or_nothing(
            has_loan,
            inputs.amount_applied,
            p.loan_rate,
            inputs.term_years,
            repayment=inputs.repayment_type,
            interest_only_years=inputs.interest_only_years,
            fee=p.term_fee,
        )
        stress_plan = _plan_or_nothing(
            has_loan,
            inputs.amount_applied,
            p.stress_rate,
            inputs.term_years,
            repayment=inputs.repayment_type,
            interest_only_years=inputs.interest_only_years,
            fee=p.term_fee,
        )
        payment_stress = stress_plan.highest

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
        margin = disposable - payment_stress - bank_stress
        passes = margin >= 0

        # What is left after the bank loan is what the start loan can use.
        max_loan = max_principal(
            disposable - bank_stress,
            p.stress_rate,
            inputs.term_years,
            repayment=inputs.repayment_type,
            interest_only_years=inputs.interest_only_years,
            fee=p.term_fee,
        )

        costs_standard = inputs.purchase_costs is None
        costs = (
            standard_purchase_costs(inputs.purchase_price, inputs.ownership_form, p)
            if costs_standard
            else inputs.purchase_costs
        )
        if inputs.purpose == Purpose.PURCHASE:
            total_cost = inputs.purchase_price + costs
            grant_need = max(ZERO, total_cost - inputs.equity - inputs.bank_loan - max_loan)
            financing_gap = max(
                ZERO,
                total_cost - inputs.equity - inputs.bank_loan - inputs.amount_applied - inputs.grant_applied,
            )
        else:
            # Refinancing or adaptation: the need is the amount applied for.
            total_cost = inputs.amount_applied + costs
            grant_need = max(ZERO, inputs.amount_applied - max_loan)
            financing_gap = ZERO

        total_debt = inputs.bank_loan + inputs.amount_applied + inputs.existing_debt
        debt_to_income = total_debt / inputs.annual_gross_income if inputs.annual_gross_income > 0 else None
        debt_limit_ok = not has_bank_loan or (
            debt_to_income is not None and debt_to_income <= p.bank_max_debt_to_income
        )
        ltv = inputs.bank_loan / inputs.purchase_price if inputs.purchase_price > 0 else None
        ltv_ok = not has_bank_loan or (ltv is not None and ltv <= p.bank_max_loan_to_value)
        bank_margin = disposable - bank_own_stress - payment_stress
        bank_stress_ok = not has_bank_loan or bank_margin >= 0

    findings = _findings(
        inputs,
        p,
        passes=passes,
        margin=margin,
        floor_applied=floor_applied,
        max_loan=max_loan,
        grant_need=grant_need,
        financing_gap=financing_gap,
        has_bank_loan=has_bank_loan,
        debt_limit_ok=debt_limit_ok,
        ltv_ok=ltv_ok,
        bank_stress_ok=bank_stress_ok,
        total_cost=total_cost,
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
        monthly_net_income=_kr(inputs.monthly_net_income),
        monthly_fixed_costs=_kr(inputs.monthly_fixed_costs),
        monthly_housing_costs=_kr(inputs.monthly_housing_costs),
        disposable=_kr(disposable),
        loan_rate=p.loan_rate,
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
        bank_loan=_kr(inputs.bank_loan),
        has_bank_loan=has_bank_loan,
        bank_payment_stress=_kr(bank_stress),
        bank_payment_bank_stress=_kr(bank_own_stress),
        margin_stress=_kr(margin),
        passes_stress_test=passes,
        max_loan=_kr(max_loan),
        purchase_price=_kr(inputs.purchase_price),
        purchase_costs=_kr(costs),
        purchase_costs_standard=costs_standard,
        total_cost=_kr(total_cost),
        equity=_kr(inputs.equity),
        grant_applied=_kr(inputs.grant_applied),
        grant_need=_kr(grant_need),
        financing_gap=_kr(financing_gap),
        total_debt=_kr(total_debt),
        debt_to_income=ratio(debt_to_income),
        debt_limit_ok=debt_limit_ok,
        loan_to_value=ratio(ltv),
        loan_to_value_ok=ltv_ok,
        bank_stress_margin=_kr(bank_margin),
        bank_stress_ok=bank_stress_ok,
        findings=tuple(findings),
    )


def _findings(
    inputs: Inputs,
    p: Parameters,
    *,
    passes: bool,
    margin: Decimal,
    floor_applied: bool,
    max_loan: Decimal,
    grant_need: Decimal,
    financing_gap: Decimal,
    has_bank_loan: bool,
    debt_limit_ok: bool,
    ltv_ok: bool,
    bank_stress_ok: bool,
    total_cost: Decimal,
) -> list[Finding]:
    """The assessment in words, in Norwegian, most important first."""
    out: list[Finding] = []
    stress = _pct(p.stress_rate)
    if passes:
        out.append(
            Finding(
                Level.OK,
                f"Betjeningsevnen holder ved stresstest ({stress}): {_nok(margin)} igjen per måned.",
            )
        )
    else:
        out.append(
            Finding(
                Level.PROBLEM,
                f"Betjeningsevnen holder ikke ved stresstest ({stress}): "
                f"det mangler {_nok(-margin)} per måned.",
            )
        )
    if inputs.amount_applied > _kr(max_loan):
        out.append(
            Finding(
                Level.WARNING,
                f"Søkt startlån ({_nok(inputs.amount_applied)}) er høyere enn det husstanden kan "
                f"betjene ved stresstest ({_nok(max_loan)}).",
            )
        )
    if floor_applied:
        source = "faktiske levekostnader" if inputs.monthly_living_costs is not None else "standardbudsjettet"
        out.append(
            Finding(
                Level.INFO,
                f"Levekostnadene er satt til sosialhjelpssatsen fordi {source} var lavere.",
            )
        )
    missing = inputs.household.children_without_age
    if missing:
        out.append(
            Finding(
                Level.WARNING,
                f"Fødselsdato mangler for {missing} barn; den høyeste barnesatsen er brukt.",
            )
        )
    if inputs.household.adults < 1:
        out.append(Finding(Level.WARNING, "Husstanden har ingen registrerte voksne."))
    if _kr(grant_need) > 0:
        out.append(Finding(Level.INFO, f"Beregnet behov for etableringstilskudd: {_nok(grant_need)}."))
    if inputs.grant_applied > _kr(grant_need):
        out.append(
            Finding(
                Level.WARNING,
                f"Søkt tilskudd ({_nok(inputs.grant_applied)}) er høyere enn beregnet behov "
                f"({_nok(grant_need)}).",
            )
        )
    if _kr(financing_gap) > 0:
        out.append(
            Finding(
                Level.WARNING,
                f"Finansieringen dekker ikke kjøpesum og omkostninger ({_nok(total_cost)}): "
                f"det mangler {_nok(financing_gap)}.",
            )
        )
    if has_bank_loan:
        if not debt_limit_ok:
            out.append(
                Finding(
                    Level.WARNING,
                    f"Banklånet overstiger {p.bank_max_debt_to_income.normalize()} × inntekt: samlet gjeld "
                    f"(banklån, startlån og annen gjeld) er over "
                    f"{p.bank_max_debt_to_income.normalize()} ganger brutto årsinntekt.",
                )
            )
        if not ltv_ok:
            out.append(
                Finding(
                    Level.WARNING,
                    f"Banklånet overstiger {_pct(p.bank_max_loan_to_value)} av boligens verdi.",
                )
            )
        if bank_stress_ok:
            out.append(
                Finding(
                    Level.OK,
                    f"Banklånet tåler bankens stresstest ({_pct(p.bank_stress_rate)}).",
                )
            )
        else:
            out.append(
                Finding(
                    Level.WARNING,
                    f"Banklånet tåler ikke bankens stresstest ({_pct(p.bank_stress_rate)}).",
                )
            )
    if inputs.interest_only_years:
        out.append(
            Finding(
                Level.INFO,
                f"Betjeningsevnen er vurdert mot terminbeløpet etter den avdragsfrie perioden "
                f"({inputs.interest_only_years} år).",
            )
        )
    if not p.reviewed:
        out.append(
            Finding(
                Level.WARNING,
                "Satsene er standardverdier som leder ennå ikke har kontrollert for året.",
            )
        )
    return out
