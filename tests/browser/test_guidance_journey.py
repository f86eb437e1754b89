"""Economic guidance in a real browser: a budget is made for a household in
guidance, the leader lowers the policy rate, the ownership-readiness watch
flags the household, and a start-loan application opens with the budget's
figures filled in.

The figures are those worked by hand in tests/test_guidance.py: a single
adult with 32,000 kr a month aiming at a 2,600,000 kr flat is 842 kr short
at the 7.00 % stress rate and has 910 kr to spare at 6.00 %."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from startloan import services
from tenants.models import PathwayStage

from .. import factories
from .conftest import log_in

pytestmark = pytest.mark.browser


def test_a_budget_the_rate_cut_and_the_application_with_its_figures(page, municipality):
    year = timezone.localdate().year
    services.ensure_default_parameters(municipality, year)
    household = factories.household_with_members(
        municipality, reference="H-2021-042", pathway_stage=PathwayStage.GUIDANCE
    )
    factories.leader(municipality, username="liv", first_name="Liv")
    log_in(page, "liv")

    # The household's page links to its economy; the first budget.
    page.goto(f"/husstander/{household.pk}/")
    page.get_by_role("link", name="Økonomi: budsjett, sparing og gjeld").click()
    page.get_by_role("link", name="Lag budsjett").click()
    page.get_by_label("Inntekt etter skatt per måned (kr)").fill("32 000")
    page.get_by_label("Brutto årsinntekt (kr)").fill("500 000")
    page.get_by_label("Husleie i dag per måned (kr)").fill("9 000")
    page.get_by_label("Faste utgifter per måned (kr)").fill("1 000")
    page.get_by_label("Strøm og oppvarming per måned (kr)").fill("1 200")
    page.get_by_label("Pris på boligen husstanden sikter mot (kr)").fill("2 600 000")
    page.get_by_label("Kommunale avgifter, forsikring og vedlikehold som eier per måned (kr)").fill("2 500")
    page.get_by_role("button", name="Lagre budsjettet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Økonomi – H-2021-042")
    # 32,000 − 10,412 living − 9,000 rent − 1,000 − 1,200 = 10,388 left.
    expect(page.locator("#budget-left")).to_have_text("10\xa0388\xa0kr")

    # The leader lowers the policy rate: the watch runs again.
    page.goto(f"/startlan/satser/{year}/")
    page.get_by_label("Norges Banks styringsrente (%)").fill("3,5")
    page.get_by_role("button", name="Lagre satsene").click()
    expect(page.locator(".messages")).to_contain_text("Eierskapsvakten vurderer husstandene")

    # The readiness list flags the household, with the figures.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Eierskapsvakt").click()
    row = page.get_by_role("row").filter(has_text="H-2021-042")
    expect(row).to_contain_text("2\xa0665\xa0000\xa0kr")
    expect(row).to_contain_text("910\xa0kr")
    row.get_by_role("link", name="Søknad med budsjettets tall").click()

    # The application opens with the budget's figures: nothing typed twice.
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny søknad om startlån")
    expect(page.get_by_label("Inntekt etter skatt per måned (kr)")).to_have_value("32 000")
    expect(page.get_by_label("Kjøpesum / verdi (kr)")).to_have_value("2 600 000")
    expect(page.get_by_label("Søkt startlån (kr)")).to_have_value("2 665 000")
