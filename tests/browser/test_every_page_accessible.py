"""axe over every page of the site that takes no object, as the office
leader (who sees them all), found from the URL configuration: a new app's
pages are scanned without anyone adding them here. Object pages are scanned
by test_accessibility's list with its small office."""

from __future__ import annotations

import pytest
from django.test import Client

from ..test_access import routes, url_for
from .test_accessibility import logged_in, office, serious_violations  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _html_pages(leader) -> list[str]:
    """The routes without parameters that answer a GET with an HTML page
    (exports, files and POST-only actions are left out)."""
    client = Client()
    client.force_login(leader)
    urls = []
    for route in routes():
        if route.int_kwargs or route.other_kwargs or route.samples:
            continue
        url = url_for(route, 0)
        response = client.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            urls.append(url)
    return urls


def test_every_page_without_an_object_has_no_serious_violations(page, live_server, office):  # noqa: F811
    from .. import factories

    leader = factories.leader(office["user"].municipality, username="lise", first_name="Lise")
    urls = _html_pages(leader)
    assert len(urls) >= 20, urls
    logged_in(page, live_server, leader)
    found = {}
    for url in urls:
        page.goto(url)
        page.mouse.move(0, 0)
        violations = serious_violations(page)
        if violations:
            found[url] = violations
    assert found == {}
