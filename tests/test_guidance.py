"""Economic guidance without a loan application (budget, savings plan, debt
overview, versions), one place for the figures (an application starts from
the budget), and the ownership-readiness watch.

Worked cases use the published defaults of `startloan.parameters` for 2026:
the bailiff's living-cost rate for a single adult 10,412 kr (the standard
budget), the social-assistance guideline 7,850 kr (the floor), Husbanken's
4.64 % + 0.25 pp markup, policy rate 4.50 % + 2.5 pp = 7.00 % stress rate.
"""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse

from housing_office.errors import DomainError
from housing_office.models import Job
from startloan import guidance, readiness, services
from startloan.models import HouseholdBudget, LoanParameters, ReadinessStatus, StartLoanApplication
from startloan.tasks import yearly_readiness_watch
from tenants.models import PathwayStage
from tests.factories import household_with_members
from tests.test_startloan import _parameters_post

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 15)

# A single adult renting from the municipality, with a student loan.
BUDGET = {
    "made_on": MARCH,
    "monthly_net_income": D("32000"),
    "annual_gross_income": D("500000"),
    "monthly_housing_allowance": D("1500"),
    "monthly_rent": D("9000"),
    "monthly_fixed_costs": D("1000"),
    "monthly_electricity": D("1200"),
    "debts": [
        {
            "kind": "student",
            "balance": "150000",
            "rate": "4",
            "term_years": None,
            "monthly_payment": "1100",
            "fixed_rate": False,
        }
    ],
    "existing_debt": D("150000"),
    "savings_now": D("40000"),
    "monthly_saving": D("3000"),
    "savings_target": D("150000"),
}


@pytest.fixture
def parameters(municipality) -> LoanParameters:
    return services.ensure_default_parameters(municipality, 2026)


@pytest.fixture
def household(municipality, parameters):
    return household_with_members(municipality, pathway_stage=PathwayStage.GUIDANCE)


# --------------------------------------------------------------------------
# The budget on the assessment's living-cost bases
# --------------------------------------------------------------------------


def test_the_budget_uses_the_assessments_living_costs_and_services_the_debt(household, caseworker_user):
    budget = guidance.save_budget(household, BUDGET, by=caseworker_user)
    f = budget.figures
    # Income: 32,000 + housing allowance 1,500 = 33,500.
    assert D(f["income_total"]) == D("33500")
    # Living costs: the bailiff's single adult 10,412 (above the 7,850 floor).
    assert D(f["living_costs"]) == D("10412")
    assert f["living_cost_basis"] == "Namsmannens livsoppholdssatser (1.7.2023)"
    # The student loan's own payment, 1,100; at the 7 % stress rate its
    # interest rises by 150,000 × (7 % − 4 %) / 12 = 375 → 1,475.
    assert (D(f["debt_payments"]), D(f["debt_payments_stress"])) == (D("1100"), D("1475"))
    # Left: 33,500 − 10,412 − 9,000 rent − 1,000 fixed − 1,200 power − 1,100 = 10,788;
    # after saving 3,000: 7,788.
    assert D(f["left"]) == D("10788")
    assert D(f["left_after_saving"]) == D("7788")


def test_actual_living_costs_below_the_guideline_are_raised_to_it(household, caseworker_user):
    # 6,000 entered is below the guideline 7,850 for a single adult: 7,850
    # is used, as in the affordability assessment (Husbanken's floor).
    budget = guidance.save_budget(
        household, {**BUDGET, "monthly_living_costs": D("6000")}, by=caseworker_user
    )
    assert D(budget.figures["living_costs"]) == D("7850")
    assert budget.figures["guideline_floor_applied"] is True


def test_the_power_bill_default_needs_a_source_or_the_caseworker_enters_it(
    household, parameters, caseworker_user
):
    values = {**BUDGET, "monthly_electricity": None, "dwelling_area": 70}
    # The defaults carry their public source: 14,975 kWh (SSB, terraced
    # house) × 137.5 øre / 12 = 1,716 kr for 51–90 m².
    budget = guidance.save_budget(household, values, by=caseworker_user)
    assert D(budget.figures["electricity"]) == D("1716")
    assert budget.figures["electricity_basis"].startswith("SSB: strømforbruk etter boligtype (2012)")
    # Figures nobody has sourced are not assumed: the caseworker enters the bill.
    LoanParameters.all_objects.filter(pk=parameters.pk).update(electricity_source="")
    with pytest.raises(DomainError, match="Oppgi strøm og oppvarming"):
        guidance.save_budget(household, values, by=caseworker_user)
    assert household.budgets.count() == 1


