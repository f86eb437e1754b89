"""A start-loan case in a real browser, as a new caseworker takes it: the
mapping meeting is recorded and goes straight on to the household's budget,
the application opens with the budget's figures, eligibility and documents
are recorded, one caseworker recommends, another records the decision made
in Startskudd (its form already holding the amounts and terms), the
hand-off summary carries it, the financing certificate starts from the
decision, the worklist warns before the certificate runs out, and the
yearly figures count the loan.

Every figure is typed once: the test fills the budget and then only asserts
that each later form holds the figure already."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from startloan import services
from startloan.figures import loan_figures
from tenants.models import PathwayStage

from .. import factories
from .conftest import log_in

pytestmark = pytest.mark.browser


def test_from_the_first_meeting_to_the_recorded_startskudd_decision(page, municipality):
    today = timezone.localdate()
    services.ensure_default_parameters(municipality, today.year)
    household = factories.household_with_members(
        municipality, reference="H-2022-007", pathway_stage=PathwayStage.SUMMONED
    )
    kari = factories.caseworker(municipality, username="kari", first_name="Kari")
    factories.caseworker(municipality, username="ola", first_name="Ola")
    factories.OutreachMeetingFactory(
        household=household,
        caseworker=kari,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
    )
    log_in(page, "kari")

    # The mapping meeting: where income and debts are first heard.
    page.goto(f"/husstander/{household.pk}/")
    page.get_by_role("link", name=re.compile(r"^Registrer samtalen")).click()
    page.get_by_label("Gjennomført").check()
    page.get_by_label("Hva kom fram").fill("Fast jobb, ønsker å kjøpe leilighet.")
    page.get_by_role("button", name="Lagre og lag budsjett").click()

    # The budget, typed once.
    page.get_by_label("Inntekt etter skatt per måned (kr)").fill("32 000")
    page.get_by_label("Brutto årsinntekt (kr)").fill("500 000")
    page.get_by_label("Husleie i dag per måned (kr)").fill("9 000")
    page.get_by_label("Faste utgifter per måned (kr)").fill("1 000")
    page.get_by_label("Strøm og oppvarming per måned (kr)").fill("1 200")
    page.get_by_label("Pris på boligen husstanden sikter mot (kr)").fill("2 000 000")
    page.get_by_label("Kommunale avgifter, forsikring og vedlikehold som eier per måned (kr)").fill("2 500")
    page.get_by_role("button", name="Lagre budsjettet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Økonomi – H-2022-007")

    # The application opens with the budget's figures.
    page.get_by_role("link", name="Søknad om startlån med budsjettets tall").click()
    expect(page.get_by_role("main")).to_contain_text("Tallene er hentet fra husstandens budsjett")
    expect(page.get_by_label("Inntekt etter skatt per måned (kr)")).to_have_value("32 000")
    expect(page.get_by_label("Brutto årsinntekt (kr)")).to_have_value("500 000")
    expect(page.get_by_label("Kjøpesum / verdi (kr)")).to_have_value("2 000 000")
    # 2,000,000 + 2.5 % document duty + the standard costs, no savings.
    applied = page.get_by_label("Søkt startlån (kr)").input_value()
    assert applied.replace(" ", "").isdigit() and int(applied.replace(" ", "")) > 2_000_000
    page.get_by_role("button", name="Lagre søknaden").click()
    expect(page.locator(".messages")).to_contain_text("Søknaden er registrert.")

    # Eligibility as facts, and the documents received.
    page.get_by_role("link", name="Registrer vilkårene").click()
    page.get_by_label("Bank som har avslått").fill("Sparebanken Sør")
    page.get_by_label("Avslaget fra banken er datert").fill(today.isoformat())
    page.get_by_label("Husstanden har langvarige problemer med å finansiere egen bolig").check()
    page.get_by_label("Hvorfor problemene er langvarige").fill("Lav inntekt i mange år, ingen egenkapital.")
    page.get_by_label("Hvordan husstanden har utnyttet sin mulighet til å spare").fill("Sparer hver måned.")
    page.get_by_role("button", name="Lagre vilkårene").click()
    page.get_by_role("link", name="Registrer mottatte dokumenter").click()
    for field in page.get_by_label("mottatt", exact=False).all():
        if field.get_attribute("type") == "date":
            field.fill(today.isoformat())
    page.get_by_role("button", name="Lagre sjekklisten").click()
    expect(page.get_by_role("main")).to_contain_text("Alle påkrevde dokumenter er mottatt.")

    # Kari recommends; the decision is another person's.
    page.get_by_role("link", name="Skriv innstilling").click()
    page.get_by_label("Innstilling").fill("Innvilge startlån som søkt, 30 år annuitet.")
    page.get_by_role("button", name="Lagre innstillingen").click()
    expect(page.get_by_role("link", name="Registrer vedtaket fra Startskudd")).to_have_count(0)
    detail = page.url

    page.context.clear_cookies()
    log_in(page, "ola")
    page.goto(detail)
    page.get_by_role("link", name="Registrer vedtaket fra Startskudd").click()
    # The amounts and terms are those of the application.
    expect(page.get_by_label("Innvilget startlån (kr)")).to_have_value(applied)
    expect(page.get_by_label("Nedbetalingstid (år)")).to_have_value("30")
    page.get_by_role("radio", name="Innvilge").check()
    page.get_by_label("Saksnummer i Startskudd").fill("2026/4711")
    page.get_by_role("button", name="Registrer vedtaket").click()
    expect(page.locator(".messages")).to_contain_text("Vedtaket er registrert.")

    # The hand-off summary carries the decision made in Startskudd.
    page.get_by_role("link", name="Oppsummering til Startskudd").click()
    decided = page.get_by_role("region", name="10. Vedtak i Startskudd")
    expect(decided).to_contain_text("2026/4711")
    expect(decided).to_contain_text(f"{applied.replace(' ', chr(0xA0))}\xa0kr")
    page.go_back()

    # The certificate starts from the decision; only its expiry is new.
    page.get_by_role("link", name="Registrer oppfølging").click()
    expect(page.get_by_label("Finansieringsbevis utstedt")).to_have_value(today.isoformat())
    expect(page.get_by_label("Finansieringsbeviset gjelder kjøp til høyst (kr)")).not_to_have_value("")
    expires = today + datetime.timedelta(days=10)
    page.get_by_label("Finansieringsbeviset gjelder til").fill(expires.isoformat())
    page.get_by_role("button", name="Lagre", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Søknaden er lagret.")

    # The worklist warns before the certificate runs out.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Startlån").click()
    warning = page.get_by_role("region", name="Finansieringsbevis som går ut innen 30 dager")
    expect(warning).to_contain_text("H-2022-007")
    expect(warning).to_contain_text(expires.strftime("%d.%m.%Y"))

    # The yearly figures count the loan decided in Startskudd.
    figures = loan_figures(municipality.pk, today.year)
    assert figures["loans_granted"] == 1
    assert figures["loan_amount_granted"] == int(applied.replace(" ", ""))
