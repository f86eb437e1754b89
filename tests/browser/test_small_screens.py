"""The pages fit the screen: on a phone (390 × 844) the household list and
the household page never scroll sideways as a whole, tables scroll inside
their own box, and the filter form waits behind a "Filter" button; on a
laptop (1366 × 768) the pathway board fits without sideways scrolling."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tenants.models import PathwayStage, PersonRole
from tenants.pathway_views import CARDS_PER_COLUMN
from tenants.services import refresh_search_text

from .. import factories
from .conftest import log_in
from .test_accessibility import serious_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
PAGE_WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def household(municipality):
    """A household with everything its page shows, and long words in it."""
    factories.caseworker(municipality, username="siri", first_name="Siri", last_name="Kristiansen-Bjørnstad")
    first = None
    for i in range(30):
        household = factories.HouseholdFactory(
            municipality=municipality,
            reference=f"H-2019-{i:03d}",
            address=f"Kristian Kristiansens gate {i + 100}",
            postal_place="PORSGRUNN",
            pathway_stage=list(PathwayStage)[i % len(PathwayStage)],
            interpreter_language="tigrinja",
        )
        factories.PersonFactory(
            household=household, first_name="Anne-Marthe", last_name="Sæther-Fløgstad", role=PersonRole.MAIN
        )
        factories.PersonFactory(
            household=household, first_name="Bjørn", last_name="Sæther", role=PersonRole.CO_APPLICANT
        )
        tenancy = factories.TenancyFactory(
            household=household,
            dwelling__reference=f"B-{1200 + i}",
            dwelling__address="Kongens gate 12, oppgang B, 3. etasje",
            start_date=datetime.date(2012, 8, 1),
        )
        if i % 2:
            factories.ArrearsCaseFactory(tenancy=tenancy)
        refresh_search_text(household)
        first = first or household
    factories.JournalNoteFactory(household=first, text="Ringte og avtalte kartleggingssamtale. " * 12)
    return first


def _overflow(page) -> int:
    return page.evaluate(PAGE_WIDTH)


def _open(page, viewport, url):
    page.set_viewport_size(viewport)
    page.goto(url)
    page.wait_for_load_state("load")


def test_household_pages_do_not_scroll_sideways_on_a_phone(page, household):
    log_in(page, "siri")
    _open(page, PHONE, reverse("tenants:household-list"))
    assert _overflow(page) <= PHONE["width"]
    # The table scrolls inside its own box instead, which the keyboard
    # reaches too: a named region in the tab order, scrolled by the arrows.
    box = page.locator("#household-results .table-responsive")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("role", "region")
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=box.element_handle())
    assert serious_violations(page) == []
    # The filters wait behind a button, so the results are on the first screen;
    # the search field stays.
    expect(page.locator("input[name=q]")).to_be_visible()
    stage = page.locator("select[name=stage]")
    expect(stage).to_be_hidden()
    toggle = page.get_by_role("button", name="Filter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    first_row = page.locator("#household-results tbody tr").first
    assert first_row.bounding_box()["y"] < PHONE["height"]
    toggle.click()
    expect(stage).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert _overflow(page) <= PHONE["width"]

    _open(page, PHONE, reverse("tenants:household-detail", args=[household.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("H-2019-000")
    assert _overflow(page) <= PHONE["width"]
    members = page.get_by_role("region", name=re.compile("^Tabell som kan rulles sideveis: Medlemmer"))
    expect(members).to_have_attribute("tabindex", "0")
    assert serious_violations(page) == []

    # On a wide screen the same tables fit, and add no stop to the tab order.
    page.set_viewport_size(LAPTOP)
    expect(page.locator(".table-responsive[tabindex]")).to_have_count(0)


def test_the_filter_form_is_open_on_a_wide_screen(page, household):
    log_in(page, "siri")
    _open(page, LAPTOP, reverse("tenants:household-list"))
    expect(page.locator("select[name=stage]")).to_be_visible()
    expect(page.get_by_role("button", name="Filter")).to_be_hidden()


def test_the_pathway_board_fits_a_laptop_screen(page, household):
    # A crowded column, as in a real office: it shows its first cards and a
    # "Vis alle" button on the column's grey, which must keep its contrast.
    for i in range(CARDS_PER_COLUMN + 2):
        factories.HouseholdFactory(
            municipality=household.municipality,
            reference=f"H-2020-{i:03d}",
            pathway_stage=PathwayStage.NOT_ASSESSED,
        )
    log_in(page, "siri")
    _open(page, LAPTOP, reverse("tenants:pathway-board"))
    expect(page.get_by_role("heading", level=2, name="Startlån innvilget")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Vis alle \d+ – Ikke vurdert$"))).to_be_visible()
    assert _overflow(page) <= LAPTOP["width"]
    assert serious_violations(page) == []
    _open(page, PHONE, reverse("tenants:pathway-board"))
    assert _overflow(page) <= PHONE["width"]


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_leaders_whole_menu_and_the_logout_button_fit_a_laptop_screen(page, municipality, width):
    """The leader sees every menu item; the menu wraps rather than pushing
    the header off the screen (on the letter editor the logout button was
    once drawn outside the window, where axe measured it as white on white)."""
    factories.leader(municipality, username="lise", first_name="Lise", last_name="Kristiansen-Bjørnstad")
    log_in(page, "lise")
    _open(page, {"width": width, "height": 800}, reverse("reports:dashboard"))
    assert _overflow(page) <= width
    for name in ("Start", "Kandidater", "Startlån", "Arkiv", "Dashbord"):
        link = page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
    logout = page.get_by_role("button", name="Logg ut")
    expect(logout).to_be_visible()
    box = logout.bounding_box()
    assert box["x"] + box["width"] <= width
