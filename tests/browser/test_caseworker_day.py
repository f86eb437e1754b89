"""Issue 16's stumbling blocks, walked in a real browser as a new caseworker
meets them: a walk-in meeting recorded as held (and one in the future
refused without the page claiming it was saved), households chosen by name
in the start-loan picker, a candidate list without the households that are
already past the mapping meeting, and households that leave their flat
never written to there (a new address is asked for; an unknown one keeps
them out of the next summons). Then the same household list and page on a
phone. axe finds no serious or critical violation on any page on the way
(the ending of a tenancy "kjøpt egen bolig" with the new address is walked
in test_journey)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dwellings.models import Tenancy
from letters.models import Letter
from tenants.models import Household, MeetingStatus, OutreachMeeting, PathwayStage, PersonRole
from tenants.services import refresh_search_text

from .. import factories
from ..test_summons import a_monday
from .conftest import log_in
from .test_accessibility import serious_violations

PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def _household(municipality, reference, first, last, stage=PathwayStage.NOT_ASSESSED, co=None, **fields):
    household = factories.HouseholdFactory(
        municipality=municipality, reference=reference, pathway_stage=stage, **fields
    )
    factories.PersonFactory(household=household, first_name=first, last_name=last, role=PersonRole.MAIN)
    if co:
        factories.PersonFactory(
            household=household, first_name=co[0], last_name=co[1], role=PersonRole.CO_APPLICANT
        )
    refresh_search_text(household)
    dwelling = {"address": fields["address"]} if "address" in fields else {}
    factories.TenancyFactory(
        household=household,
        start_date=datetime.date(2016, 3, 1),
        **{f"dwelling__{k}": v for k, v in dwelling.items()},
    )
    return household


@pytest.fixture
def office(municipality):
    factories.caseworker(municipality, username="siri", first_name="Siri", last_name="Saksbehandler")
    return {
        "walk_in": _household(municipality, "H-2016-001", "Aud", "Tønnessen"),
        "mapped": _household(municipality, "H-2016-002", "Kari", "Tønnessen", PathwayStage.MAPPED),
        "applying": _household(
            municipality, "H-2016-003", "Nils", "Tønnessen", PathwayStage.APPLYING_LOAN, co=("Eva", "Berg")
        ),
        "granted": _household(municipality, "H-2016-004", "Ola", "Lie", PathwayStage.LOAN_GRANTED),
    }


def test_a_walk_in_meeting_is_recorded_as_held(page, office):
    household = office["walk_in"]
    log_in(page, "siri")
    page.goto(reverse("tenants:household-detail", args=[household.pk]))
    page.get_by_role("link", name="Registrer holdt samtale").click()
    expect(page.get_by_role("heading", level=1, name="Ny samtale")).to_be_visible()
    expect(page.get_by_label("Registrer en samtale som er holdt")).to_be_checked()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    # First a time that has not come yet: refused, and nothing says it was held.
    page.get_by_label("Dato").fill((timezone.localdate() + datetime.timedelta(days=1)).isoformat())
    page.get_by_label("Klokkeslett").fill("10:00")
    page.get_by_role("textbox", name="Sted").fill("Resepsjonen, rådhuset")
    page.get_by_label("Hva kom fram").fill("Kom innom uten avtale; vil vite mer om startlån.")
    page.get_by_role("button", name="Lagre", exact=True).click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    expect(page.get_by_text("Gjennomført", exact=True)).to_have_count(0)
    assert not OutreachMeeting.all_objects.exists()
    assert serious_violations(page) == []

    page.get_by_label("Dato").fill(yesterday.isoformat())
    page.get_by_role("button", name="Lagre", exact=True).click()
    page.wait_for_url(lambda url: "/samtaler/ny/" not in url)
    meeting = OutreachMeeting.all_objects.get(household=household)
    assert meeting.status == MeetingStatus.HELD
    assert timezone.localtime(meeting.starts_at).date() == yesterday
    assert "uten avtale" in meeting.outcome_notes
    household.refresh_from_db()
    # A held mapping meeting moves a household not yet assessed on to "mapped".
    assert household.pathway_stage == PathwayStage.MAPPED
    assert serious_violations(page) == []


def test_the_start_loan_picker_shows_names(page, office):
    log_in(page, "siri")
    page.goto(reverse("startloan:application-create"))
    page.get_by_label("Søk etter referanse, navn eller adresse").fill("Tonnessen")
    page.get_by_role("button", name="Søk").click()
    hits = page.get_by_role("table")
    for name in ("Aud Tønnessen", "Kari Tønnessen", "Nils Tønnessen"):
        expect(hits.get_by_role("rowheader", name=name)).to_be_visible()
    expect(hits).to_contain_text("Eva Berg")
    choose = page.get_by_role("link", name="Velg Nils Tønnessen (H-2016-003)")
    expect(choose).to_be_visible()
    assert serious_violations(page) == []


def test_the_candidate_list_leaves_out_households_past_mapping(page, office):
    log_in(page, "siri")
    page.goto(reverse("tenants:candidate-list"))
    results = page.locator("main")
    expect(results).to_contain_text("H-2016-001")
    expect(results).to_contain_text("H-2016-002")
    expect(results).not_to_contain_text("H-2016-003")
    expect(results).not_to_contain_text("H-2016-004")
    assert serious_violations(page) == []


def _end_tenancy(page, household, reason: str) -> None:
    """From the household's page to the ending of its tenancy."""
    page.goto(reverse("tenants:household-detail", args=[household.pk]))
    page.get_by_role("link", name="Avslutt leieforholdet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avslutt leieforhold")
    expect(page.locator("main")).to_contain_text(str(household.members.get(role=PersonRole.MAIN)))
    page.get_by_label("Sluttdato").fill(timezone.localdate().isoformat())
    page.get_by_label("Årsak til avslutning").select_option(label=reason)


