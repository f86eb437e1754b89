"""Loan maths for the start-loan assessment: monthly payments of annuity,
serial and interest-only loans, the highest payment over a loan's life, and
the largest loan a monthly amount can carry, the service of existing debt.
Pure arithmetic, no database.

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

import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

ZERO = Decimal("0")
ONE = Decimal("1")
TWELVE = Decimal("12")
KRONE = Decimal("1")

_CONTEXT = decimal.Context(prec=34, rounding=ROUND_HALF_UP)


@contextmanager
def _precise() -> Iterator[None]:
    with decimal.localcontext(_CONTEXT):
        yield


def _kr(amount: Decimal) -> Decimal:
    """Round to whole kroner, half up: the only rounding of output figures."""
    return amount.quantize(KRONE, rounding=ROUND_HALF_UP)


class Purpose(StrEnum):
    PURCHASE = "purchase"
    REFINANCE = "refinance"
    ADAPTATION = "adaptation"


class Ownership(StrEnum):
    FREEHOLD = "freehold"
    COOPERATIVE = "cooperative"


class Repayment(StrEnum):
    ANNUITY = "annuity"
    SERIAL = "serial"


# --------------------------------------------------------------------------
# Loan maths
# --------------------------------------------------------------------------


def annuity_payment(principal: Decimal, annual_rate: Decimal, months: int, fee: Decimal = ZERO) -> Decimal:
    """Monthly annuity payment `P·r/(1−(1+r)^−n)` (P/n when r = 0), plus the
    term fee. Unrounded."""
    if months <= 0:
        raise ValueError("months must be positive")
    with _precise():
        principal = Decimal(principal)
        r = Decimal(annual_rate) / TWELVE
        if r == 0:
            return principal / months + fee
        return principal * r / (ONE - (ONE + r) ** -months) + fee


def serial_payment(
    principal: Decimal, annual_rate: Decimal, months: int, month: int, fee: Decimal = ZERO
) -> Decimal:
    """Payment in month `month` (1-based) of a serial loan:
    `P/n + (P − (k−1)·P/n)·r`, plus the term fee. Unrounded."""
    if months <= 0:
        raise ValueError("months must be positive")
    if not 1 <= month <= months:
        raise ValueError("month must be within the term")
    with _precise():
        principal = Decimal(principal)
        instalment = principal / months
        r = Decimal(annual_rate) / TWELVE
        return instalment + (principal - (month - 1) * instalment) * r + fee


def interest_only_payment(principal: Decimal, annual_rate: Decimal, fee: Decimal = ZERO) -> Decimal:
    """Monthly payment during an interest-only phase: `P·r`, plus the fee."""
    with _precise():
        return Decimal(principal) * Decimal(annual_rate) / TWELVE + fee


@dataclass(frozen=True)
class PaymentPlan:
    """The payments of one loan, unrounded."""

    first: Decimal
    highest: Decimal
    interest_only: Decimal | None
    after_interest_only: Decimal | None
    total_interest: Decimal


def payment_plan(
    principal: Decimal,
    annual_rate: Decimal,
    years: int,
    *,
    repayment: str = Repayment.ANNUITY,
    interest_only_years: int = 0,
    fee: Decimal = ZERO,
) -> PaymentPlan:
    """Payments for a loan with an optional interest-only phase first.

    After the interest-only phase the loan is repaid over the remaining
    months (annuity or serial as chosen); the term includes the phase.
    """
    months = 12 * years
    io_months = 12 * interest_only_years
    if io_months >= months:
        raise ValueError("the interest-only phase must be shorter than the term")
    remaining = months - io_months
    with _precise():
        principal = Decimal(principal)
        r = Decimal(annual_rate) / TWELVE
        io = interest_only_payment(principal, annual_rate, fee) if io_months else None
        if repayment == Repayment.SERIAL:
            first_repaying = serial_payment(principal, annual_rate, remaining, 1, fee)
            # Interest on a linearly falling balance: P·r·(n+1)/2.
            repaying_interest = principal * r * (remaining + 1) / 2
        else:
            first_repaying = annuity_payment(principal, annual_rate, remaining, fee)
            repaying_interest = (first_repaying - fee) * remaining - principal
        total_interest = principal * r * io_months + repaying_interest
        return PaymentPlan(
            first=io if io is not None else first_repaying,
            highest=first_repaying,  # the repaying phase always costs at least P·r
            interest_only=io,
            after_interest_only=first_repaying if io is not None else None,
            total_interest=total_interest,
        )


def payment_factor(
    annual_rate: Decimal, years: int, *, repayment: str, interest_only_years: int = 0
) -> Decimal:
    """The highest monthly payment per krone borrowed, fee excluded.

    Every payment is linear in the principal, so the largest loan a
    household can carry is simply `available / factor`.
    """
    return payment_plan(
        ONE, annual_rate, years, repayment=repayment, interest_only_years=interest_only_years
    ).highest


def max_principal(
    available: Decimal,
    annual_rate: Decimal,
    years: int,
    *,
    repayment: str = Repayment.ANNUITY,
    interest_only_years: int = 0,
    fee: Decimal = ZERO,
) -> Decimal:
    """Largest principal whose highest monthly payment (fee included) equals
    `available`: for an annuity `(D−fee)·(1−(1+r)^−n)/r`. Never negative.
    Unrounded."""
    with _precise():
        room = Decimal(available) - fee
        if room <= 0:
            return ZERO
        factor = payment_factor(
            annual_rate, years, repayment=repayment, interest_only_years=interest_only_years
        )
        return room / factor


def stressed_highest_payment(
    principal: Decimal,
    loan_rate: Decimal,
    stress_rate: Decimal,
    years: int,
    *,
    repayment: str = Repayment.ANNUITY,
    interest_only_years: int = 0,
    fixed_years: int = 0,
    fee: Decimal = ZERO,
) -> Decimal:
    """The highest monthly payment the stress test counts for a loan.

    A floating rate (`fixed_years=0`) is stressed over the whole term. A
    fixed rate is paid at the agreed rate for the binding period; the stress
    applies to the balance left when it ends, repaid over the remaining
    months. Husbanken's guide ("Fast eller flytende rente på startlån",
    https://www.husbanken.no/kommune/startlaan/veileder/renter-og-avdragsvilkar/fast-eller-flytende-rente/)
    takes the rate the loan will have as the basis and asks that a floating
    rate be carried also at a higher rate level; utlånsforskriften applies the
    rise of a fixed-rate loan to the balance left when the binding period
    ends (https://regjeringen.no/no/tema/okonomi-og-budsjett/finansmarkedene/utlansforskriften2/id3077676).
    The highest of the two phases counts. Unrounded.
    """
    months = 12 * years
    fixed = min(12 * fixed_years, months)
    if fixed <= 0:
        return payment_plan(
            principal,
            stress_rate,
            years,
            repayment=repayment,
            interest_only_years=interest_only_years,
            fee=fee,
        ).highest
    fixed_plan = payment_plan(
        principal, loan_rate, years, repayment=repayment, interest_only_years=interest_only_years, fee=fee
    )
    if fixed >= months:
        return fixed_plan.highest
    io_months = 12 * interest_only_years
    with _precise():
        principal = Decimal(principal)
        in_fixed = fixed_plan.first if fixed <= io_months else fixed_plan.highest
        left = months - fixed
        if fixed < io_months:
            # Still interest-only when the binding ends: the rest of the
            # phase at the stress rate, then the repaying phase.
            after = payment_plan(
                principal,
                stress_rate,
                years,
                repayment=repayment,
                interest_only_years=interest_only_years,
                fee=fee,
            ).highest
            return max(in_fixed, after)
        repaid_months = fixed - io_months
        repaying = months - io_months
        r = Decimal(loan_rate) / TWELVE
        if repayment == Repayment.SERIAL:
            instalment = principal / repaying
            balance = principal - repaid_months * instalment
            after = instalment + balance * Decimal(stress_rate) / TWELVE + fee
        else:
            balance = remaining_annuity_balance(principal, r, repaying, repaid_months)
            after = annuity_payment(balance, stress_rate, left, fee)
        return max(in_fixed, after)


def remaining_annuity_balance(principal: Decimal, monthly_rate: Decimal, months: int, paid: int) -> Decimal:
    """Balance of an annuity loan over `months` after `paid` payments:
    `P·(1+r)^k − A·((1+r)^k − 1)/r` (P·(1 − k/n) when r = 0). Unrounded."""
    with _precise():
        principal = Decimal(principal)
        if monthly_rate == 0:
            return principal * (ONE - Decimal(paid) / months)
        growth = (ONE + monthly_rate) ** paid
        payment = principal * monthly_rate / (ONE - (ONE + monthly_rate) ** -months)
        return principal * growth - payment * (growth - ONE) / monthly_rate


def max_principal_stressed(
    available: Decimal,
    loan_rate: Decimal,
    stress_rate: Decimal,
    years: int,
    *,
    repayment: str = Repayment.ANNUITY,
    interest_only_years: int = 0,
    fixed_years: int = 0,
    fee: Decimal = ZERO,
) -> Decimal:
    """Largest principal whose stressed highest payment (fee included) is
    `available` (every payment is linear in the principal). Never negative."""
    with _precise():
        room = Decimal(available) - fee
        if room <= 0:
            return ZERO
        factor = stressed_highest_payment(
            ONE,
            loan_rate,
            stress_rate,
            years,
            repayment=repayment,
            interest_only_years=interest_only_years,
            fixed_years=fixed_years,
        )
        return room / factor


# --------------------------------------------------------------------------
# Existing debt: serviced in the budget and stressed where the rate floats
# --------------------------------------------------------------------------


class DebtKind(StrEnum):
    STUDENT = "student"
    CAR = "car"
    CREDIT = "credit"
    OTHER = "other"


# Consumer credit and credit-card limits: the whole limit is taken as drawn and
# repaid as an annuity over at most five years (utlånsforskriften, chapter 4
# on unsecured loans: full use of a credit line is assumed, and unsecured
# credit is repaid monthly over at most five years,
# https://regjeringen.no/no/tema/okonomi-og-budsjett/finansmarkedene/utlansforskriften2/id3077676).
CREDIT_TERM_YEARS = 5


@dataclass(frozen=True)
class ExistingDebt:
    """A debt the household keeps: its balance (for a credit line, the limit),
    annual rate, and either the remaining term or the monthly payment."""

    kind: str
    balance: Decimal
    rate: Decimal
    term_years: int | None = None
    monthly_payment: Decimal | None = None
    fixed_rate: bool = False


@dataclass(frozen=True)
class DebtService:
    """What one existing debt costs a month now and in the stress test."""

    kind: str
    balance: Decimal
    rate: Decimal
    stress_rate: Decimal
    payment: Decimal
    payment_stress: Decimal
    assumed_term: bool


def debt_service(debt: ExistingDebt, stress_rate: Decimal) -> DebtService:
    """The monthly payment on an existing debt, and at the stress rate.

    * A term given: an annuity over it (credit lines over at most 5 years).
    * Only a payment given: that payment; in the stress test the interest
      on the balance rises by the stress (`balance·Δr/12`), which is a little
      more than an annuity recomputed at the higher rate, so prudent.
    * Neither: an annuity over 5 years, and the assessment says so.
    A floating rate is stressed like the start loan: at Husbanken's stress
    rate (policy rate + 2.5 pp), never below the debt's own rate. A fixed
    rate is carried at that rate.
    """
    with _precise():
        balance = Decimal(debt.balance)
        rate = Decimal(debt.rate)
        stressed = rate if debt.fixed_rate else max(rate, Decimal(stress_rate))
        if balance <= 0:
            return DebtService(debt.kind, balance, rate, stressed, ZERO, ZERO, False)
        term = debt.term_years
        assumed = False
        if debt.kind == DebtKind.CREDIT:
            term = min(term or CREDIT_TERM_YEARS, CREDIT_TERM_YEARS)
        elif term is None and debt.monthly_payment is None:
            term, assumed = CREDIT_TERM_YEARS, True
        if term:
            payment = annuity_payment(balance, rate, 12 * term)
            if debt.monthly_payment is not None:
                payment = max(payment, Decimal(debt.monthly_payment))
            stress = max(annuity_payment(balance, stressed, 12 * term), payment)
        else:
            payment = Decimal(debt.monthly_payment)
            stress = payment + balance * (stressed - rate) / TWELVE
        return DebtService(debt.kind, balance, rate, stressed, payment, stress, assumed)


def standard_purchase_costs(
    price: Decimal, ownership_form: str, parameters: Any, purpose: str = Purpose.PURCHASE
) -> Decimal:
    """The purchase costs when none are entered.

    Document duty (dokumentavgift, 2.5 %) is levied on the registration of a
    transfer of title to real property (dokumentavgiftsloven § 1): only the
    purchase of a freehold (selveier) dwelling. A share in a housing
    cooperative (borettslag) is no real property and pays none; it has the
    fixed sum the leader keeps (change-of-owner fee, registration). On
    refinancing and adaptation no title changes hands: no standard costs.
    The duty is rounded to whole kroner, as it is levied.
    """
    if purpose != Purpose.PURCHASE:
        return ZERO
    if ownership_form == Ownership.COOPERATIVE:
        return parameters.cooperative_costs
    with _precise():
        return _kr(Decimal(price) * parameters.document_duty_rate)
