"""Issue 12's Done-when, in a browser: a caseworker registers an
application, sends the provisional reply (forvaltningsloven § 11 a), grants
it with a decision letter, offers a vacant dwelling, records the acceptance
and sees the tenancy start; then refuses another application, registers the
household's complaint and follows it to the appeal body's outcome."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.allocation import ALLOCATION
from decisions.models import DecisionKindSetting
from letters.models import Letter

from .. import factories
from .conftest import log_in

pytestmark = pytest.mark.browser
DAY = datetime.timedelta(days=1)


@pytest.fixture
def office(municipality, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    factories.caseworker(municipality, username="siri", first_name="Siri")
    factories.household_with_members(municipality, reference="H-1")
    factories.household_with_members(municipality, reference="H-2")
    factories.DwellingFactory(municipality=municipality, reference="B-1", address="Kirkegata 7", rooms=3)
    # The leader has turned the two-person rule off for allocation, so one
    # caseworker drafts and decides (the rule itself is tested elsewhere).
    DecisionKindSetting.objects.create(
        municipality=municipality, kind=ALLOCATION, appeal_body="Kommunens klagenemnd", two_person_rule=False
    )
    return municipality


def register(page, household: str, received: datetime.date) -> None:
    page.get_by_role("link", name="Søknader", exact=True).first.click()
    page.get_by_role("link", name="Registrer søknad").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrer søknad om kommunal bolig")
    page.get_by_label("Husstandens referanse").fill(household)
    page.get_by_label("Mottatt").fill(received.isoformat())
    page.get_by_role("button", name="Lagre", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("er registrert")


def decide(page, outcome: str, **grounds: str) -> None:
    page.get_by_label(outcome, exact=True).check()
    for name, value in grounds.items():
        page.locator(f"#id_{name}").fill(value)
    page.get_by_role("button", name="Lagre vedtaksutkast").click()
    page.get_by_role("button", name=f"Fatt vedtak ({outcome.lower()}) og lag vedtaksbrev").click()
    expect(page.get_by_role("status")).to_contain_text(f"Vedtaket er fattet ({outcome})")


def test_an_application_goes_from_registered_to_housed_and_a_refusal_through_its_complaint(page, office):
    today = timezone.localdate()
    # Each step renders its letter (WeasyPrint) before it answers; the first
    # render loads the fonts, slow on a busy machine.
    page.context.set_default_timeout(90_000)
    expect.set_options(timeout=90_000)
    log_in(page, "siri")

    # Registered 40 days after it came in: the provisional reply is due.
    register(page, "H-1", today - 40 * DAY)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Søknad om kommunal bolig S-")
    expect(page.get_by_role("alert")).to_contain_text("Foreløpig svar må sendes.")
    page.get_by_role("button", name="Lag foreløpig svar").click()
    expect(page.get_by_role("status")).to_contain_text("Det foreløpige svaret er laget og arkivert.")
    expect(page.get_by_role("alert")).to_have_count(0)

    decide(page, "Innvilget")
    expect(page.locator(".badge").first).to_have_text("Innvilget")

    # The vacant dwelling is offered, accepted, and the tenancy starts.
    page.locator("#id_dwelling").select_option(label="B-1 – Kirkegata 7")
    page.get_by_role("button", name="Gi tilbud og lag tilbudsbrev").click()
    expect(page.get_by_role("status")).to_contain_text("Tilbudet er gitt, og tilbudsbrevet er laget.")
    page.get_by_role("link", name="Registrer svar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Svar på tilbud om bolig B-1, Kirkegata 7")
    page.get_by_label("Månedsleie (kr)").fill("9500")
    page.get_by_label("Kontrakten løper til").fill((today + 3 * 365 * DAY).isoformat())
    page.get_by_role("button", name="Registrer ja og start leieforholdet").click()
    expect(page.get_by_role("status")).to_contain_text("leieforholdet er registrert.")
    expect(page.locator(".badge").first).to_have_text("Bosatt")
    expect(page.get_by_role("table")).to_contain_text("Takket ja")
    letters = page.get_by_role("heading", name="Brev").locator("xpath=following-sibling::ul[1]")
    expect(letters).to_contain_text("Foreløpig svar")
    expect(letters).to_contain_text("Tilbud om kommunal bolig")
    page.get_by_role("link", name="H-1", exact=True).click()
    expect(page.locator("#tenancy-heading + *")).to_contain_text("Bor i B-1")

    # Another application is refused, with its grounds.
    register(page, "H-2", today - 3 * DAY)
    decide(
        page,
        "Avslått",
        facts="Husstanden eier egen bolig i kommunen.",
        considerations="Kommunal bolig tildeles dem som ikke selv kan skaffe seg bolig.",
    )
    expect(page.locator(".badge").first).to_have_text("Avslått")

    # The complaint: registered in time, upheld by the office, sent on, decided.
    page.get_by_role("link", name="Se vedtaket, brevet og klager").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tildeling av kommunal bolig – H-2")
    expect(page.get_by_role("link", name="Last ned vedtaksbrevet (PDF)")).to_be_visible()
    page.get_by_role("link", name="Registrer klage").click()
    page.get_by_role("button", name="Registrer klagen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Klage mottatt {today:%d.%m.%Y}")
    expect(page.locator("dl")).to_contain_text("Til vurdering i underinstansen")
    page.get_by_label("Opprettholdes – sendes klageinstansen").check()
    page.get_by_role("button", name="Lagre vurderingen").click()
    expect(page.get_by_role("status")).to_contain_text("Klagen er sendt klageinstansen")
    expect(page.locator("dl")).to_contain_text("Hos klageinstansen")
    expect(page.locator("dl")).to_contain_text("Kommunens klagenemnd")
    page.locator("#id_outcome").select_option(label="Stadfestet")
    page.get_by_role("button", name="Registrer avgjørelsen").click()
    expect(page.get_by_role("status")).to_contain_text("Klageinstansens avgjørelse er registrert.")
    expect(page.locator("dl")).to_contain_text(f"Stadfestet, {today:%d.%m.%Y}")

    kinds = sorted(Letter.all_objects.values_list("kind", "status"))
    assert kinds == [
        ("complaint_forwarded", "rendered"),
        ("decision", "rendered"),
        ("decision", "rendered"),
        ("housing_offer", "rendered"),
        ("provisional_reply", "rendered"),
    ]
