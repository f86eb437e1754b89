from __future__ import annotations
import datetime
import pytest
from django.urls import reverse
from playwright.sync_api import expect
from tenants.services import refresh_search_text
from tenants.models import PathwayStageChange, JournalNote
from housing_office.models import PersonalDataAccess
from .. import factories
from .test_accessibility import serious_violations, logged_in, office  # noqa: F401
pytestmark = pytest.mark.browser

def test_more_pages(page, live_server, office, municipality):
    user = office["user"]
    household = office["household"]
    logged_in(page, live_server, user)
    m = factories.OutreachMeetingFactory(household=household, caseworker=user)
    for url in [reverse("tenants:household-create"), reverse("tenants:household-edit", args=[household.pk]),
                reverse("tenants:household-stage", args=[household.pk]), reverse("tenants:meeting-record", args=[m.pk]),
                reverse("tenants:meeting-create") + f"?household={household.pk}"]:
        r = page.goto(url)
        assert r.status == 200, url
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert serious_violations(page) == [], url
    # form errors
    page.goto(reverse("tenants:household-create"))
    page.get_by_role("button", name="Lagre", exact=True).click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert serious_violations(page) == []
    page.goto(reverse("tenants:household-stage", args=[household.pk]))
    page.get_by_label("Begrunnelse").fill(" ")
    page.get_by_role("button", name="Endre fase").click()
    assert serious_violations(page) == []

def test_htmx_board_and_notes(page, live_server, office):
    user = office["user"]
    household = office["household"]
    logged_in(page, live_server, user)
    page.goto(reverse("tenants:pathway-board"))
    card = page.locator(f"#card-{household.pk}")
    card.get_by_text("Flytt").first.click()
    card.get_by_label("Ny fase").select_option("guidance")
    card.get_by_label("Begrunnelse").fill("Ønsker veiledning")
    card.get_by_role("button", name="Flytt").click()
    expect(page.get_by_role("status").first).to_contain_text("flyttet til «Veiledning»")
    assert PathwayStageChange.objects.filter(household=household, to_stage="guidance").exists()
    assert serious_violations(page) == []
    page.goto(reverse("tenants:household-detail", args=[household.pk]))
    page.get_by_label("Nytt notat").fill("Et nytt notat via htmx")
    page.get_by_role("button", name="Lagre notat").click()
    expect(page.locator("#journal-notes")).to_contain_text("Et nytt notat via htmx")
    expect(page.locator("#journal-notes")).to_contain_text("Notatet er lagret.")
    assert JournalNote.objects.filter(text="Et nytt notat via htmx").exists()
    # search via htmx
    page.goto(reverse("tenants:household-list"))
    page.get_by_label("Søk", exact=True).fill("odegard")
    page.get_by_role("button", name="Søk", exact=True).click()
    expect(page.locator("#household-results")).to_contain_text(household.reference)
    assert "q=odegard" in page.url

def test_reveal_national_id(page, live_server, municipality):
    leader = factories.leader(municipality, username="lise2")
    household = factories.HouseholdFactory(municipality=municipality)
    factories.PersonFactory(household=household, national_id="17058512311")
    logged_in(page, live_server, leader)
    page.goto(reverse("tenants:household-detail", args=[household.pk]))
    assert serious_violations(page) == []
    page.get_by_role("button", name="Vis fødselsnummer").click()
    expect(page.locator("td .font-monospace").first).to_have_text("17058512311")
    assert PersonalDataAccess.objects.count() == 1
