"""The start-loan rules an application's terms must keep: the terms of
Husbanken's startlån (forskrift om lån fra Husbanken, and Husbanken's
guide to the start loan, https://www.husbanken.no/veiledere/startlan/): at
most 30 years' repayment, up to 50 when the long-term conditions are
documented; at most 8 years without instalments; fixed-rate periods of 3, 5,
10 or 20 years; the loan no more than the price and the purchase costs."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import affordability as aff
from .models import LoanPurpose

FIXED_RATE_PERIODS = (3, 5, 10, 20)
NORMAL_MAX_TERM = 30
EXTENDED_MAX_TERM = 50
MAX_INTEREST_ONLY = 8


def format_nok(amount: Decimal | int | None) -> str:
    """'1 234 567' with non-breaking spaces (no unit)."""
    if amount is None:
        return ""
    whole = aff._kr(Decimal(amount))
    return f"{whole:,.0f}".replace(",", "\u00a0").replace("-", "−")


def loan_rule_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Check an application's terms; returns field name → Norwegian messages.

    `values` are cleaned values. `purchase_costs` None means the standard
    costs, which the caller passes as `standard_costs`.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    term = values.get("term_years")
    documented = bool(values.get("long_term_conditions_documented"))
    if term is not None:
        if term < 1:
            add("term_years", _("Nedbetalingstiden må være minst 1 år."))
        elif term > EXTENDED_MAX_TERM:
            add("term_years", _("Nedbetalingstiden kan være høyst 50 år."))
        elif term > NORMAL_MAX_TERM and not documented:
            add(
                "term_years",
                _(
                    "Nedbetalingstiden kan være høyst 30 år. Inntil 50 år krever at alle de fire vilkårene "
                    "er dokumentert: varig lav inntekt, boligen egner seg for husstanden på lang sikt, "
                    "leie er uegnet eller dyrere, og kortere nedbetalingstid er ikke økonomisk forsvarlig."
                ),
            )
    interest_only = values.get("interest_only_years") or 0
    if interest_only > MAX_INTEREST_ONLY:
        add("interest_only_years", _("Avdragsfri periode kan være høyst 8 år."))
    elif term and interest_only >= term:
        add("interest_only_years", _("Den avdragsfrie perioden må være kortere enn nedbetalingstiden."))
    fixed = values.get("fixed_rate_years")
    if fixed not in (None, ""):
        fixed = int(fixed)
        if fixed not in FIXED_RATE_PERIODS:
            add("fixed_rate_years", _("Fastrente kan bindes for 3, 5, 10 eller 20 år."))
        elif term and fixed > term:
            add(
                "fixed_rate_years",
                _(
                    "Fastrenteperioden (%(fixed)s år) kan ikke være lengre enn "
                    "nedbetalingstiden (%(term)s år)."
                )
                % {"fixed": fixed, "term": term},
            )

    price = values.get("purchase_price")
    amount = values.get("amount_applied")
    costs = values.get("purchase_costs")
    if costs is None:
        costs = values.get("standard_costs") or Decimal("0")
    purpose = values.get("purpose") or LoanPurpose.PURCHASE
    if price is not None and amount is not None:
        if purpose == LoanPurpose.REFINANCE:
            total = amount + (values.get("bank_loan") or Decimal("0"))
            if total > price:
                add(
                    "amount_applied",
                    _(
                        "Ved refinansiering kan samlet lån (startlån og banklån, %(total)s kr) ikke være "
                        "høyere enn boligens verdi (%(value)s kr)."
                    )
                    % {"total": format_nok(total), "value": format_nok(price)},
                )
        else:
            if amount > price + costs:
                add(
                    "amount_applied",
                    _("Startlånet kan dekke høyst 100 %% av kjøpesum og omkostninger (%(max)s kr).")
                    % {"max": format_nok(price + costs)},
                )
            surplus = overfinancing(values, amount, price + costs)
            if surplus > 0:
                add("amount_applied", overfinancing_message(surplus, price + costs))
    if purpose == LoanPurpose.REFINANCE and not values.get("owns_home"):
        add("owns_home", _("Refinansiering forutsetter at søkeren eier boligen."))
    return errors


def overfinancing(values: Mapping[str, Any], amount: Decimal, total_cost: Decimal) -> Decimal:
    """How much start loan, grant, bank loan and equity exceed the price and
    costs of a purchase (0 when they do not)."""
    zero = Decimal("0")
    financing = (
        amount
        + (values.get("grant_applied") or zero)
        + (values.get("bank_loan") or zero)
        + (values.get("equity") or zero)
    )
    return max(zero, financing - total_cost)


def overfinancing_message(surplus: Decimal, total_cost: Decimal) -> str:
    """Overfinancing is not allowed: the start loan (and grant) top up what the
    household lacks, up to 100 % of price and costs (Husbanken, "Beregning av
    betjeningsevne og låneutmåling", https://husbanken.no/startlaan/kommune/
    veileder-for-saksbehandling-av-startlaan/beregning-av-betjeningsevne-laaneutmaaling/)."""
    return _(
        "Overfinansiering: startlån, tilskudd, banklån og egenkapital er til sammen %(surplus)s kr mer enn "
        "kjøpesum og omkostninger (%(total)s kr). Reduser startlånet eller tilskuddet; søknaden kan ikke "
        "vurderes eller vedtas slik."
    ) % {"surplus": format_nok(surplus), "total": format_nok(total_cost)}


def raise_if_invalid(values: Mapping[str, Any]) -> None:
    """`ValidationError` with every broken rule, on its field."""
    errors = loan_rule_errors(values)
    if errors:
        raise ValidationError(errors)
