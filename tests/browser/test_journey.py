"""The caseworker's main journey, in a real browser: log in, find a household,
end its tenancy because it bought its own home (giving its new address), and
see the dwelling become vacant and the household move on in the pathway."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dwellings.models import Dwelling, EndReason, Tenancy
from tenants.models import PathwayStage, PathwayStageChange
from tenants.services import refresh_search_text

from .. import factories
from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def tenancy(municipality):
    household = factories.HouseholdFactory(
        municipality=municipality, reference="H-2019-017", pathway_stage=PathwayStage.LOAN_GRANTED
    )
    factories.PersonFactory(household=household, first_name="Åse", last_name="Ødegård")
    refresh_search_text(household)
    for i in range(3):
        other = factories.HouseholdFactory(municipality=municipality, reference=f"H-2020-{i:03d}")
        factories.PersonFactory(household=other, first_name="Per", last_name=f"Hansen{i}")
        refresh_search_text(other)
    return factories.TenancyFactory(
        household=household,
        dwelling__reference="B-1204",
        dwelling__address="Kongens gate 12",
        start_date=datetime.date(2019, 8, 1),
    )


def test_end_tenancy_because_the_household_bought_a_home(page, municipality, tenancy):
    factories.caseworker(municipality, username="siri", first_name="Siri")
    household, dwelling = tenancy.household, tenancy.dwelling

    log_in(page, "siri")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hei, Siri")

    # Find the household through the list's search, without the accents.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Husstander").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Husstander")
    search = page.locator("input[name=q]")
    search.fill("odegard")
    search.press("Enter")
    result = page.get_by_role("link", name="H-2019-017", exact=True)
    expect(result).to_be_visible()
    expect(page.get_by_role("link", name="H-2020-000", exact=True)).to_have_count(0)
    result.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("H-2019-017")
    end_url = reverse("dwellings:tenancy-end", args=[tenancy.pk])
    page.locator(f'a[href^="{end_url}"]').click()

    # End the tenancy: the household has bought its own home.
    expect(page.get_by_role("heading", level=1)).to_have_text("Avslutt leieforhold")
    today = timezone.localdate()
    page.get_by_label("Sluttdato").fill(today.isoformat())
    page.get_by_label("Årsak til avslutning").select_option(label="Kjøpt egen bolig")
    # Without the new address (or "unknown") the form is refused.
    page.get_by_role("button", name="Avslutt leieforholdet").click()
    expect(page.get_by_role("alert").first).to_contain_text("Fyll ut husstandens nye adresse")
    # The household's new home: the next letter goes there.
    new_address = page.get_by_role("group", name="Husstandens nye postadresse")
    new_address.get_by_label("Ny adresse", exact=True).fill("Solbakken 3")
    new_address.get_by_label("Postnummer").fill("3725")
    new_address.get_by_label("Poststed").fill("SKIEN")
    page.get_by_role("button", name="Avslutt leieforholdet").click()

    expect(page.get_by_role("status").first).to_contain_text("er avsluttet")
    expect(page.get_by_role("status").first).to_contain_text("«Kjøpt egen bolig»")
    expect(page.get_by_role("status").first).to_contain_text("Ny adresse: Solbakken 3, 3725 SKIEN.")

    # The dwelling is vacant now.
    dwelling_url = reverse("dwellings:dwelling-detail", args=[dwelling.pk])
    if not page.url.endswith(dwelling_url):
        page.locator(f'a[href="{dwelling_url}"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("B-1204")
    expect(page.locator("#dwelling-status")).to_have_text("Ledig")
    expect(page.get_by_text("Boligen er ikke utleid i dag.")).to_be_visible()

    # And the household has moved on to "Kjøpt egen bolig".
    page.get_by_role("link", name="H-2019-017", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("H-2019-017")
    expect(page.locator("main")).to_contain_text("Kjøpt egen bolig")
    expect(page.get_by_text("Husstanden har ikke noe løpende leieforhold.")).to_be_visible()

    # The records agree with what the pages showed.
    tenancy.refresh_from_db()
    assert (tenancy.end_date, tenancy.end_reason) == (today, EndReason.BOUGHT_OWN_HOME)
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.BOUGHT_HOME
    assert (household.address, household.postal_code, household.postal_place) == (
        "Solbakken 3",
        "3725",
        "SKIEN",
    )
    change = PathwayStageChange.objects.get(household=household)
    assert change.changed_by.username == "siri"
    assert change.reason == "Leieforholdet ble avsluttet: kjøpt egen bolig"
    assert Dwelling.objects.with_status().get(pk=dwelling.pk).status == "vacant"


def test_double_letting_is_refused_in_the_browser(page, municipality, tenancy):
    factories.caseworker(municipality, username="siri")
    newcomer = factories.HouseholdFactory(municipality=municipality, reference="H-NY")

    log_in(page, "siri")
    page.goto(
        reverse("dwellings:tenancy-create") + f"?household={newcomer.pk}&dwelling={tenancy.dwelling_id}"
    )
    expect(page.get_by_label("Husstand")).to_have_value(str(newcomer.pk))
    page.get_by_label("Månedsleie (kr)").fill("9 800")
    page.get_by_label("Tidsubestemt").check()
    page.get_by_role("button", name="Lei ut", exact=True).click()

    alert = page.get_by_role("alert").first
    expect(alert).to_contain_text("Skjemaet ble ikke lagret")
    expect(page.locator("main")).to_contain_text(
        re.compile(r"Boligen er allerede utleid til husstand H-2019-017 fra 01\.08\.2019\.")
    )
    assert Tenancy.objects.count() == 1


def test_filter_dwellings_in_place(page, municipality, tenancy):
    factories.caseworker(municipality, username="siri")
    factories.DwellingFactory(
        municipality=municipality, reference="B-LEDIG", acquired_on=datetime.date(2024, 1, 1)
    )

    log_in(page, "siri")
    page.goto(reverse("dwellings:dwelling-list"))
    expect(page.locator("#result-count")).to_have_text("2 boliger")
    # Choosing a status filters at once (htmx), and the address bar follows.
    page.get_by_label("Status").select_option(label="Ledig")
    expect(page.locator("#result-count")).to_have_text("1 bolig")
    expect(page.get_by_role("link", name="B-LEDIG")).to_be_visible()
    expect(page.get_by_role("link", name="B-1204")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"status=vacant"))

    page.get_by_role("link", name="Ledige boliger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ledige boliger")
    expect(page.get_by_role("row", name=re.compile("B-LEDIG"))).to_be_visible()
