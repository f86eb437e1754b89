"""An axe-core scan of each main page: no serious or critical violations.

The page list is built by reversing URL names, and a page whose URL does not
exist yet is skipped, except the dwelling pages, which must exist.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from tenants.services import refresh_search_text

from .. import factories

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")

# (URL name, which object's pk it takes). Dwelling pages are required.
PAGES = [
    ("home", None),
    ("tenants:household-list", None),
    ("tenants:household-detail", "household"),
    ("tenants:candidate-list", None),
    ("tenants:pathway-board", None),
    ("tenants:meeting-list", None),
    ("dwellings:dwelling-list", None),
    ("dwellings:dwelling-detail", "dwelling"),
    ("dwellings:vacancy-list", None),
    ("dwellings:dwelling-create", None),
    ("dwellings:stock-change", "dwelling"),
    ("dwellings:tenancy-create", None),
    ("dwellings:tenancy-end", "tenancy"),
    ("arrears:case-open", "tenancy"),
]


def serious_violations(page) -> list[str]:
    """Run axe on the page; return one line per serious or critical violation."""
    # Evaluated through the driver, which the page's content security policy
    # does not govern; an injected <script> tag would be refused by it.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = "; ".join(
            f"{' '.join(node['target'])} → {node['html'][:120]}" for node in violation["nodes"][:3]
        )
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines


@pytest.fixture
def office(municipality):
    """A small office with one of everything the pages show."""
    user = factories.caseworker(municipality, username="siri", first_name="Siri")
    household = factories.HouseholdFactory(municipality=municipality, caseworker=user, pathway_stage="mapped")
    factories.PersonFactory(household=household)
    factories.PersonFactory(
        household=household, role="child", first_name="Ola", date_of_birth=datetime.date(2015, 3, 1)
    )
    refresh_search_text(household)
    tenancy = factories.TenancyFactory(household=household, start_date=datetime.date(2018, 1, 1))
    factories.ArrearsCaseFactory(tenancy=tenancy)
    factories.StockChangeFactory(dwelling=tenancy.dwelling, date=datetime.date(2017, 6, 1))
    factories.TenancyFactory(
        household__municipality=municipality,
        dwelling=tenancy.dwelling,
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2017, 12, 1),
        end_reason="bought_own_home",
    )
    factories.DwellingFactory(municipality=municipality, acquired_on=datetime.date(2024, 1, 1))
    factories.DwellingFactory(municipality=municipality, for_sale=True)
    factories.OutreachMeetingFactory(household=household, caseworker=user)
    factories.JournalNoteFactory(household=household, author=user)
    return {"user": user, "household": household, "dwelling": tenancy.dwelling, "tenancy": tenancy}


def logged_in(page, live_server, user) -> None:
    """Reuse a server-side session instead of typing the password on every page."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_login_page(page):
    page.goto(reverse("login"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert serious_violations(page) == []


@pytest.mark.parametrize(("name", "obj"), PAGES, ids=[name for name, _ in PAGES])
def test_page_has_no_serious_violations(name, obj, page, live_server, office):
    try:
        url = reverse(name, args=[office[obj].pk] if obj else [])
    except NoReverseMatch:
        if name.startswith("dwellings:"):
            raise
        pytest.skip(f"{name} is not built yet")
    logged_in(page, live_server, office["user"])
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert serious_violations(page) == []


@pytest.mark.parametrize(
    ("name", "obj", "button"),
    [
        ("dwellings:tenancy-create", None, "Lei ut"),
        ("dwellings:tenancy-end", "tenancy", "Avslutt leieforholdet"),
        ("dwellings:dwelling-create", None, "Lagre"),
    ],
)
def test_forms_with_errors_have_no_serious_violations(name, obj, button, page, live_server, office):
    logged_in(page, live_server, office["user"])
    page.goto(reverse(name, args=[office[obj].pk] if obj else []))
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Skjemaet ble ikke lagret")
    assert serious_violations(page) == []


def test_new_meeting_pages_have_no_serious_violations(page, live_server, office):
    """Finding the household, the form with its plan/held choice, and the
    record page with a refused save."""
    household = office["household"]
    logged_in(page, live_server, office["user"])
    create = reverse("tenants:meeting-create")
    for url in (
        f"{create}?kind=held&q={household.reference}",
        f"{create}?household={household.pk}&kind=held",
    ):
        assert page.goto(url).status == 200, url
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert serious_violations(page) == [], url
    meeting = factories.OutreachMeetingFactory(
        household=household,
        caseworker=office["user"],
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    page.goto(reverse("tenants:meeting-record", args=[meeting.pk]))
    page.get_by_label("Gjennomført").check()
    page.get_by_role("button", name="Lagre", exact=True).click()
    expect(page.get_by_text("er ikke holdt ennå").first).to_be_visible()
    assert serious_violations(page) == []
