"""The affordability assessment (betjeningsevne) of an application: the
household's composition from its members, the inputs from an application's
figures, and the snapshot stored with the application (`services.assess_values`
runs it with the year's parameters). The arithmetic is in
`startloan.affordability`, which knows nothing of the database."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from housing_office.national_id import InvalidNationalId, Kind, parse
from tenants.models import Household, Person, PersonRole

from . import affordability as aff
from .budget import FEMALE, MALE
from .loan_rules import NORMAL_MAX_TERM
from .models import LoanParameters, LoanPurpose

# The application's own figures: what a caseworker enters and an assessment
# is made from.
APPLICATION_FIELDS = (
    "received_on",
    "startskudd_case_number",
    "purpose",
    "ownership_form",
    "purchase_price",
    "purchase_costs",
    "equity",
    "bank_loan",
    "amount_applied",
    "grant_applied",
    "existing_debt",
    "debts",
    "common_debt",
    "monthly_net_income",
    "monthly_child_benefit",
    "monthly_housing_allowance",
    "monthly_child_support",
    "annual_gross_income",
    "monthly_fixed_costs",
    "monthly_living_costs",
    "monthly_housing_costs",
    "monthly_common_costs",
    "monthly_electricity",
    "dwelling_area",
    "term_years",
    "long_term_conditions_documented",
    "interest_only_years",
    "repayment_type",
    "fixed_rate_years",
    "owns_home",
)


def composition_for(household: Household, on: datetime.date | None = None) -> aff.HouseholdComposition:
    """Adults, couple and children's ages from the household's members.

    A member is a child when registered as one and under 18 on `on` (or of
    unknown age); everyone else is an adult. A main person together with a
    co-applicant counts as a couple.
    """
    return composition_of(household.members.all(), on)


def composition_of(members: Iterable[Person], on: datetime.date | None = None) -> aff.HouseholdComposition:
    """`composition_for` of people not (yet) saved, e.g. the demo's."""
    on = on or timezone.localdate()
    adults = 0
    ages: list[int | None] = []
    roles: set[str] = set()
    people: list[aff.Member] = []
    for person in members:
        age = person.age_on(on)
        child = person.role == PersonRole.CHILD and (age is None or age < 18)
        if child:
            ages.append(age)
        else:
            adults += 1
            roles.add(person.role)
        people.append(aff.Member(age, sex_from_national_id(person.national_id), child))
    couple = adults >= 2 and {PersonRole.MAIN, PersonRole.CO_APPLICANT} <= roles
    return aff.HouseholdComposition(
        adults=adults,
        couple=couple,
        children_ages=tuple(sorted(ages, key=_age_key)),
        people=tuple(people),
    )


def sex_from_national_id(number: str) -> str | None:
    """The sex a national identity number encodes (the third individual
    digit: odd for men, even for women), None when it encodes none: no or an
    invalid number, an FH-number, or one issued under the 2032 rule
    (Skatteetaten, "Fødselsnummer")."""
    if not number:
        return None
    try:
        parsed = parse(number)
    except InvalidNationalId:
        return None
    if parsed.new_scheme or parsed.kind == Kind.FH_NUMBER:
        return None
    return MALE if int(parsed.number[8]) % 2 else FEMALE


def _age_key(age: int | None) -> int:
    return -1 if age is None else age


def _money(values: Mapping[str, Any], name: str, default: Decimal | None = Decimal("0")) -> Decimal | None:
    value = values.get(name)
    return default if value in (None, "") else Decimal(value)


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def debts_from(rows: Any) -> tuple[aff.ExistingDebt, ...]:
    """The stored debt list (rates in percent, as entered) in the pure
    module's terms. Rows without a balance are skipped."""
    debts = []
    for row in rows or ():
        balance = _money(row, "balance")
        if not balance:
            continue
        debts.append(
            aff.ExistingDebt(
                kind=row.get("kind") or aff.DebtKind.OTHER,
                balance=balance,
                rate=_money(row, "rate") / 100,
                term_years=_optional_int(row.get("term_years")),
                monthly_payment=_money(row, "monthly_payment", None),
                fixed_rate=bool(row.get("fixed_rate")),
            )
        )
    return tuple(debts)


def inputs_from(values: Mapping[str, Any], composition: aff.HouseholdComposition) -> aff.Inputs:
    """Build the pure module's inputs from cleaned form data or a model's fields."""
    return aff.Inputs(
        household=composition,
        purpose=values.get("purpose") or LoanPurpose.PURCHASE,
        ownership_form=values.get("ownership_form") or aff.Ownership.FREEHOLD,
        purchase_price=_money(values, "purchase_price"),
        purchase_costs=_money(values, "purchase_costs", None),
        equity=_money(values, "equity"),
        bank_loan=_money(values, "bank_loan"),
        amount_applied=_money(values, "amount_applied"),
        grant_applied=_money(values, "grant_applied"),
        existing_debt=_money(values, "existing_debt"),
        debts=debts_from(values.get("debts")),
        common_debt=_money(values, "common_debt"),
        monthly_common_costs=_money(values, "monthly_common_costs"),
        monthly_net_income=_money(values, "monthly_net_income"),
        monthly_child_benefit=_money(values, "monthly_child_benefit"),
        monthly_housing_allowance=_money(values, "monthly_housing_allowance"),
        monthly_child_support=_money(values, "monthly_child_support"),
        monthly_electricity=_money(values, "monthly_electricity", None),
        dwelling_area=_optional_int(values.get("dwelling_area")),
        annual_gross_income=_money(values, "annual_gross_income"),
        monthly_fixed_costs=_money(values, "monthly_fixed_costs"),
        monthly_living_costs=_money(values, "monthly_living_costs", None),
        monthly_housing_costs=_money(values, "monthly_housing_costs"),
        term_years=int(values.get("term_years") or NORMAL_MAX_TERM),
        interest_only_years=int(values.get("interest_only_years") or 0),
        repayment_type=values.get("repayment_type") or aff.Repayment.ANNUITY,
        fixed_rate_years=_optional_int(values.get("fixed_rate_years")),
        long_term_conditions_documented=bool(values.get("long_term_conditions_documented")),
    )


def snapshot(assessment: aff.Assessment, parameters: LoanParameters) -> dict[str, Any]:
    """What is stored on the application: the figures, the findings and the
    parameters they were computed with."""
    data = assessment.as_dict()
    data["computed_at"] = timezone.now().isoformat()
    data["parameters"] = {
        "year": parameters.year,
        "reviewed": parameters.updated_by_id is not None,
        "husbanken_rate": str(parameters.husbanken_rate),
        "municipal_markup": str(parameters.municipal_markup),
        "policy_rate": str(parameters.policy_rate),
        "stress_addition": str(parameters.stress_addition),
        "term_fee": str(parameters.term_fee),
        "living_cost_basis": parameters.living_cost_basis_name,
        "electricity_basis": parameters.electricity_basis,
        "guideline": parameters.guideline_name,
    }
    return data
