"""Access proven from the URL configuration itself: a new view is covered
without anyone remembering to add it here.

* anonymous users are sent to the login page;
* a user of another municipality gets 404 for every object of this one;
* a caseworker gets 403 on the leader's pages;
* no page answers 500 to a logged-in leader, whatever id it is given.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RegexPattern

from housing_office.scoping import unscoped

from . import factories

pytestmark = pytest.mark.django_db

# Pages that are meant for everyone, or that belong to Django itself.
PUBLIC = {"login", "logout", "health"}
SKIPPED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Route:
    name: str
    int_kwargs: tuple[str, ...]
    other_kwargs: tuple[str, ...]
    leader_only: bool
    # Fixed sample values for the groups of a regular-expression route.
    samples: tuple[tuple[str, str], ...] = ()


def _regex_kwargs(regex: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The named groups of a `re_path` route: digit groups take an object's
    pk; an alternation of words takes its first word; anything else "x"."""
    ints: list[str] = []
    samples: dict[str, str] = {}
    for name, body in re.findall(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", regex):
        if body in (r"\d+", "[0-9]+"):
            ints.append(name)
        elif re.fullmatch(r"[\w-]+(\|[\w-]+)*", body):
            samples[name] = body.split("|")[0]
        else:
            samples[name] = "x"
    return tuple(ints), samples


def _walk(patterns, namespace: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, ns if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def routes() -> list[Route]:
    found = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name in PUBLIC or "static" in str(pattern.pattern) or "media" in str(pattern.pattern):
            continue
        converters = getattr(pattern.pattern, "converters", {})
        ints = tuple(k for k, c in converters.items() if isinstance(c, IntConverter))
        others = tuple(k for k in converters if k not in ints)
        samples: dict[str, str] = {}
        if isinstance(pattern.pattern, RegexPattern):
            ints, samples = _regex_kwargs(str(pattern.pattern))
        callback = pattern.callback
        leader_only = bool(
            getattr(callback, "leader_only", False)
            or getattr(getattr(callback, "view_class", None), "leader_only", False)
        )
        found.append(Route(name, ints, others, leader_only, tuple(samples.items())))
    return found


def url_for(route: Route, pk: int) -> str:
    kwargs: dict[str, object] = dict.fromkeys(route.int_kwargs, pk)
    kwargs.update(dict.fromkeys(route.other_kwargs, "x"))
    kwargs.update(dict(route.samples))
    return reverse(route.name, kwargs=kwargs)


def build_register(municipality) -> None:
    """One of everything, so that every object page has something to find."""
    tenancy = factories.TenancyFactory(household__municipality=municipality)
    household = tenancy.household
    factories.PersonFactory(household=household)
    factories.TenancyFactory(
        household__municipality=municipality,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2020, 1, 1),
        end_reason="bought_own_home",
    )
    factories.RentArrearsFactory(tenancy=tenancy)
    factories.StockChangeFactory(dwelling=tenancy.dwelling)
    factories.JournalNoteFactory(household=household)
    factories.OutreachMeetingFactory(household=household)
    factories.LetterFactory(household=household)
    factories.StartLoanApplicationFactory(household=household)
    from housing_office.jobs import create_job

    create_job(municipality=municipality, kind="count", title="Telling")
    extra = getattr(factories, "build_extra_register", None)
    if extra:
        extra(municipality)


def all_pks() -> list[int]:
    """Every primary key in use by a model of ours, so that an unscoped lookup
    would find something."""
    pks: set[int] = set()
    with unscoped():
        for label in ("housing_office", "tenants", "dwellings", "startloan", "reports"):
            for model in apps.get_app_config(label).get_models():
                manager = getattr(model, "all_objects", model._default_manager)
                pks.update(manager.values_list("pk", flat=True))
    return sorted(pks)


def test_the_url_walk_finds_the_pages():
    names = {r.name for r in routes()}
    assert {"home", "job-detail"} <= names


def test_anonymous_is_sent_to_login_everywhere(client):
    for route in routes():
        url = url_for(route, 1)
        response = client.get(url)
        assert response.status_code in (302, 405), (route.name, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), (route.name, response["Location"])


def test_other_municipality_gets_404_for_every_object(client, municipality, other_municipality):
    build_register(municipality)
    pks = all_pks()
    assert pks
    client.force_login(factories.leader(other_municipality))
    for route in routes():
        if not route.int_kwargs:
            continue
        for pk in pks:
            url = url_for(route, pk)
            for method in (client.get, client.post):
                status = method(url).status_code
                assert status in (404, 405), (route.name, pk, method.__name__, status)


def test_caseworker_gets_403_on_leader_pages(client, municipality):
    build_register(municipality)
    client.force_login(factories.caseworker(municipality))
    leader_routes = [r for r in routes() if r.leader_only]
    for route in leader_routes:
        status = client.get(url_for(route, all_pks()[0])).status_code
        assert status in (403, 405), (route.name, status)


def test_no_page_crashes_for_a_leader(client, municipality):
    build_register(municipality)
    client.force_login(factories.leader(municipality))
    pks = all_pks()
    for route in routes():
        for pk in pks if route.int_kwargs else [0]:
            status = client.get(url_for(route, pk)).status_code
            assert status < 500, (route.name, pk, status)


def test_pages_only_a_leader_may_see_are_marked_leader_only(client, municipality):
    """A page that answers a leader but refuses a caseworker is a leader page:
    it must use housing_office.permissions.leader_required, so that the 403
    walk above keeps covering it."""
    build_register(municipality)
    leader = factories.leader(municipality)
    caseworker = factories.caseworker(municipality)
    pks = all_pks()
    unmarked = []
    for route in routes():
        if route.leader_only:
            continue
        for pk in pks if route.int_kwargs else [0]:
            url = url_for(route, pk)
            client.force_login(leader)
            if client.get(url).status_code != 200:
                continue
            client.force_login(caseworker)
            if client.get(url).status_code == 403:
                unmarked.append(route.name)
            break
    assert unmarked == [], unmarked
