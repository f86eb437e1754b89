"""The case runs on without a figure typed twice: a held mapping meeting
goes straight on to the household's budget, the household page registers a
start-loan application, the follow-up starts the financing certificate from
the decision; and the living-cost basis in use is always named, an empty
SIFO table never read as nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from startloan import affordability as aff
from startloan import services
from startloan.handoff import handoff_sections
from startloan.models import LivingCostBasis
from tenants.models import MeetingStatus, OutreachMeeting, PathwayStage
from tests.test_households import make_household
from tests.test_meetings import NOW, _new_meeting_data, frozen, meeting  # noqa: F401
from tests.test_startloan_case import TODAY, _granted

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------
# From the meeting to the budget
# --------------------------------------------------------------------------


def test_a_held_meeting_goes_straight_on_to_the_households_budget(
    frozen,  # noqa: F811
    caseworker_client,
    caseworker_user,
    municipality,
):
    household = make_household(municipality, pathway_stage=PathwayStage.SUMMONED)
    m = meeting(household, caseworker_user, NOW - datetime.timedelta(hours=1))
    url = reverse("tenants:meeting-record", args=[m.pk])
    budget = reverse("startloan:budget-create", args=[household.pk])
    page = caseworker_client.get(url).content.decode()
    assert f'name="then" value="{budget}"' in page and "Lagre og lag budsjett" in page
    response = caseworker_client.post(url, {"status": "held", "outcome_notes": "Vil kjøpe", "then": budget})
    assert response["Location"] == budget
    m.refresh_from_db()
    assert m.status == MeetingStatus.HELD
    # Another site is never followed; the household page instead.
    other = meeting(household, caseworker_user, NOW - datetime.timedelta(minutes=30))
    response = caseworker_client.post(
        reverse("tenants:meeting-record", args=[other.pk]),
        {"status": "held", "then": "https://example.com/"},
    )
    assert response["Location"] == reverse("tenants:household-detail", args=[household.pk])


def test_a_no_show_does_not_open_a_budget(frozen, caseworker_client, caseworker_user, municipality):  # noqa: F811
    household = make_household(municipality, pathway_stage=PathwayStage.SUMMONED)
    m = meeting(household, caseworker_user, NOW - datetime.timedelta(hours=1))
    budget = reverse("startloan:budget-create", args=[household.pk])
    response = caseworker_client.post(
        reverse("tenants:meeting-record", args=[m.pk]), {"status": "no_show", "then": budget}
    )
    assert response["Location"] == reverse("tenants:household-detail", args=[household.pk])


def test_a_walk_in_registered_as_held_goes_on_to_the_budget(
    frozen,  # noqa: F811
    caseworker_client,
    caseworker_user,
    municipality,
):
    household = make_household(municipality, pathway_stage=PathwayStage.NOT_ASSESSED)
    url = reverse("tenants:meeting-create") + f"?household={household.pk}"
    budget = reverse("startloan:budget-create", args=[household.pk])
    assert "Lagre og lag budsjett" in caseworker_client.get(url + "&kind=held").content.decode()
    assert "Lagre og lag budsjett" not in caseworker_client.get(url + "&kind=plan").content.decode()
    data = _new_meeting_data(
        caseworker_user, "held", NOW - datetime.timedelta(hours=1), outcome_notes="Vil kjøpe", then=budget
    )
    response = caseworker_client.post(url, data)
    assert response["Location"] == budget
    assert OutreachMeeting.objects.get().status == MeetingStatus.HELD


def test_the_household_page_registers_a_start_loan_application(caseworker_client, municipality):
    household = make_household(municipality)
    page = caseworker_client.get(reverse("tenants:household-detail", args=[household.pk])).content.decode()
    assert f'href="{reverse("startloan:application-create")}?household={household.pk}"' in page
    assert "Registrer søknad om startlån" in page


# --------------------------------------------------------------------------
# The financing certificate starts from the decision
# --------------------------------------------------------------------------


def test_the_follow_up_starts_the_certificate_from_the_decision(
    caseworker_client, caseworker_user, municipality
):
    application = _granted(municipality, caseworker_user)
    # The application of tests.test_startloan: start loan 2,500,000, equity
    # 50,000, costs 75,000, no bank loan → a price of at most 2,475,000.
    assert services.follow_up_initial(application) == {
        "financing_certificate_on": TODAY,
        "financing_certificate_price_cap": D("2475000"),
    }
    page = caseworker_client.get(reverse("startloan:application-edit", args=[application.pk]))
    form = page.context["form"]
    assert form["financing_certificate_on"].value() == TODAY
    assert form["financing_certificate_price_cap"].value() == "2 475 000"
    # What the caseworker entered is kept, never overwritten by the default.
    application.financing_certificate_price_cap = D("2400000")
    application.save()
    assert "financing_certificate_price_cap" not in services.follow_up_initial(application)


# --------------------------------------------------------------------------
# The living-cost basis in use
# --------------------------------------------------------------------------


def test_sifo_chosen_without_its_tables_uses_the_guideline_and_says_so(leader_client, municipality):
    parameters = services.ensure_default_parameters(municipality, 2026)
    # Chosen where the tables are not checked (the admin, a copied year).
    parameters.living_cost_basis = LivingCostBasis.SIFO
    parameters.living_cost_basis_date = datetime.date(2026, 2, 1)
    parameters.save()
    standard = services.to_affordability(parameters).standard
    # Not an empty SIFO budget worth 0 kr: the guideline rates of 2024, a
    # couple with 8 and 12 at 13,100 + 3,950 + 5,150 = 22,200 kr.
    assert isinstance(standard, aff.RateTable)
    family = aff.HouseholdComposition(adults=2, couple=True, children_ages=(8, 12))
    assert standard.monthly_total(family) == D("22200")
    assert standard.name == (
        "Statens veiledende satser for økonomisk stønad – SIFO-tabellene for 2026 er ikke fylt ut"
    )
    assert services.basis_in_use(parameters)["sifo_missing"]
    edit = leader_client.get(reverse("startloan:parameters-edit", args=[2026])).content.decode()
    assert "SIFO-tabellene for 2026 er ikke fylt ut</strong>" in edit
    assert "et tomt SIFO-budsjett brukes aldri som null" in edit
    listing = leader_client.get(reverse("startloan:parameters-list")).content.decode()
    assert "SIFOs referansebudsjett er valgt, men SIFO-tabellene er ikke fylt ut" in listing
    assert "SIFO-tabellene leveres tomme" in listing


def test_the_basis_in_use_is_named_on_the_leaders_pages(leader_client, municipality):
    parameters = services.ensure_default_parameters(municipality, 2026)
    assert services.basis_in_use(parameters) == {
        "name": "Namsmannens livsoppholdssatser (1.7.2023)",
        "sifo_missing": False,
    }
    edit = leader_client.get(reverse("startloan:parameters-edit", args=[2026])).content.decode()
    assert "i bruk nå: <strong>Namsmannens livsoppholdssatser (1.7.2023)</strong>" in edit
    listing = leader_client.get(reverse("startloan:parameters-list")).content.decode()
    assert "Namsmannens livsoppholdssatser (1.7.2023)" in listing


def test_the_hand_off_names_a_child_born_after_the_application_came_in(caseworker_user, municipality):
    application = _granted(municipality, caseworker_user)
    # The assessment was made when the application came in; a child born
    # since is in the register with no age then (-1 in the snapshot).
    application.assessment = {**application.assessment, "children_ages": [4, -1, None]}
    rows = dict(handoff_sections(application, [])[0]["rows"])
    assert rows["Barn (alder)"] == "4, født etter at søknaden kom inn, ?"
