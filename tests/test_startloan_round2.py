"""Start loans, round 2: the numbers a caseworker acts on. Each wrong number
has its worked case, computed by hand in the comments from Husbanken's guide
("Beregne betjeningsevnen for startlån",
https://www.husbanken.no/kommune/startlaan/veileder/beregne-betjeningsevnen/)
and the rules cited in `startloan.affordability` and `startloan.loan_maths`.

The common case: a couple with children aged 8 and 12, 2024 rates (Husbanken
4.64 % + 0.25 pp = 4.89 %; policy rate 4.5 % + 2.5 pp = 7.00 % stress rate),
no term fee. Standard budget (the bailiff's rates of 1.7.2023):
8,817 + 8,817 + 5,580 + 4,420 × 0.8 (4th member −20 %) = 26,750 kr; the
guideline floor 13,100 + 3,950 + 5,150 = 22,200 kr, so 26,750 is used.
Price 3,000,000, duty 2.5 % = 75,000, full financing 3,075,000 over 30 years.
At 7 %: r = 0.07/12, A = 3,075,000·r/(1−(1+r)^−360) = 20,458.05 kr.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from startloan import affordability as aff
from startloan import services
from startloan.loan_maths import ExistingDebt, annuity_payment, debt_service, remaining_annuity_balance
from startloan.loan_rules import loan_rule_errors
from tenants.models import PersonRole
from tests import factories
from tests.test_affordability import params

FAMILY_8_12 = aff.HouseholdComposition(adults=2, couple=True, children_ages=(8, 12))
NO_FEE = {"term_fee": D("0")}

# Net income chosen so the case without debt is just carried:
# 50,258 − 26,750 − 3,000 − 20,458.05 = 49.95 → "50 kr igjen".
CASE = {
    "household": FAMILY_8_12,
    "purchase_price": D("3000000"),
    "amount_applied": D("3075000"),
    "monthly_net_income": D("50258"),
    "annual_gross_income": D("800000"),
    "monthly_housing_costs": D("3000"),
    "monthly_electricity": D("0"),
}

# 230,000 kr of other debt: a student loan of 180,000 at 5.2 % floating with
# 20 years left, and a credit card with a 50,000 limit at 21.9 %.
DEBTS = (
    ExistingDebt(aff.DebtKind.STUDENT, D("180000"), D("0.052"), term_years=20),
    ExistingDebt(aff.DebtKind.CREDIT, D("50000"), D("0.219")),
)


# --------------------------------------------------------------------------
# 1. Existing debt in the budget and the stress test
# --------------------------------------------------------------------------


def test_without_debt_the_case_is_just_carried():
    a = aff.assess(aff.Inputs(**CASE), params(**NO_FEE))
    assert a.living_costs_used == D("26750")
    assert a.payment_stress == D("20458")
    assert a.margin_stress == D("50")
    assert a.passes_stress_test


def test_each_debt_is_serviced_and_stressed():
    # Student loan: annuity over 240 months at 5.2 %: 180,000·(0.052/12)/
    # (1−(1+0.052/12)^−240) = 1,207.90; floating, so stressed at 7 %:
    # 180,000·(0.07/12)/(1−(1+0.07/12)^−240) = 1,395.54.
    student = debt_service(DEBTS[0], D("0.07"))
    assert round(student.payment, 2) == D("1207.90")
    assert round(student.payment_stress, 2) == D("1395.54")
    # Credit card: the whole limit, an annuity over 5 years (60 months) at
    # its own 21.9 % (already above 7 %): 50,000·(0.219/12)/(1−(1+0.219/12)^−60)
    # = 1,378.10, the same in the stress test.
    card = debt_service(DEBTS[1], D("0.07"))
    assert round(card.payment, 2) == D("1378.10")
    assert card.payment_stress == card.payment


def test_the_debt_turns_fifty_kroner_left_into_a_shortfall():
    # Before: debt only in the bank's debt-to-income check, "OK, 50 kr igjen".
    # After: budget 1,207.90 + 1,378.10 = 2,586.00 a month (disposable
    # 50,258 − 26,750 − 3,000 − 2,586.00 = 17,922.00); stress test
    # 1,395.54 + 1,378.10 = 2,773.64, so 49.95 − 2,773.64 = −2,723.69.
    a = aff.assess(aff.Inputs(**CASE, debts=DEBTS, existing_debt=D("230000")), params(**NO_FEE))
    assert a.monthly_debt_payments == D("2586")
    assert a.disposable == D("17922")
    assert a.debt_payments_stress == D("2774")
    assert a.margin_stress == D("-2724")
    assert not a.passes_stress_test
    assert a.findings[0].text.endswith("det mangler 2\u00a0724\u00a0kr per måned.")
    assert [line["kind"] for line in a.debt_lines] == ["student", "credit"]


def test_a_fixed_rate_debt_is_not_stressed_and_a_payment_only_debt_is():
    fixed = debt_service(
        ExistingDebt(aff.DebtKind.CAR, D("100000"), D("0.06"), term_years=4, fixed_rate=True), D("0.07")
    )
    assert fixed.payment_stress == fixed.payment
    # Payment only (2,000 a month on 100,000 at 6 %): the interest rises by
    # 100,000 × (7 % − 6 %) / 12 = 83.33 in the stress test.
    paying = debt_service(
        ExistingDebt(aff.DebtKind.CAR, D("100000"), D("0.06"), monthly_payment=D("2000")), D("0.07")
    )
    assert paying.payment == D("2000")
    assert round(paying.payment_stress, 2) == D("2083.33")


def test_debt_entered_only_as_a_sum_is_serviced_and_flagged():
    # An older application: 230,000 kr "annen gjeld" without details is
    # serviced as an annuity over 5 years at the start loan's 4.89 %
    # (4,328.80), stressed at 7 % (4,554.28): 49.95 − 4,554.28 = −4,504.33.
    a = aff.assess(aff.Inputs(**CASE, existing_debt=D("230000")), params(**NO_FEE))
    assert round(annuity_payment(D("230000"), D("0.07"), 60), 2) == D("4554.28")
    assert a.margin_stress == D("-4504")
    assert any("ikke spesifisert" in f.text for f in a.findings)


# --------------------------------------------------------------------------
# 5. Document duty only on buying a freehold; the common debt
# --------------------------------------------------------------------------


def test_no_document_duty_on_refinancing_or_adaptation():
    # Before: 1,500,000 × 2.5 % = 37,500 charged on a refinancing. After: 0.
    for purpose in (aff.Purpose.REFINANCE, aff.Purpose.ADAPTATION):
        inputs = aff.Inputs(
            household=FAMILY_8_12,
            purchase_price=D("1500000"),
            amount_applied=D("400000"),
            monthly_net_income=D("60000"),
            annual_gross_income=D("900000"),
            purpose=purpose,
        )
        a = aff.assess(inputs, params(**NO_FEE))
        assert a.purchase_costs == D("0")
        assert a.total_cost == D("400000")


def test_a_cooperative_unit_pays_no_duty_and_its_common_debt_counts():
    # Share price 1,500,000, common debt 600,000, bank loan 1,200,000,
    # start loan 305,000 (price + the fixed 5,000 kr costs − bank loan).
    inputs = aff.Inputs(
        household=FAMILY_8_12,
        purchase_price=D("1500000"),
        amount_applied=D("305000"),
        bank_loan=D("1200000"),
        monthly_net_income=D("60000"),
        annual_gross_income=D("900000"),
        monthly_housing_costs=D("1000"),
        monthly_electricity=D("0"),
        ownership_form=aff.Ownership.COOPERATIVE,
        common_debt=D("600000"),
        monthly_common_costs=D("4500"),
    )
    a = aff.assess(inputs, params(**NO_FEE))
    assert a.purchase_costs == D("5000")  # not 1,500,000 × 2.5 % = 37,500
    # Debt: 1,200,000 + 305,000 + 600,000 = 2,105,000.
    assert a.total_debt == D("2105000")
    # Loan-to-value: (1,200,000 + 600,000) / (1,500,000 + 600,000) = 85.71 %
    # (it was 1,200,000 / 1,500,000 = 80 %).
    assert a.loan_to_value == D("0.8571")
    # Budget: 60,000 − 26,750 − 1,000 − 4,500 (felleskostnader) = 27,750.
    assert a.disposable == D("27750")
    # Stress: the common debt's rate rises as the start loan's does,
    # 7.00 % − 4.89 % = 2.11 pp: 600,000 × 0.0211 / 12 = 1,055.
    assert a.common_debt_stress == D("1055")


# --------------------------------------------------------------------------
# 3. Electricity and heating
# --------------------------------------------------------------------------


BANDS = (
    aff.ElectricityBand(50, D("1200")),
    aff.ElectricityBand(90, D("1700")),
    aff.ElectricityBand(None, D("2300")),
)


@pytest.mark.parametrize(
    ("area", "electricity", "disposable"),
    [
        # 50,258 − 26,750 − 3,000 − 1,200 = 19,308 (before: 20,508, no line)
        (45, D("1200"), D("19308")),
        (75, D("1700"), D("18808")),
        # Area unknown: the largest default, never a lower one.
        (None, D("2300"), D("18208")),
    ],
)
def test_electricity_is_a_line_of_the_budget(area, electricity, disposable):
    case = {k: v for k, v in CASE.items() if k != "monthly_electricity"}
    a = aff.assess(aff.Inputs(**case, dwelling_area=area), params(electricity=BANDS, **NO_FEE))
    assert a.monthly_electricity == electricity
    assert a.electricity_standard
    assert a.disposable == disposable


def test_electricity_entered_by_the_caseworker_wins():
    a = aff.assess(
        aff.Inputs(**{**CASE, "monthly_electricity": D("900")}), params(electricity=BANDS, **NO_FEE)
    )
    assert a.monthly_electricity == D("900") and not a.electricity_standard


# --------------------------------------------------------------------------
# 4. Overfinancing
# --------------------------------------------------------------------------


def test_a_grant_on_top_of_full_financing_is_overfinancing():
    # 3,075,000 start loan + 200,000 grant = 3,275,000 against 3,075,000:
    # 200,000 too much. Before: accepted without a word.
    a = aff.assess(aff.Inputs(**CASE, grant_applied=D("200000")), params(**NO_FEE))
    assert a.overfinancing == D("200000")
    assert not a.usable_as_decision_basis
    assert a.findings[0].level == aff.Level.PROBLEM
    assert a.findings[0].text.startswith("Overfinansiering: ")
    values = {
        "purchase_price": D("3000000"),
        "standard_costs": D("75000"),
        "amount_applied": D("3075000"),
        "grant_applied": D("200000"),
        "purpose": "purchase",
    }
    (message,) = loan_rule_errors(values)["amount_applied"]
    assert "200\u00a0000 kr mer enn kjøpesum og omkostninger (3\u00a0075\u00a0000 kr)" in message


# --------------------------------------------------------------------------
# 6. A fixed rate
# --------------------------------------------------------------------------


def test_a_fixed_rate_sets_the_payment_and_the_stress_test():
    # 5-year fixed 4.50 % + 0.25 pp = 4.75 %: A = 3,075,000·r/(1−(1+r)^−360)
    # with r = 0.0475/12 → 16,040.66 (floating 4.89 %: 16,301.16).
    # Stress: the balance after 60 payments, 3,075,000·(1+r)^60 −
    # A·((1+r)^60 − 1)/r = 2,813,570.80, over the 300 months left at 7 %:
    # 19,885.73 (floating: 20,458.05 from the start).
    p = params(fixed_rates={5: D("0.045")}, **NO_FEE)
    r = D("0.0475") / 12
    assert round(remaining_annuity_balance(D("3075000"), r, 360, 60), 2) == D("2813570.80")
    a = aff.assess(aff.Inputs(**CASE, fixed_rate_years=5), p)
    assert a.loan_rate == D("0.0475")
    assert a.fixed_rate_years == 5
    assert a.payment_first == D("16041")
    assert a.payment_stress == D("19886")
    # 49.95 + 20,458.05 − 19,885.73 = 622.27
    assert a.margin_stress == D("622")
    floating = aff.assess(aff.Inputs(**CASE), p)
    assert (floating.payment_first, floating.payment_stress) == (D("16301"), D("20458"))


def test_an_unknown_fixed_rate_falls_back_to_floating_and_says_so():
    a = aff.assess(aff.Inputs(**CASE, fixed_rate_years=10), params(fixed_rates={5: D("0.045")}, **NO_FEE))
    assert a.loan_rate == D("0.0489") and a.fixed_rate_years is None
    assert any("Fastrente for 10 år er ikke lagt inn" in f.text for f in a.findings)


# --------------------------------------------------------------------------
# 7. Smaller corrections
# --------------------------------------------------------------------------


def test_no_fee_by_default_and_a_fee_with_the_markup_is_flagged():
    assert params().term_fee == D("30")  # the test suite's own override
    bare = aff.Parameters(
        year=2026,
        husbanken_rate=D("0.0464"),
        municipal_markup=D("0.0025"),
        policy_rate=D("0.045"),
        guideline=params().guideline,
        standard=params().standard,
    )
    assert bare.term_fee == D("0")
    a = aff.assess(aff.Inputs(**CASE), params(term_fee=D("30")))
    assert any("dokumenterte kostnader" in f.text for f in a.findings)
    a = aff.assess(aff.Inputs(**CASE), params(term_fee=D("30"), fee_documented=True))
    assert not any("dokumenterte kostnader" in f.text for f in a.findings)


def test_net_income_above_gross_is_questioned():
    # 60,000 × 12 = 720,000 after tax against 420,000 before tax.
    a = aff.assess(
        aff.Inputs(**{**CASE, "monthly_net_income": D("60000"), "annual_gross_income": D("420000")}),
        params(**NO_FEE),
    )
    assert any("er høyere enn brutto årsinntekt (420\u00a0000\u00a0kr)" in f.text for f in a.findings)


def test_tax_free_income_has_lines_of_its_own():
    # Barnetrygd 2 × 1,766 = 3,532, bostøtte 1,000, bidrag 1,500: 6,032 more.
    a = aff.assess(
        aff.Inputs(
            **CASE,
            monthly_child_benefit=D("3532"),
            monthly_housing_allowance=D("1000"),
            monthly_child_support=D("1500"),
        ),
        params(**NO_FEE),
    )
    assert a.monthly_income_total == D("56290")
    assert a.margin_stress == D("6082")  # 49.95 + 6,032


def test_the_grant_need_comes_after_a_longer_term_and_a_fixed_rate():
    # Net 45,000: room in the stress test 45,000 − 26,750 − 3,000 = 15,250.
    # 30 years floating at 7 %: 15,250 / 0.00665302 (the annuity factor) = 2,292,190.
    # 50 years (four conditions documented) at 7 %: 15,250 / 0.00601688 = 2,534,534.
    # 20-year fixed 4.70 % + 0.25 = 4.95 % over 50 years, then the rest at 7 %:
    # 2,715,160, the largest. Grant need: 3,075,000 − 2,715,160 = 359,840
    # (before: 3,075,000 − 2,292,190 = 782,810 at once).
    inputs = aff.Inputs(
        household=FAMILY_8_12,
        purchase_price=D("3000000"),
        amount_applied=D("2500000"),
        monthly_net_income=D("45000"),
        annual_gross_income=D("700000"),
        monthly_housing_costs=D("3000"),
        monthly_electricity=D("0"),
        long_term_conditions_documented=True,
    )
    a = aff.assess(inputs, params(fixed_rates={5: D("0.045"), 20: D("0.047")}, **NO_FEE))
    assert a.max_loan_normal_term == D("2292190")
    assert a.max_loan_extended_term == D("2534534")
    assert (a.max_loan_fixed, a.max_loan_fixed_years) == (D("2715160"), 20)
    assert a.grant_need == D("359840")
    text = next(f.text for f in a.findings if f.text.startswith("Største startlån"))
    assert text.index("30 år") < text.index("50 år") < text.index("fastrente") < text.index("tilskudd")


# --------------------------------------------------------------------------
# Through the database: the form's debts, the snapshot, old snapshots
# --------------------------------------------------------------------------


def _household(municipality):
    household = factories.HouseholdFactory(municipality=municipality)
    factories.PersonFactory(
        household=household, role=PersonRole.MAIN, date_of_birth=datetime.date(1985, 1, 1)
    )
    factories.PersonFactory(
        household=household, role=PersonRole.CO_APPLICANT, date_of_birth=datetime.date(1987, 1, 1)
    )
    return household


def _post(household, **extra):
    data = {
        "household": household.pk,
        "received_on": datetime.date.today().isoformat(),
        "purpose": "purchase",
        "ownership_form": "freehold",
        "purchase_price": "3 000 000",
        "purchase_costs": "",
        "equity": "0",
        "bank_loan": "0",
        "amount_applied": "2 500 000",
        "grant_applied": "0",
        "monthly_net_income": "55 000",
        "annual_gross_income": "850000",
        "monthly_fixed_costs": "0",
        "monthly_living_costs": "",
        "monthly_housing_costs": "3000",
        "term_years": "30",
        "interest_only_years": "0",
        "repayment_type": "annuity",
        "fixed_rate_years": "",
        "debts-TOTAL_FORMS": "2",
        "debts-INITIAL_FORMS": "0",
        "debts-MIN_NUM_FORMS": "0",
        "debts-MAX_NUM_FORMS": "20",
        "debts-0-kind": "student",
        "debts-0-balance": "180 000",
        "debts-0-rate": "5,2",
        "debts-0-term_years": "20",
        "debts-1-kind": "credit",
        "debts-1-balance": "50 000",
        "debts-1-rate": "21,9",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_the_form_stores_each_debt_and_their_sum(caseworker_client, municipality):
    household = _household(municipality)
    response = caseworker_client.post(reverse("startloan:application-create"), _post(household))
    assert response.status_code == 302, response.content.decode()[-3000:]
    application = household.loan_applications.get()
    assert application.existing_debt == D("230000")
    assert [d["kind"] for d in application.debts] == ["student", "credit"]
    assert application.assessment["monthly_debt_payments"] == "2586"
    assert application.assessment["parameters"]["living_cost_basis"].startswith(
        "Namsmannens livsoppholdssatser"
    )
    page = caseworker_client.get(
        reverse("startloan:application-detail", args=[application.pk])
    ).content.decode()
    assert "Studielån" in page and "Strøm og oppvarming" in page


@pytest.mark.django_db
def test_a_debt_needs_a_term_or_a_payment(caseworker_client, municipality):
    household = _household(municipality)
    data = _post(household, **{"debts-0-term_years": ""})
    response = caseworker_client.post(reverse("startloan:application-create"), data)
    assert response.status_code == 200
    assert "Oppgi gjenværende løpetid eller terminbeløp." in response.content.decode()


@pytest.mark.django_db
def test_overfinancing_cannot_be_saved(caseworker_client, municipality):
    household = _household(municipality)
    data = _post(household, amount_applied="3 075 000", grant_applied="200 000")
    response = caseworker_client.post(reverse("startloan:application-create"), data)
    assert response.status_code == 200
    assert "Overfinansiering:" in response.content.decode()
    assert not household.loan_applications.exists()


@pytest.mark.django_db
def test_an_old_snapshot_still_renders(caseworker_client, municipality, caseworker_user):
    household = _household(municipality)
    response = caseworker_client.post(reverse("startloan:application-create"), _post(household))
    application = household.loan_applications.get()
    new_keys = {
        "living_cost_basis",
        "guideline_basis",
        "monthly_child_benefit",
        "monthly_housing_allowance",
        "monthly_child_support",
        "monthly_income_total",
        "monthly_common_costs",
        "monthly_electricity",
        "electricity_standard",
        "debt_lines",
        "monthly_debt_payments",
        "fixed_rate_years",
        "debt_payments_stress",
        "common_debt",
        "common_debt_stress",
        "max_loan_normal_term",
        "max_loan_extended_term",
        "max_loan_fixed",
        "max_loan_fixed_years",
        "max_loan_best",
        "overfinancing",
    }
    application.assessment = {k: v for k, v in application.assessment.items() if k not in new_keys}
    application.save(update_fields=["assessment"])
    assert response.status_code == 302
    page = caseworker_client.get(reverse("startloan:application-detail", args=[application.pk]))
    assert page.status_code == 200
    assert "Felleskostnader, avgifter, forsikring og vedlikehold" in page.content.decode()


@pytest.mark.django_db
def test_the_leader_cannot_add_a_fee_to_the_markup_without_documentation(leader_client, municipality):
    parameters = services.ensure_default_parameters(municipality, 2026)
    assert parameters.term_fee == D("0")
    assert parameters.living_cost_basis_name == "Namsmannens livsoppholdssatser (1.7.2023)"
    assert parameters.guideline_name == "Statens veiledende satser for økonomisk stønad (1.1.2024)"
