"""Stock strategy in a real browser, as an office leader new to the demo
meets it: the tenant of a municipal dwelling buys it in one step from the
dwelling's page; the stock page's ledger counts the sale and its proceeds;
the needs-against-stock table and the forecast with its back-test against
the demo's own past years are there; planned purchases move the forecast;
and the council-ready stock plan is published as a PDF whose text carries
the leader's words. axe finds no serious or critical violation on the way,
and on a phone the page does not scroll sideways."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from demo.seed import DEFAULT_PASSWORD
from dwellings.models import DwellingCategory, EndReason, Ownership, StockChange, Tenancy

from .conftest import log_in
from .test_accessibility import serious_violations

pytestmark = pytest.mark.browser


def _cell(page, table_caption: str, row: str, column: int) -> str:
    """The text of cell `column` (0 = the row header) in the row headed `row`."""
    table = page.locator("table", has=page.locator("caption", has_text=table_caption))
    return (
        table.locator("tr", has=page.locator("th", has_text=re.compile(f"^{re.escape(row)}$")))
        .locator("th, td")
        .nth(column)
        .inner_text()
    )


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text.split("(")[0]) or 0)


def test_the_leader_sells_to_the_tenant_and_publishes_the_stock_plan(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", households="40", stdout=io.StringIO())
    today = timezone.localdate()
    year = str(today.year)
    # A dwelling a tenant lives in today, with no next tenancy planned.
    tenancy = (
        Tenancy.objects.running(on=today)
        .filter(
            dwelling__category=DwellingCategory.GENERAL,
            dwelling__ownership=Ownership.OWNED,
            dwelling__disposed_on__isnull=True,
        )
        .exclude(dwelling__tenancies__start_date__gt=today)
        .select_related("dwelling", "household")
        .order_by("pk")
        .first()
    )
    assert tenancy is not None, "the demo has running tenancies"
    dwelling = tenancy.dwelling
    log_in(page, "leder", DEFAULT_PASSWORD)

    page.get_by_role("link", name="Dashbord", exact=True).first.click()
    page.get_by_role("link", name="Boligmasse og behov", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Boligmasse og behov")
    ledger = "Salg og kjøp per år"
    sold_before = _number(_cell(page, ledger, year, 1))
    proceeds_before = _number(_cell(page, ledger, year, 2))
    # The forecast's back-test covers the demo's last three complete years.
    backtest = page.get_by_role("region", name=re.compile("Prognose for"))
    for past in range(today.year - 3, today.year):
        expect(
            backtest.get_by_role("cell", name=str(past))
            .or_(backtest.get_by_role("rowheader", name=str(past)))
            .first
        ).to_be_visible()
    assert serious_violations(page) == [], "stock page"

    # The sale, in one step from the dwelling's page.
    page.goto(f"/boliger/{dwelling.pk}/")
    page.get_by_role("link", name="Leietakeren kjøper boligen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Leietakeren kjøper {dwelling.reference}")
    page.get_by_label("Kjøpesum (kr)").fill("2 150 000")
    page.get_by_label("Takst (kr)").fill("2 200 000")
    assert serious_violations(page) == [], "sale form"
    page.get_by_role("button", name="Registrer kjøpet").click()
    expect(page.get_by_text(f"har kjøpt {dwelling.reference}")).to_be_visible()

    tenancy.refresh_from_db()
    assert (tenancy.end_date, tenancy.end_reason) == (today, EndReason.BOUGHT_OWN_HOME)
    sale = StockChange.objects.get(dwelling=dwelling, kind=StockChange.Kind.DISPOSED)
    assert sale.buyer_household_id == tenancy.household_id and sale.price == 2_150_000

    # The ledger moves by the sale; the sale is listed with its buyer.
    page.get_by_role("link", name="Dashbord", exact=True).first.click()
    page.get_by_role("link", name="Boligmasse og behov", exact=True).click()
    assert _number(_cell(page, ledger, year, 1)) == sold_before + 1
    assert _number(_cell(page, ledger, year, 2)) == proceeds_before + 2_150_000
    sales = page.locator("table", has=page.get_by_text("Boliger solgt til leietakeren"))
    expect(sales.get_by_role("row").filter(has_text=dwelling.reference)).to_contain_text(
        tenancy.household.reference
    )
    expect(page.get_by_role("region", name=re.compile("Behov mot boligmasse"))).to_contain_text("rom")

    # Three planned purchases: three more households housed from the list.
    forecast = "Anslag med spenn"
    housed_row = "Bosatt fra ventelisten"
    housed = _number(_cell(page, forecast, housed_row, 1))
    page.get_by_label("Planlagte kjøp neste år (boliger)").fill("3")
    page.get_by_role("button", name="Beregn").click()
    assert _number(_cell(page, forecast, housed_row, 1)) == housed + 3

    # On a phone the page does not scroll sideways: its wide tables scroll
    # in their own boxes.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})

    # The council-ready stock plan, with the leader's own words.
    page.get_by_label("Lederens tekst i boligplanen").fill(
        "Vi selger ettromsleiligheter og kjøper familieboliger."
    )
    page.get_by_role("button", name="Lag boligplan (PDF)").click()
    expect(page.get_by_role("status")).to_contain_text("Ferdig", timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("link", name="Last ned resultatet").click()
    pdf = tmp_path / "boligplan.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Vi selger ettromsleiligheter og kjøper familieboliger." in text
    assert "Behov mot boligmasse" in text and "Hvor godt traff metoden" in text
    assert "3 planlagte kjøp" in text
    assert dwelling.reference in text
