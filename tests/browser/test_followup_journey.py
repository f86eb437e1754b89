"""Follow-up in a browser, as a housing adviser meets it: the worklist
shows a household nobody has talked to for months; the adviser opens its
plan, records a home visit and agrees an action with the bank, sees the
worklist change, and records the 1-year check-in of a household that
bought its home. axe finds no serious or critical violation on the way."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup import services
from followup.models import AgreedAction, FollowUpContact, PostMoveCheckIn

from .. import factories
from .conftest import log_in
from .test_accessibility import serious_violations

pytestmark = pytest.mark.browser
DAY = datetime.timedelta(days=1)


@pytest.fixture
def office(municipality):
    siri = factories.caseworker(municipality, username="siri", first_name="Siri", last_name="Veileder")
    today = timezone.localdate()
    quiet = factories.household_with_members(municipality, reference="H-1", children=1)
    factories.tenancy_of(quiet, factories.DwellingFactory(municipality=municipality), today - 900 * DAY)
    services.create_plan(quiet, goals="Kjøpe egen bolig.", adviser=siri, start_date=today - 90 * DAY)
    buyer = factories.household_with_members(municipality, reference="H-2")
    dwelling = factories.DwellingFactory(municipality=municipality, reference="B-2")
    factories.tenancy_of(buyer, dwelling, today - 2000 * DAY, today - 380 * DAY, "bought_own_home")
    return municipality


def test_a_visit_an_action_and_a_one_year_check_in(page, office):
    log_in(page, "siri")
    page.get_by_role("link", name="Oppfølging", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oppfølging")
    quiet = page.get_by_role("region", name="Husstander uten kontakt på mer enn 60 dager")
    expect(quiet.get_by_role("link", name="H-1")).to_be_visible()
    assert serious_violations(page) == [], "worklist"

    quiet.get_by_role("link", name="H-1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oppfølgingsplan – H-1")
    visit = page.get_by_role("region", name="Registrer kontakt eller besøk")
    visit.get_by_label("Type kontakt").select_option(label="Hjemmebesøk")
    visit.get_by_label("Hva kom ut av det").fill("Gikk gjennom budsjettet hjemme hos familien.")
    visit.get_by_role("button", name="Registrer kontakten").click()
    expect(page.get_by_text("Kontakten er registrert.")).to_be_visible()
    expect(page.get_by_text("Gikk gjennom budsjettet hjemme hos familien.")).to_be_visible()

    action = page.get_by_role("region", name="Avtal et tiltak")
    action.get_by_label("Hva er avtalt").fill("Avklare lånemulighet i banken")
    action.get_by_label("Ansvarlig").select_option(label="Banken")
    action.get_by_label("Frist").fill(timezone.localdate().isoformat())
    action.get_by_role("button", name="Legg til tiltaket").click()
    expect(page.get_by_text("Tiltaket er lagt til.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Avklare lånemulighet i banken")).to_be_visible()
    assert serious_violations(page) == [], "plan"

    page.get_by_role("link", name="Oppfølging", exact=True).first.click()
    expect(page.get_by_text("Alle husstander i oppfølging har hatt kontakt nylig.")).to_be_visible()
    expect(page.get_by_role("region", name="Tiltak med frist nå eller innen 7 dager")).to_contain_text(
        "Avklare lånemulighet i banken"
    )
    page.get_by_role("link", name="Registrer oppfølging etter 1 år for H-2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oppfølging etter kjøp – H-2")
    page.get_by_role("group", name="Eier husstanden fortsatt boligen?").get_by_label("Ja").check()
    page.get_by_role("group", name="Er husstanden i restanse på startlånet?").get_by_label("Nei").check()
    page.get_by_role("group", name="Trenger husstanden hjelp fra kontoret igjen?").get_by_label("Nei").check()
    page.get_by_label("Notat").fill("Trives i den nye boligen.")
    assert serious_violations(page) == [], "check-in"
    page.get_by_role("button", name="Registrer oppfølgingen").click()
    expect(page.get_by_text("Oppfølgingen etter kjøp er registrert.")).to_be_visible()
    expect(page.get_by_role("region", name="Oppfølging")).to_contain_text("Trives i den nye boligen.")

    assert FollowUpContact.objects.get().kind == "home_visit"
    assert AgreedAction.objects.get().responsible == "bank"
    check_in = PostMoveCheckIn.objects.get()
    assert (check_in.years_after, check_in.still_owner, check_in.needs_help) == (1, "yes", "no")
