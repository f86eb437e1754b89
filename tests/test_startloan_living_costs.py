"""Living-cost bases named for what they are (DOMAIN §1, §9): the bailiff's
rates of 1.7.2023 are called so; SIFO's reference budget is kept by the
leader as SIFO publishes it (per-person items by age and sex, household
items by size) with the date its prices are from; the social-assistance
guideline stays the floor Husbanken requires; the electricity amounts carry
a source and a date, or the assessment says they do not.

The SIFO amounts below are the test's own figures, entered as a leader
would; they are not SIFO's published numbers.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from housing_office.national_id import check_digits
from startloan import affordability as aff
from startloan import services
from startloan.assessment import composition_for, sex_from_national_id
from startloan.models import LivingCostBasis, LoanParameters, SifoHouseholdRate, SifoPersonRate
from tenants.models import PersonRole
from tests import factories
from tests.test_affordability import guideline_2024, params
from tests.test_startloan import _parameters_post

# Per-person items (food, clothing, personal care, leisure, travel), kr/month.
MAN_31_50 = (4000, 900, 700, 1200, 900)  # 7,700
WOMAN_31_50 = (3400, 1000, 900, 1200, 900)  # 7,400
BOY_6_9 = (2600, 700, 300, 1300, 500)  # 5,400
GIRL_10_13 = (3000, 800, 400, 1400, 500)  # 6,100
# Household items for four (daily goods, articles, furniture, media): 3,700.
HOUSEHOLD_4 = (500, 600, 700, 1900)

BANDS = ((0, 5), (6, 9), (10, 13), (14, 17), (18, 30), (31, 50), (51, None))


def _sifo_budget() -> aff.SifoBudget:
    persons = []
    for sex, items in (
        ("male", {(31, 50): MAN_31_50, (6, 9): BOY_6_9}),
        ("female", {(31, 50): WOMAN_31_50, (10, 13): GIRL_10_13}),
    ):
        for lo, hi in BANDS:
            amount = sum(items.get((lo, hi), (1000,)))
            persons.append(aff.SifoPersonBand(sex, lo, hi, D(amount)))
    households = tuple((size, D(1000 * size)) for size in (1, 2, 3)) + ((4, D(sum(HOUSEHOLD_4))),)
    return aff.SifoBudget(tuple(persons), households, name="SIFOs referansebudsjett (1.2.2026)")


COUPLE_8_12 = aff.HouseholdComposition(
    adults=2,
    couple=True,
    children_ages=(8, 12),
    people=(
        aff.Member(35, "male"),
        aff.Member(33, "female"),
        aff.Member(8, "male", True),
        aff.Member(12, "female", True),
    ),
)


def test_sifo_adds_each_persons_items_and_the_households_items():
    # 7,700 (man 35) + 7,400 (woman 33) + 5,400 (boy 8) + 6,100 (girl 12)
    # + 3,700 (household of four) = 30,300 kr.
    assert _sifo_budget().monthly_total(COUPLE_8_12) == D("30300")


def test_sifo_takes_the_dearer_amount_when_sex_or_age_is_unknown():
    budget = _sifo_budget()
    # Sex unknown at 35: the man's 7,700, not the woman's 7,400.
    assert budget.person_amount(aff.Member(35, None)) == D("7700")
    # An adult of unknown age: the dearest adult band of either sex (7,700).
    assert budget.person_amount(aff.Member(None, None)) == D("7700")
    # A girl of unknown age: the dearest girl's band (6,100).
    assert budget.person_amount(aff.Member(None, "female", True)) == D("6100")
    # Five people, sizes kept up to four: the size-four amount (3,700).
    assert budget.household_amount(5) == D("3700")


def test_sifo_as_the_basis_and_the_guideline_still_the_floor():
    case = {
        "household": COUPLE_8_12,
        "purchase_price": D("3000000"),
        "amount_applied": D("3075000"),
        "monthly_net_income": D("60000"),
        "annual_gross_income": D("900000"),
        "monthly_electricity": D("0"),
    }
    a = aff.assess(aff.Inputs(**case), params(standard=_sifo_budget()))
    assert a.living_costs_standard == D("30300")
    # Guideline for the same household: 13,100 + 3,950 + 5,150 = 22,200.
    assert a.living_costs_guideline == D("22200")
    assert a.living_costs_used == D("30300") and not a.guideline_floor_applied
    assert a.living_cost_basis == "SIFOs referansebudsjett (1.2.2026)"
    # A cheap SIFO table (1,000 kr a person, 1,000 a household): 5,000 <
    # 22,200, so the guideline is used and the assessment says so.
    cheap = aff.SifoBudget(
        tuple(aff.SifoPersonBand(s, 0, None, D("1000")) for s in ("male", "female")), ((1, D("1000")),)
    )
    b = aff.assess(aff.Inputs(**case), params(standard=cheap))
    assert b.living_costs_standard == D("5000")
    assert b.living_costs_used == D("22200") and b.guideline_floor_applied


def _fnr(born: datetime.date, sex: str) -> str:
    """A valid fødselsnummer for `born` whose third individual digit is odd
    for a man, even for a woman (individual digits 000–499 for 1900–1999,
    500–999 for 2000–2039)."""
    start = 0 if born.year < 2000 else 500
    for individual in range(start, start + 500):
        if individual % 2 != (sex == "male"):
            continue
        first_nine = born.strftime("%d%m%y") + f"{individual:03d}"
        digits = check_digits(first_nine)
        if digits is not None:
            return first_nine + digits
    raise AssertionError("no valid number")


def test_sex_comes_from_the_national_id_only_when_it_tells():
    # The third individual digit: odd for men, even for women.
    assert sex_from_national_id(_fnr(datetime.date(1990, 3, 15), "male")) == "male"
    assert sex_from_national_id(_fnr(datetime.date(1990, 3, 15), "female")) == "female"
    assert sex_from_national_id(_fnr(datetime.date(2012, 3, 15), "female")) == "female"
    assert sex_from_national_id("") is None
    assert sex_from_national_id("12345678901") is None


def _sifo_rows(parameters):
    for sex, items in (
        ("male", {(31, 50): MAN_31_50, (6, 9): BOY_6_9}),
        ("female", {(31, 50): WOMAN_31_50, (10, 13): GIRL_10_13}),
    ):
        for lo, hi in BANDS:
            food, clothing, care, leisure, travel = items.get((lo, hi), (1000, 0, 0, 0, 0))
            SifoPersonRate.all_objects.create(
                parameters=parameters,
                sex=sex,
                from_age=lo,
                to_age=hi,
                food=food,
                clothing=clothing,
                personal_care=care,
                leisure=leisure,
                travel=travel,
            )
    for size in (1, 2, 3):
        SifoHouseholdRate.all_objects.create(
            parameters=parameters, household_size=size, daily_goods=1000 * size
        )
    SifoHouseholdRate.all_objects.create(
        parameters=parameters,
        household_size=4,
        **dict(zip(SifoHouseholdRate.ITEMS, HOUSEHOLD_4, strict=True)),
    )


def _family(municipality, on):
    household = factories.HouseholdFactory(municipality=municipality)
    people = (
        (PersonRole.MAIN, 35, "male"),
        (PersonRole.CO_APPLICANT, 33, "female"),
        (PersonRole.CHILD, 8, "male"),
        (PersonRole.CHILD, 12, "female"),
    )
    for role, age, sex in people:
        born = datetime.date(on.year - age, 1, 2)
        factories.PersonFactory(
            household=household, role=role, date_of_birth=born, national_id=_fnr(born, sex)
        )
    return household


@pytest.mark.django_db
def test_the_household_in_the_database_is_priced_by_sifo(municipality):
    on = datetime.date(2026, 6, 1)
    household = _family(municipality, on)
    composition = composition_for(household, on)
    assert sorted((m.age, m.sex) for m in composition.people) == [
        (8, "male"),
        (12, "female"),
        (33, "female"),
        (35, "male"),
    ]
    parameters = services.ensure_default_parameters(municipality, 2026)
    _sifo_rows(parameters)
    parameters.living_cost_basis = LivingCostBasis.SIFO
    parameters.living_cost_basis_date = datetime.date(2026, 2, 1)
    parameters.save()
    standard = services.to_affordability(parameters).standard
    assert standard.name == "SIFOs referansebudsjett (1.2.2026)"
    assert standard.monthly_total(composition) == D("30300")


@pytest.mark.django_db
def test_the_bailiffs_rates_and_the_guideline_are_named_for_what_they_are(municipality):
    parameters = services.ensure_default_parameters(municipality, 2026)
    standard = services.to_affordability(parameters).standard
    assert standard.name == "Namsmannens livsoppholdssatser (1.7.2023)"
    # The guideline as the basis uses the guideline's own table: a couple with
    # 8 and 12 is 22,200 kr, the same as the floor.
    parameters.living_cost_basis = LivingCostBasis.GUIDELINE
    parameters.living_cost_basis_date = datetime.date(2024, 1, 1)
    parameters.save()
    converted = services.to_affordability(parameters)
    family = aff.HouseholdComposition(adults=2, couple=True, children_ages=(8, 12))
    assert converted.standard.name == "Statens veiledende satser for økonomisk stønad (1.1.2024)"
    assert converted.standard.monthly_total(family) == guideline_2024().monthly_total(family) == D("22200")


@pytest.mark.django_db
def test_the_leader_cannot_choose_sifo_without_its_tables(leader_client, municipality):
    parameters = services.ensure_default_parameters(municipality, 2026)
    url = reverse("startloan:parameters-edit", args=[2026])
    data = _parameters_post(parameters, living_cost_basis="sifo", living_cost_basis_date="2026-02-01")
    page = leader_client.post(url, data).content.decode()
    assert "SIFO: husholdningspostene må ha én rad for hver størrelse" in page
    assert "SIFO, Kvinne/jente: aldersgruppene må henge sammen" in page
    parameters.refresh_from_db()
    assert parameters.living_cost_basis == LivingCostBasis.BAILIFF
    # With the tables entered it is saved.
    data.update(
        {
            "sifo_households-TOTAL_FORMS": "1",
            "sifo_households-0-household_size": "1",
            "sifo_households-0-daily_goods": "1 200",
            "sifo_persons-TOTAL_FORMS": "2",
            "sifo_persons-0-sex": "female",
            "sifo_persons-0-from_age": "0",
            "sifo_persons-0-food": "3 000",
            "sifo_persons-1-sex": "male",
            "sifo_persons-1-from_age": "0",
            "sifo_persons-1-food": "3 500",
        }
    )
    response = leader_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    parameters.refresh_from_db()
    assert parameters.living_cost_basis_name == "SIFOs referansebudsjett (1.2.2026)"
    # A single man: 3,500 + 1,200 = 4,700, below the guideline's 7,850.
    single = aff.HouseholdComposition(adults=1, people=(aff.Member(40, "male"),))
    assert services.to_affordability(parameters).standard.monthly_total(single) == D("4700")


def _electricity_findings(household) -> list[str]:
    values = {
        "purchase_price": D("3000000"),
        "amount_applied": D("3075000"),
        "monthly_net_income": D("60000"),
        "annual_gross_income": D("900000"),
        "dwelling_area": 70,
    }
    assessment, _parameters = services.assess_values(values, household)
    return [f.text for f in assessment.findings if "Strøm" in f.text]


@pytest.mark.django_db
def test_electricity_amounts_need_a_source_and_a_date(leader_client, municipality):
    today = datetime.date.today()
    parameters = services.ensure_default_parameters(municipality, today.year)
    household = _family(municipality, today)
    # The published defaults name their source and date; 51–90 m²:
    # 14,975 kWh (SSB, terraced house) × 137.5 øre / 12 = 1,716 kr.
    assert parameters.electricity_up_to_90 == D("1716")
    assert "(SSB: strømforbruk etter boligtype (2012)" in _electricity_findings(household)[0]
    # Amounts without a source (a year kept before sources were asked for):
    # said plainly.
    LoanParameters.all_objects.filter(pk=parameters.pk).update(electricity_source="")
    assert "et anslag uten kilde" in _electricity_findings(household)[0]
    url = reverse("startloan:parameters-edit", args=[parameters.year])
    post = _parameters_post(parameters, electricity_source="", electricity_valid_from="")
    text = leader_client.post(url, post).content.decode()
    assert "Oppgi hvor strømbeløpene kommer fra" in text
    assert "Oppgi datoen strømbeløpene gjelder fra" in text
    post = _parameters_post(parameters, electricity_source="Lokal nettleie og SSBs strømpriser")
    assert leader_client.post(url, post).status_code == 302
    parameters.refresh_from_db()
    assert parameters.electricity_basis == "Lokal nettleie og SSBs strømpriser (1.1.2026)"
    found = _electricity_findings(household)[0]
    assert "et anslag uten kilde" not in found
    assert "(Lokal nettleie og SSBs strømpriser (1.1.2026))" in found