def test_a_household_that_leaves_its_flat_is_not_written_to_there(page, municipality):
    moved = _household(
        municipality, "H-2016-010", "Per", "Moe",
        address="Kongens gate 12", postal_code="3717", postal_place="SKIEN",
    )  # fmt: skip
    gone = _household(
        municipality, "H-2016-011", "Liv", "Berg",
        address="Kongens gate 14", postal_code="3717", postal_place="SKIEN",
    )  # fmt: skip
    factories.caseworker(municipality, username="siri", first_name="Siri", last_name="Saksbehandler")
    log_in(page, "siri")

    # Ending a tenancy asks where the household went; without an answer it
    # is refused and nothing ends.
    _end_tenancy(page, moved, "Annet")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Avslutt leieforholdet").click()
    expect(page.get_by_role("alert").first).to_contain_text("Fyll ut husstandens nye adresse")
    assert Tenancy.objects.get(household=moved).end_date is None
    assert serious_violations(page) == []
    new_address = page.get_by_role("group", name="Husstandens nye postadresse")
    new_address.get_by_label("Ny adresse", exact=True).fill("Solbakken 3")
    new_address.get_by_label("Postnummer").fill("3725")
    new_address.get_by_label("Poststed").fill("SKIEN")
    page.get_by_role("button", name="Avslutt leieforholdet").click()
    expect(page.get_by_role("status").first).to_contain_text("Ny adresse: Solbakken 3, 3725 SKIEN.")

    # The other household left without a word of where to.
    _end_tenancy(page, gone, "Utkastelse")
    page.get_by_label("Ny adresse er ukjent").check()
    page.get_by_role("button", name="Avslutt leieforholdet").click()
    expect(page.get_by_role("status").first).to_contain_text("Ny adresse er ukjent")
    page.goto(reverse("tenants:household-detail", args=[gone.pk]))
    expect(page.locator("main")).to_contain_text("Ingen brev sendes før en ny adresse er registrert.")
    # The flat is in its tenancy history, never as its address.
    expect(page.locator("main")).not_to_contain_text("Kongens gate 14, 3717")
    assert serious_violations(page) == []

    # The next summons: the one goes to the new address, the other is left out
    # and the plan says why, by name.
    page.goto(reverse("letters:summons-new") + "?filter=1")
    page.get_by_label("Søk").fill("H-2016-01")
    page.get_by_role("button", name="Vis husstander").click()
    for household in (moved, gone):
        page.get_by_label(household.reference, exact=True).check()
    expect(page.get_by_text("Mangler postadresse – blir utelatt")).to_have_count(1)
    page.get_by_label("Sted for samtalene").fill("Rådhuset, møterom 2")
    page.get_by_label("Første dag").fill(a_monday().isoformat())
    page.get_by_label("Brevdato").fill(timezone.localdate().isoformat())
    page.get_by_label("Siri Saksbehandler").check()
    page.get_by_role("button", name="Vis planen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekreft innkallingene")
    expect(page.get_by_role("status")).to_contain_text("Liv Berg (H-2016-011): Ny adresse mangler")
    plan = page.get_by_role("table", name="Samtalene som blir planlagt")
    expect(plan.get_by_role("row")).to_have_count(2)  # the heading and Per Moe
    expect(plan).to_contain_text("Per Moe")
    expect(plan).to_contain_text("Solbakken 3, 3725 SKIEN")
    expect(plan).not_to_contain_text("Kongens gate")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Innkall og lag 1 brev").click()
    page.wait_for_url(lambda url: "/innkallinger/" in url)
    # No «lages nå» about a letter already made: the status says how far it is.
    expect(page.locator(".messages")).to_have_text(
        "1 husstand er innkalt. Under ser du hvor langt brevet er kommet."
    )

    [letter] = Letter.all_objects.all()
    assert letter.household_id == moved.pk
    assert "Solbakken 3" in str(letter.context) and "Kongens gate" not in str(letter.context)
    assert Household.objects.get(pk=gone.pk).address_unknown


def test_the_household_list_and_page_on_a_phone(page, office):
    log_in(page, "siri")
    page.set_viewport_size(PHONE)
    page.goto(reverse("tenants:household-list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Husstander")
    page.locator("input[name=q]").fill("tonnessen")
    page.locator("input[name=q]").press("Enter")
    expect(page.locator("#household-results")).to_contain_text("Nils Tønnessen")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.get_by_role("link", name="H-2016-003", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("H-2016-003")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