# --------------------------------------------------------------------------
# The savings plan and the debt overview
# --------------------------------------------------------------------------


def test_the_savings_plan_counts_whole_months_to_the_target():
    # 150,000 − 40,000 = 110,000 left; 110,000 / 3,000 = 36.67 → 37 months;
    # from 15.3.2026: 15.4.2029.
    plan = guidance.savings_plan(
        target=D("150000"), saved=D("40000"), monthly=D("3000"), start=MARCH, left=D("10788")
    )
    assert (plan.remaining, plan.months, plan.expected_on) == (D("110000"), 37, datetime.date(2029, 4, 15))
    assert not plan.beyond_budget and not plan.reached
    # Saving more than the budget leaves is flagged; nothing saved, no date.
    assert guidance.savings_plan(
        target=D("150000"), saved=D("0"), monthly=D("3000"), start=MARCH, left=D("2500")
    ).beyond_budget
    idle = guidance.savings_plan(target=D("150000"), saved=D("0"), monthly=D("0"), start=MARCH, left=D("0"))
    assert (idle.months, idle.expected_on) == (None, None)
    # 31 January + 1 month is the last day of February.
    assert guidance.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)


def test_the_debt_overview_shows_each_debt_now_and_in_the_stress_test(household, caseworker_user):
    credit = {"kind": "credit", "balance": "20000", "rate": "22.9", "term_years": None}
    values = {**BUDGET, "debts": [*BUDGET["debts"], credit], "existing_debt": D("170000")}
    budget = guidance.save_budget(household, values, by=caseworker_user)
    overview = guidance.debt_overview(budget)
    # A credit card's whole limit, repaid over at most 5 years: the annuity
    # of 20,000 at 22.9 %/12 over 60 months = 20,000 × r / (1 − (1 + r)^−60)
    # with r = 0.0190833: (1 + r)^60 = 3.1087, 20,000 × 0.0190833 / 0.67832
    # = 562.67 → 563 kr (the card's rate is above the stress rate already).
    assert [line["kind"] for line in overview.lines] == ["student", "credit"]
    assert D(overview.lines[1]["payment"]) == D("563")
    assert overview.total_balance == D("170000")
    assert overview.monthly_payments == D("1100") + D("563")
    # 170,000 / 500,000 gross = 0.34 times the income.
    assert overview.debt_to_income == D("0.34")


def test_each_change_is_a_new_dated_version_and_progress_shows(household, caseworker_user, caseworker_client):
    guidance.save_budget(household, BUDGET, by=caseworker_user)
    september = {**BUDGET, "made_on": datetime.date(2026, 9, 15), "savings_now": D("58000")}
    guidance.save_budget(household, september, by=caseworker_user)
    rows = guidance.history(household)
    # 40,000 of 150,000 = 26 %; 58,000 = 38 % (whole percent, rounded down).
    assert [(r["budget"].made_on, r["percent"]) for r in rows] == [(MARCH, 26), (september["made_on"], 38)]
    page = caseworker_client.get(reverse("startloan:household-economy", args=[household.pk]))
    text = page.content.decode()
    assert "Framgang" in text and "15.09.2026" in text and "15.03.2026" in text
    # The plan from the latest version: (150,000 − 58,000) / 3,000 = 30.67 → 31 months.
    assert "om 31 måneder" in text


def test_the_budget_form_starts_from_the_tenancy_and_saves_a_version(
    household, caseworker_client, caseworker_user
):
    from tests.factories import DwellingFactory, tenancy_of

    dwelling = DwellingFactory(municipality=household.municipality, area_m2=D("62"))
    tenancy = tenancy_of(household, dwelling, datetime.date(2020, 1, 1))
    url = reverse("startloan:budget-create", args=[household.pk])
    form = caseworker_client.get(url).context["form"]
    assert form.initial["monthly_rent"] == tenancy.monthly_rent and form.initial["dwelling_area"] == 62
    data = {
        "made_on": "2026-03-15",
        "monthly_net_income": "32 000",
        "monthly_rent": "9 000",
        "monthly_electricity": "1 200",
        "target_ownership_form": "freehold",
        "debts-TOTAL_FORMS": "2",
        "debts-INITIAL_FORMS": "0",
        "debts-MIN_NUM_FORMS": "0",
        "debts-MAX_NUM_FORMS": "20",
        "debts-0-kind": "student",
        "debts-0-balance": "150 000",
        "debts-0-rate": "4",
        "debts-0-monthly_payment": "1 100",
        # The empty extra row as a browser posts it: the select's first kind.
        "debts-1-kind": "student",
        "debts-1-balance": "",
        "debts-1-rate": "",
    }
    response = caseworker_client.post(url, data)
    assert response.status_code == 302
    budget = household.budgets.get()
    assert budget.existing_debt == D("150000") and budget.made_by == caseworker_user
    # 32,000 − 10,412 − 9,000 − 1,200 − 1,100 = 10,288.
    assert D(budget.figures["left"]) == D("10288")


