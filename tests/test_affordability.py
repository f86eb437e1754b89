"""The affordability maths (betjeningsevne): worked examples to the krone
and properties that must hold for any input."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from startloan import affordability as aff

OERE = D("0.01")


def _oere(x: D) -> D:
    return x.quantize(OERE)


def guideline_2024() -> aff.RateTable:
    return aff.RateTable(
        single_adult=D("7850"),
        couple=D("13100"),
        other_adult=D("6600"),
        children=(
            aff.ChildRate(0, 5, D("3850")),
            aff.ChildRate(6, 10, D("3950")),
            aff.ChildRate(11, 17, D("5150")),
        ),
    )


def standard_2023() -> aff.RateTable:
    return aff.RateTable(
        single_adult=D("10412"),
        couple=D("17634"),
        other_adult=D("10412"),
        children=(
            aff.ChildRate(0, 5, D("3332")),
            aff.ChildRate(6, 10, D("4420")),
            aff.ChildRate(11, 14, D("5580")),
            aff.ChildRate(15, None, D("6418")),
        ),
        reduce_from_member=4,
        reduction=D("0.20"),
    )


def params(**overrides) -> aff.Parameters:
    values = {
        "year": 2024,
        "husbanken_rate": D("0.0464"),
        "municipal_markup": D("0.0025"),
        "policy_rate": D("0.045"),
        "guideline": guideline_2024(),
        "standard": standard_2023(),
        "term_fee": D("30"),
    }
    values.update(overrides)
    return aff.Parameters(**values)


FAMILY = aff.HouseholdComposition(adults=2, couple=True, children_ages=(4, 9))


# --------------------------------------------------------------------------
# Worked examples
# --------------------------------------------------------------------------


def test_annuity_two_million_at_five_percent_over_thirty_years():
    payment = aff.annuity_payment(D("2000000"), D("0.05"), 360)
    assert _oere(payment) == D("10736.43")
    assert aff._kr(payment) == D("10736")


def test_annuity_adds_the_term_fee():
    assert _oere(aff.annuity_payment(D("2000000"), D("0.05"), 360, fee=D("30"))) == D("10766.43")


def test_annuity_at_zero_rate_is_principal_over_months():
    assert aff.annuity_payment(D("360000"), D("0"), 360) == D("1000")


def test_serial_first_and_second_month():
    # P/n + P·r = 5,555.56 + 8,333.33
    assert _oere(aff.serial_payment(D("2000000"), D("0.05"), 360, 1)) == D("13888.89")
    # P/n + (P − P/n)·r
    assert _oere(aff.serial_payment(D("2000000"), D("0.05"), 360, 2)) == D("13865.74")
    # The last month: P/n + (P/n)·r
    assert _oere(aff.serial_payment(D("2000000"), D("0.05"), 360, 360)) == D("5578.70")


def test_interest_only_then_annuity_over_the_remaining_months():
    plan = aff.payment_plan(D("2000000"), D("0.05"), 30, interest_only_years=5)
    assert _oere(plan.interest_only) == D("8333.33")
    # Annuity over 25 years: 584.59 per 100,000 at 5 %.
    assert _oere(plan.after_interest_only) == D("11691.80")
    assert plan.highest == plan.after_interest_only
    assert plan.first == plan.interest_only


def test_interest_only_phase_must_be_shorter_than_the_term():
    with pytest.raises(ValueError):
        aff.payment_plan(D("100000"), D("0.05"), 8, interest_only_years=8)


def test_total_interest_annuity():
    plan = aff.payment_plan(D("2000000"), D("0.05"), 30)
    # 360 × 10,736.43 − 2,000,000
    assert aff._kr(plan.total_interest) == D("1865116")


def test_max_principal_is_the_inverse_of_the_annuity():
    assert aff._kr(aff.max_principal(D("10736.432460242780"), D("0.05"), 30)) == D("2000000")
    assert aff.max_principal(D("20"), D("0.05"), 30, fee=D("30")) == 0


def test_guideline_rates_for_a_couple_with_two_children():
    # 13,100 + 3,850 (4 years) + 3,950 (9 years)
    assert guideline_2024().monthly_total(FAMILY) == D("20900")


def test_standard_budget_reduces_from_the_fourth_member():
    # 8,817 + 8,817 + 4,420 + 3,332 × 0.8: the cheapest member is reduced.
    assert standard_2023().monthly_total(FAMILY) == D("24719.6")


def test_single_parent_and_an_adult_child():
    household = aff.HouseholdComposition(adults=2, couple=False, children_ages=(12,))
    # Single 7,850 + other adult 6,600 + child 11–17 5,150
    assert guideline_2024().monthly_total(household) == D("19600")


def test_child_without_birth_date_gets_the_highest_rate():
    household = aff.HouseholdComposition(adults=1, children_ages=(None,))
    assert guideline_2024().monthly_total(household) == D("7850") + D("5150")


# The family of the worked examples: living costs below the guideline rate.
WORKED_FAMILY = aff.Inputs(
    household=FAMILY,
    purchase_price=D("3000000"),
    amount_applied=D("2500000"),
    monthly_net_income=D("55000"),
    annual_gross_income=D("850000"),
    monthly_living_costs=D("15000"),
    monthly_fixed_costs=D("3000"),
    monthly_housing_costs=D("4000"),
    equity=D("50000"),
)


def test_guideline_rate_is_a_floor_under_actual_living_costs():
    a = aff.assess(WORKED_FAMILY, params())
    assert a.living_costs_guideline == D("20900")
    assert a.living_costs_used == D("20900")
    assert a.guideline_floor_applied
    assert any("sosialhjelpssatsen" in f.text for f in a.findings)
    # D = 55,000 − 20,900 − 3,000 − 4,000
    assert a.disposable == D("27100")


def test_worked_example_passes_the_stress_test():
    a = aff.assess(WORKED_FAMILY, params())
    assert a.stress_rate == D("0.07")
    assert a.loan_rate == D("0.0489")
    # 2,500,000 at 7 % over 30 years: 16,632.56 + 30 in fee.
    assert a.payment_stress == D("16663")
    assert a.margin_stress == D("10437")
    assert a.passes_stress_test
    # (27,100 − 30) · (1 − (1 + 0.07/12)^−360) / (0.07/12)
    assert a.max_loan == D("4068826")
    # Freehold: 2.5 % document duty.
    assert a.purchase_costs == D("75000")
    assert a.purchase_costs_standard
    assert a.grant_need == D("0")
    assert a.findings[0].text.startswith("Betjeningsevnen holder ved stresstest")


def test_worked_example_grant_need():
    inputs = aff.Inputs(
        household=FAMILY,
        purchase_price=D("3000000"),
        amount_applied=D("2950000"),
        monthly_net_income=D("42900"),
        annual_gross_income=D("650000"),
        monthly_living_costs=None,  # standard budget 24,719.60
        monthly_fixed_costs=D("0"),
        monthly_housing_costs=D("3180.40"),
        equity=D("50000"),
    )
    a = aff.assess(inputs, params())
    assert a.living_costs_used == D("24720")
    assert not a.guideline_floor_applied
    assert a.disposable == D("15000")
    # P_max = 14,970 / factor(7 %, 360) = 2,250,104.29
    assert a.max_loan == D("2250104")
    # 3,000,000 + 75,000 − 50,000 − 0 − 2,250,104.29
    assert a.grant_need == D("774896")
    assert not a.passes_stress_test
    assert a.findings[0].level == aff.Level.PROBLEM
    texts = " ".join(f.text for f in a.findings)
    assert "Beregnet behov for etableringstilskudd etter dette: 774\u00a0896\u00a0kr" in texts


def test_cooperative_costs_are_the_fixed_sum():
    inputs = aff.Inputs(
        household=FAMILY,
        purchase_price=D("2000000"),
        amount_applied=D("1000000"),
        monthly_net_income=D("50000"),
        annual_gross_income=D("800000"),
        ownership_form=aff.Ownership.COOPERATIVE,
    )
    assert aff.assess(inputs, params()).purchase_costs == D("5000")


def test_bank_limits():
    inputs = aff.Inputs(
        household=aff.HouseholdComposition(adults=1),
        purchase_price=D("3000000"),
        amount_applied=D("200000"),
        bank_loan=D("2800000"),
        monthly_net_income=D("30000"),
        annual_gross_income=D("500000"),
    )
    a = aff.assess(inputs, params(bank_rate=D("0.055")))
    # max(5.5 % + 3 pp, 7 %)
    assert a.bank_stress_rate == D("0.085")
    assert a.debt_to_income == D("6.0000")
    assert not a.debt_limit_ok
    assert not a.loan_to_value_ok  # 93.3 % > 90 %
    texts = [f.text for f in a.findings]
    assert any(t.startswith("Banklånet overstiger 5 × inntekt") for t in texts)
    assert any("Banklånet overstiger 90,00" in t for t in texts)
    assert any("tåler ikke bankens stresstest" in t for t in texts)


def test_bank_stress_floor_is_seven_percent():
    assert params(bank_rate=D("0.03")).bank_stress_rate == D("0.07")


def test_no_loan_no_payments():
    inputs = aff.Inputs(
        household=aff.HouseholdComposition(adults=1),
        purchase_price=D("100000"),
        amount_applied=D("0"),
        monthly_net_income=D("30000"),
        annual_gross_income=D("400000"),
    )
    a = aff.assess(inputs, params())
    assert a.payment_first == 0 and a.payment_stress == 0


def test_snapshot_is_json_ready():
    import json

    inputs = aff.Inputs(
        household=FAMILY,
        purchase_price=D("3000000"),
        amount_applied=D("2500000"),
        monthly_net_income=D("55000"),
        annual_gross_income=D("850000"),
    )
    assessment = aff.assess(inputs, params())
    data = json.loads(json.dumps(assessment.as_dict()))
    assert data["max_loan"] == str(assessment.max_loan)
    assert data["findings"][0]["level"] == "ok"


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

money = st.decimals(min_value=10_000, max_value=10_000_000, places=0)
rates = st.decimals(min_value="0.001", max_value="0.15", places=4)
years = st.integers(min_value=1, max_value=50)
repayments = st.sampled_from([aff.Repayment.ANNUITY, aff.Repayment.SERIAL])


@st.composite
def loan_terms(draw):
    term = draw(years)
    interest_only = draw(st.integers(min_value=0, max_value=min(8, term - 1)))
    return term, interest_only, draw(repayments)


@settings(max_examples=200, deadline=None)
@given(
    available=st.decimals(min_value=100, max_value=200_000, places=2),
    rate=rates,
    terms=loan_terms(),
    fee=st.decimals(min_value=0, max_value=90, places=0),
)
def test_the_largest_loan_costs_exactly_what_is_available(available, rate, terms, fee):
    term, interest_only, repayment = terms
    assume(available > fee)
    principal = aff.max_principal(
        available, rate, term, repayment=repayment, interest_only_years=interest_only, fee=fee
    )
    plan = aff.payment_plan(
        principal, rate, term, repayment=repayment, interest_only_years=interest_only, fee=fee
    )
    assert abs(plan.highest - available) < D("1e-15") * max(available, 1)
    # Rounded to the krone the payment moves by less than one krone.
    rounded = aff._kr(principal)
    plan = aff.payment_plan(
        rounded, rate, term, repayment=repayment, interest_only_years=interest_only, fee=fee
    )
    assert abs(plan.highest - available) < 1


@settings(max_examples=150, deadline=None)
@given(
    income=st.decimals(min_value=20_000, max_value=120_000, places=0),
    adults=st.integers(min_value=1, max_value=3),
    children=st.lists(st.integers(min_value=0, max_value=17), max_size=5),
    terms=loan_terms(),
    policy=st.decimals(min_value="0", max_value="0.08", places=4),
    bank_loan=st.sampled_from([D("0"), D("500000"), D("1500000")]),
)
def test_assessed_largest_loan_uses_up_the_disposable_amount(
    income, adults, children, terms, policy, bank_loan
):
    term, interest_only, repayment = terms
    household = aff.HouseholdComposition(adults=adults, couple=adults >= 2, children_ages=tuple(children))
    p = params(policy_rate=policy)
    base = {
        "household": household,
        "purchase_price": D("4000000"),
        "monthly_net_income": income,
        "annual_gross_income": income * 16,
        "bank_loan": bank_loan,
        "term_years": term,
        "interest_only_years": interest_only,
        "repayment_type": repayment,
    }
    first = aff.assess(aff.Inputs(amount_applied=D("1000000"), **base), p)
    assert first.living_costs_used >= first.living_costs_guideline
    assume(first.max_loan > 0)
    second = aff.assess(aff.Inputs(amount_applied=first.max_loan, **base), p)
    # The stress payments on the largest loan (and the bank loan) equal the
    # disposable amount: the margin is zero, give or take the rounding.
    assert abs(second.margin_stress) <= 1
    assert second.passes_stress_test or second.margin_stress == 0


@settings(max_examples=200, deadline=None)
@given(
    principal=money, rate=rates, terms=loan_terms(), extra=st.decimals(min_value="0.0001", max_value="0.05")
)
def test_payment_grows_with_the_rate(principal, rate, terms, extra):
    term, interest_only, repayment = terms
    low = aff.payment_plan(principal, rate, term, repayment=repayment, interest_only_years=interest_only)
    high = aff.payment_plan(
        principal, rate + extra, term, repayment=repayment, interest_only_years=interest_only
    )
    assert high.highest > low.highest
    assert high.first > low.first


@settings(max_examples=200, deadline=None)
@given(
    principal=money,
    rate=st.decimals(min_value="0", max_value="0.15", places=4),
    term=years,
    longer=st.integers(1, 20),
)
def test_annuity_payment_falls_with_the_term(principal, rate, term, longer):
    short = aff.annuity_payment(principal, rate, 12 * term)
    long = aff.annuity_payment(principal, rate, 12 * (term + longer))
    assert long < short


@settings(max_examples=200, deadline=None)
@given(principal=money, rate=rates, term=st.integers(min_value=2, max_value=50))
def test_serial_pays_less_interest_than_annuity(principal, rate, term):
    serial = aff.payment_plan(principal, rate, term, repayment=aff.Repayment.SERIAL)
    annuity = aff.payment_plan(principal, rate, term, repayment=aff.Repayment.ANNUITY)
    assert serial.total_interest < annuity.total_interest
    # A serial loan starts higher and ends lower.
    assert serial.first > annuity.first


@settings(max_examples=100, deadline=None)
@given(principal=money, rate=rates, term=years)
def test_serial_total_interest_matches_the_month_by_month_sum(principal, rate, term):
    n = 12 * term
    paid = sum(aff.serial_payment(principal, rate, n, k) for k in range(1, n + 1))
    plan = aff.payment_plan(principal, rate, term, repayment=aff.Repayment.SERIAL)
    assert abs((paid - principal) - plan.total_interest) < D("0.000001")


@settings(max_examples=100, deadline=None)
@given(
    price=money,
    equity=st.decimals(min_value=0, max_value=500_000, places=0),
    income=st.decimals(min_value=15_000, max_value=100_000, places=0),
)
def test_grant_need_is_never_negative_and_closes_the_gap(price, equity, income):
    inputs = aff.Inputs(
        household=FAMILY,
        purchase_price=price,
        amount_applied=price,
        equity=equity,
        monthly_net_income=income,
        annual_gross_income=income * 15,
    )
    a = aff.assess(inputs, params())
    assert a.grant_need >= 0
    # What the household can borrow plus the grant covers the rest, to the krone.
    assert a.grant_need + a.max_loan + a.equity >= a.total_cost - 1 or a.grant_need == 0
