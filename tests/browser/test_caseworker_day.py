"""Issue 16's stumbling blocks, walked in a real browser as a new caseworker
meets them: a walk-in meeting recorded as held (and one in the future
refused without the page claiming it was saved), households chosen by name
in the start-loan picker, and a candidate list without the households that
are already past the mapping meeting."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tenants.models import MeetingStatus, OutreachMeeting, PathwayStage, PersonRole
from tenants.services import refresh_search_text

from .. import factories
from .conftest import log_in

pytestmark = pytest.mark.browser


def _household(municipality, reference, first, last, stage=PathwayStage.NOT_ASSESSED, co=None):
    household = factories.HouseholdFactory(
        municipality=municipality, reference=reference, pathway_stage=stage
    )
    factories.PersonFactory(household=household, first_name=first, last_name=last, role=PersonRole.MAIN)
    if co:
        factories.PersonFactory(
            household=household, first_name=co[0], last_name=co[1], role=PersonRole.CO_APPLICANT
        )
    refresh_search_text(household)
    factories.TenancyFactory(household=household, start_date=datetime.date(2016, 3, 1))
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


def test_the_candidate_list_leaves_out_households_past_mapping(page, office):
    log_in(page, "siri")
    page.goto(reverse("tenants:candidate-list"))
    results = page.locator("main")
    expect(results).to_contain_text("H-2016-001")
    expect(results).to_contain_text("H-2016-002")
    expect(results).not_to_contain_text("H-2016-003")
    expect(results).not_to_contain_text("H-2016-004")
