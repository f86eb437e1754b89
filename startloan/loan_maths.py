"""Loan maths for the start-loan assessment: monthly payments of annuity,
serial and interest-only loans, the highest payment over a loan's life, and
the largest loan a monthly amount can carry. Pure arithmetic, no database;
the conventions (money in Decimal kroner, rates as annual fractions, one
rounding at the end) are those set out in `startloan.affordability`.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

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