# --------------------------------------------------------------------------
# One place for the figures
# --------------------------------------------------------------------------


class _FormValues(HTMLParser):
    """The values a browser would post from the application form as shown."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.values[a["name"]] = "on"
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def test_an_application_opens_with_the_budgets_figures_and_none_is_typed_again(
    household, caseworker_client, caseworker_user
):
    values = {**BUDGET, "target_price": D("2000000"), "target_owner_costs": D("2500")}
    budget = guidance.save_budget(household, values, by=caseworker_user)
    page = caseworker_client.get(reverse("startloan:application-create"), {"household": household.pk})
    text = page.content.decode()
    assert "Tallene er hentet fra husstandens budsjett av 15.03.2026" in text
    parser = _FormValues()
    parser.feed(text[text.index('id="application-form"') :])
    posted = {k: v for k, v in parser.values.items() if k != "csrfmiddlewaretoken"}
    # Posted back exactly as shown: nothing typed.
    response = caseworker_client.post(reverse("startloan:application-create"), posted)
    assert response.status_code == 302, re.findall(
        r'class="invalid-feedback[^>]*>(.*?)<', response.content.decode()
    )
    application = StartLoanApplication.objects.get(household=household)
    for source, target in guidance.TO_APPLICATION.items():
        if source == "debts":
            assert [D(d["balance"]) for d in application.debts] == [D("150000")]
        else:
            assert getattr(application, target) == getattr(budget, source), target
    # The loan applied for: 2,000,000 + 2.5 % document duty 50,000 − 40,000 saved.
    assert application.amount_applied == D("2010000")


# --------------------------------------------------------------------------
# The ownership-readiness watch
# --------------------------------------------------------------------------

# The watched case: the single adult aims at a 2,600,000 kr freehold flat,
# with no savings yet and no debt. Costs 2.5 % = 65,000; loan 2,665,000.
# Room: 32,000 − 10,412 living − 1,000 fixed − 2,500 owner's costs − 1,200
# power = 16,888 a month (the rent goes when they buy).
# At the 7.00 % stress rate (policy 4.50 + 2.5) the 30-year annuity is
# 2,665,000 × r / (1 − (1 + r)^−360), r = 0.07/12: 17,730 → 842 short.
# The leader lowers the policy rate to 3.50: stress 6.00 %, r = 0.005:
# 15,978 → 910 to spare: a start loan has become affordable.
WATCHED = {
    "made_on": MARCH,
    "monthly_net_income": D("32000"),
    "annual_gross_income": D("500000"),
    "monthly_rent": D("9000"),
    "monthly_fixed_costs": D("1000"),
    "monthly_electricity": D("1200"),
    "target_price": D("2600000"),
    "target_owner_costs": D("2500"),
}


def test_a_household_becomes_ready_when_the_leader_lowers_the_policy_rate(
    household, parameters, caseworker_user, leader_client, django_capture_on_commit_callbacks
):
    guidance.save_budget(household, WATCHED, by=caseworker_user)
    result = readiness.run_watch(household.municipality_id, on=MARCH)
    status = ReadinessStatus.objects.get(household=household)
    assert result == {"checked": 1, "flagged": 0, "newly_flagged": 0}
    assert not status.affordable and status.flagged_on is None
    assert D(status.figures["payment_stress"]) == D("17730")
    assert D(status.figures["margin_stress"]) == D("-842")

    post = _parameters_post(
        parameters,
        policy_rate="3,5",
        term_fee="0",
        fee_documented="",
        electricity_up_to_50="1026",
        electricity_up_to_90="1716",
        electricity_over_90="2316",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(reverse("startloan:parameters-edit", args=[2026]), post)
    assert response.status_code == 302
    job = Job.all_objects.get(kind=readiness.READINESS_JOB)
    assert job.state == "done" and job.result["flagged"] == 1
    status.refresh_from_db()
    assert status.affordable and status.flagged_on is not None and status.job == job
    assert D(status.figures["stress_rate"]) == D("0.06")
    assert D(status.figures["payment_stress"]) == D("15978")
    assert D(status.figures["margin_stress"]) == D("910")
    assert D(status.figures["loan_needed"]) == D("2665000")

    page = leader_client.get(reverse("startloan:readiness-list")).content.decode()
    assert household.reference in page and "2\xa0665\xa0000\xa0kr" in page
    economy = leader_client.get(reverse("startloan:household-economy", args=[household.pk])).content.decode()
    assert "Startlån ser ut til å være innen rekkevidde." in economy and "6,00\xa0%" in economy


def test_the_watch_is_idempotent_and_keeps_the_day_first_flagged(household, caseworker_user):
    guidance.save_budget(household, {**WATCHED, "monthly_net_income": D("40000")}, by=caseworker_user)
    readiness.run_watch(household.municipality_id, on=MARCH)
    readiness.run_watch(household.municipality_id, on=datetime.date(2026, 4, 1))
    status = ReadinessStatus.objects.get(household=household)
    assert status.affordable and status.flagged_on == MARCH
    assert ReadinessStatus.objects.count() == 1
    # A household whose work has ended drops off the watch.
    household.pathway_stage = PathwayStage.BOUGHT_HOME
    household.save()
    readiness.run_watch(household.municipality_id, on=MARCH)
    assert not ReadinessStatus.objects.exists()


def test_only_budgets_aiming_at_a_home_are_watched_and_the_latest_counts(household, caseworker_user):
    guidance.save_budget(household, {**WATCHED, "monthly_net_income": D("40000")}, by=caseworker_user)
    # The later version has no target: the household is not watched.
    guidance.save_budget(
        household, {**WATCHED, "made_on": datetime.date(2026, 6, 1), "target_price": None}, by=caseworker_user
    )
    assert readiness.run_watch(household.municipality_id, on=MARCH)["checked"] == 0


def test_yearly_run_and_the_command_make_job_rows(
    household, caseworker_user, municipality, other_municipality, django_capture_on_commit_callbacks
):
    guidance.save_budget(household, {**WATCHED, "monthly_net_income": D("40000")}, by=caseworker_user)
    with django_capture_on_commit_callbacks(execute=True):
        jobs = yearly_readiness_watch.apply(args=([municipality.pk, other_municipality.pk],)).get()
    # Only the municipality with budgets gets a job; eager here, so it ran.
    assert [Job.all_objects.get(pk=pk).municipality_id for pk in jobs] == [municipality.pk]
    assert ReadinessStatus.objects.get(household=household).affordable
    out = io.StringIO()
    call_command("readiness_watch", municipality=municipality.number, stdout=out)
    assert "1 vurdert, 1 flagget" in out.getvalue()
    assert Job.all_objects.filter(kind=readiness.READINESS_JOB).count() == 2


# --------------------------------------------------------------------------
# Scoping and the list's queries
# --------------------------------------------------------------------------


def test_another_municipalitys_budget_is_404(other_municipality, caseworker_client, other_caseworker):
    services.ensure_default_parameters(other_municipality, 2026)
    theirs = household_with_members(other_municipality, pathway_stage=PathwayStage.GUIDANCE)
    guidance.save_budget(theirs, {**WATCHED, "monthly_net_income": D("40000")}, by=other_caseworker)
    readiness.run_watch(other_municipality.pk, on=MARCH)
    assert ReadinessStatus.all_objects.get(household=theirs).affordable
    for name in ("startloan:household-economy", "startloan:budget-create"):
        assert caseworker_client.get(reverse(name, args=[theirs.pk])).status_code == 404
    page = caseworker_client.get(reverse("startloan:readiness-list")).content.decode()
    assert theirs.reference not in page
    assert HouseholdBudget.all_objects.filter(household=theirs).count() == 1


def test_the_readiness_list_makes_a_constant_number_of_queries(
    municipality, caseworker_user, caseworker_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.ensure_default_parameters(municipality, 2026)

    def flag(n: int) -> int:
        for _ in range(n):
            h = household_with_members(municipality, pathway_stage=PathwayStage.GUIDANCE)
            guidance.save_budget(h, {**WATCHED, "monthly_net_income": D("40000")}, by=caseworker_user)
        readiness.run_watch(municipality.pk, on=MARCH)
        with CaptureQueriesContext(connection) as queries:
            page = caseworker_client.get(reverse("startloan:readiness-list"))
        assert page.status_code == 200
        return len(queries)

    one = flag(1)
    assert flag(3) == one
    page = caseworker_client.get(reverse("startloan:readiness-list")).content.decode()
    assert page.count("Søknad med budsjettets tall") == 4
