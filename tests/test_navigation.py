"""The main menu marks exactly one item as the current page; the admin speaks Norwegian; the favicon."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse, set_script_prefix

from housing_office.models import User

from . import factories

pytestmark = pytest.mark.django_db

# Every main page and the menu item that must be current on it (the text of the link).
MAIN_PAGES = [
    ("home", {}, "Start"),
    ("tenants:household-list", {}, "Husstander"),
    ("tenants:household-create", {}, "Husstander"),
    ("tenants:household-detail", {"household": True}, "Husstander"),
    ("tenants:household-edit", {"household": True}, "Husstander"),
    ("tenants:candidate-list", {}, "Kandidater"),
    ("tenants:pathway-board", {}, "Løpet"),
    ("tenants:meeting-list", {}, "Samtaler"),
    ("tenants:meeting-create", {}, "Samtaler"),
    ("letters:batch-list", {}, "Innkallinger"),
    ("letters:summons-new", {}, "Innkallinger"),
    ("letters:template-list", {}, "Innkallinger"),
    ("dwellings:dwelling-list", {}, "Boliger"),
    ("dwellings:vacancy-list", {}, "Boliger"),
    ("dwellings:dwelling-create", {}, "Boliger"),
    ("dwellings:dwelling-detail", {"dwelling": True}, "Boliger"),
    ("startloan:application-list", {}, "Startlån"),
    ("startloan:application-create", {}, "Startlån"),
    ("startloan:parameters-list", {}, "Startlån"),
    ("arrears:case-list", {}, "Restanser"),
    ("archive:public-journal", {}, "Arkiv"),
    ("archive:extraction", {}, "Arkiv"),
    ("reports:dashboard", {}, "Dashbord"),
    ("reports:report-list", {}, "Dashbord"),
    ("reports:import", {}, "Dashbord"),
]

MAIN_MENU = re.compile(r'<nav[^>]*aria-label="Hovedmeny"[^>]*>(.*?)</nav>', re.S)
CURRENT = re.compile(r'<a class="nav-link"[^>]*aria-current="page"[^>]*>([^<]*)<')


def current_items(html: str) -> list[str]:
    menu = MAIN_MENU.search(html)
    assert menu, "no main menu"
    return [text.strip() for text in CURRENT.findall(menu.group(1))]


def test_exactly_one_menu_item_is_current_on_every_main_page(leader_client, municipality):
    household = factories.household_with_members(municipality)
    dwelling = factories.DwellingFactory(municipality=municipality)
    for name, needs, expected in MAIN_PAGES:
        args = [household.pk] if "household" in needs else [dwelling.pk] if "dwelling" in needs else []
        response = leader_client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert current_items(response.content.decode()) == [expected], name


def test_the_caseworker_menu_too(caseworker_client):
    for name in ("tenants:household-list", "tenants:candidate-list", "tenants:meeting-list"):
        html = caseworker_client.get(reverse(name)).content.decode()
        assert len(current_items(html)) == 1, name


MENU_LINK = re.compile(r'<a class="nav-link"[^>]*>([^<]*)<')


def test_the_leaders_pages_are_not_in_a_caseworkers_menu(client, caseworker_user, leader_user):
    def menu(user):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        return [text.strip() for text in MENU_LINK.findall(MAIN_MENU.search(html).group(1))]

    caseworker_menu, leader_menu = menu(caseworker_user), menu(leader_user)
    assert caseworker_menu[:2] == ["Start", "Husstander"]
    assert "Dashbord" not in caseworker_menu and "Arkiv" not in caseworker_menu
    assert leader_menu == [*caseworker_menu, "Arkiv", "Dashbord"]


MENU_HREF = re.compile(r'<a class="nav-link"[^>]*href="([^"]*)"')


def test_the_menu_paths_are_found_once_and_follow_the_script_prefix(caseworker_client, monkeypatch):
    from housing_office import reversing

    monkeypatch.setattr(reversing, "_KEPT", {})
    calls = []
    real_reverse = reversing.reverse
    monkeypatch.setattr(reversing, "reverse", lambda *a, **k: calls.append(a) or real_reverse(*a, **k))

    def menu_paths() -> list[str]:
        html = caseworker_client.get("/husstander/").content.decode()
        return MENU_HREF.findall(MAIN_MENU.search(html).group(1))

    paths = menu_paths()
    assert "/husstander/" in paths and calls
    calls.clear()
    assert menu_paths() == paths
    assert calls == []
    # Served under a path (the WSGI handler sets the prefix from a reverse
    # proxy's SCRIPT_NAME; the test client does not): its own paths.
    set_script_prefix("/bolig/")
    try:
        prefixed = menu_paths()
    finally:
        set_script_prefix("/")
    assert prefixed == ["/bolig" + path for path in paths]
    assert calls


ENGLISH_IN_THE_ADMIN = (
    "Skip to main content",
    "Toggle theme",
    "Breadcrumbs",
    "Model name",
    "Add link",
    "Change or view list link",
    "Start typing to filter",
    "Filter navigation items",
    'aria-label="Sidebar"',
    "Added:",
    "Changed:",
)


@pytest.mark.parametrize("page", ["admin:index", "admin:housing_office_user_changelist"])
def test_the_admin_speaks_norwegian(client, municipality, page):
    root = User.objects.create_superuser("root", "root@example.no", "x-passord-123")
    client.force_login(root)
    client.get(reverse("admin:housing_office_user_change", args=[root.pk]))
    html = client.get(reverse(page)).content.decode()
    assert "Hopp til hovedinnholdet" in html
    for english in ENGLISH_IN_THE_ADMIN:
        assert english not in html, english
    assert 'rel="icon"' in html


def test_every_page_links_the_favicon(caseworker_client):
    html = caseworker_client.get(reverse("home")).content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', html)
    path = finders.find("img/favicon.svg")
    assert path
    with open(path, encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")
