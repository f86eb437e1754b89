"""Access proven from the URL configuration itself: a new view is covered
without anyone remembering to add it here.

* anonymous users are sent to the login page;
* a user of another municipality gets 404 for every object of this one;
* a caseworker gets 403 on the leader's pages, and on the page and file of
  every job whose kind is the leader's (one job of every kind in
  housing_office.jobs.JOB_KINDS is made, each with a result file);
* no page answers 500 to a logged-in leader, whatever id it is given.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RegexPattern

from housing_office.jobs import JOB_KINDS, create_job
from housing_office.models import Job
from housing_office.scoping import unscoped

from . import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aligned_pks")]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # The jobs' result files are written here, not in the project's media/.
    settings.MEDIA_ROOT = tmp_path


class ReadingClient(Client):
    """Reads a streamed response (a job's file) to the end at once, which
    closes it (the test client's closing wrapper), so that the walk leaves no
    file open; the bytes are in `response.body`."""

    def request(self, **request):
        response = super().request(**request)
        if getattr(response, "streaming", False):
            response.body = b"".join(response.streaming_content)
        return response


@pytest.fixture
def client():
    return ReadingClient()


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
    bought = factories.TenancyFactory(
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
    # An arrears case (and its import) through the finance list, as in use.
    from arrears.importing import SourceFile, import_arrears

    dwelling = tenancy.dwelling
    arrears_list = (
        "dwelling_ref;household_ref;amount;oldest_due_date;as_of\n"
        f"{dwelling.reference};{household.reference};4500;01.{tenancy.start_date:%m.%Y};"
        f"{datetime.date.today():%d.%m.%Y}\n"
    )
    assert import_arrears(municipality.number, SourceFile("restanser.csv", arrears_list.encode())).ok
    build_decisions(household)
    build_followup(household, bought)
    build_applications(household, factories.DwellingFactory(municipality=municipality))
    build_jobs(municipality)
    extra = getattr(factories, "build_extra_register", None)
    if extra:
        extra(municipality)


def build_decisions(household) -> None:
    """A decided decision with a complaint forwarded to the appeal body, a
    second with an unreviewed complaint, and a draft."""
    from decisions import services

    drafter, decider = (
        factories.caseworker(household.municipality),
        factories.caseworker(household.municipality),
    )
    grounds = {"legal_basis": "§ 6", "facts": "Fakta.", "considerations": "Hensyn."}
    day = datetime.date.today()
    for upheld in (True, False):
        decision = services.draft_decision(
            household=household, kind="housing_help", outcome="refused", drafted_by=drafter, **grounds
        )
        services.decide(decision, decided_by=decider, when=day)
        complaint = services.register_complaint(decision, received_on=day, registered_by=drafter)
        if upheld:
            services.review_complaint(complaint, upheld=True, reviewed_by=decider, when=day)
    services.draft_decision(
        household=household, kind="housing_help", outcome="granted", drafted_by=drafter, **grounds
    )


def build_followup(household, bought) -> None:
    """A follow-up plan with a contact and an action, and a check-in after
    the purchase of the household that bought its home."""
    from followup import services

    adviser = factories.caseworker(household.municipality)
    day = datetime.date.today()
    plan = services.create_plan(household, goals="Eie.", adviser=adviser, start_date=day)
    services.add_contact(plan, date=day, kind="phone", outcome="Ringte.", by=adviser, today=day)
    services.add_action(plan, description="Søke", responsible="household", due_on=day)
    services.record_check_in(
        bought,
        years_after=1,
        done_on=day,
        still_owner="yes",
        behind_on_loan="no",
        needs_help="no",
        note="",
        by=adviser,
        today=day,
    )


def build_applications(household, dwelling) -> None:
    """A criterion, a document requirement, a granted application with an
    open offer of a vacant dwelling, and an undecided one."""
    from applications.models import AllocationCriterion, DocumentRequirement, Offer

    m = household.municipality
    AllocationCriterion.all_objects.create(municipality=m, name="Bostedsløs", priority=1)
    DocumentRequirement.all_objects.create(municipality=m, name="Skattemelding")
    granted = factories.housing_application(
        household, datetime.date(2025, 1, 1), decided=datetime.date(2025, 2, 1), outcome="granted"
    )
    factories.housing_application(household, datetime.date(2025, 3, 1))
    Offer.all_objects.create(
        municipality=m,
        application=granted,
        dwelling=dwelling,
        offered_on=datetime.date(2025, 3, 1),
        answer_deadline=datetime.date(2025, 3, 15),
    )


def secret(kind: str) -> str:
    """What a job of `kind` says, in its title and its file: a response that
    contains it has shown the job."""
    return f"job-secret-{kind}-0c5f"


def build_jobs(municipality) -> list[Job]:
    """A finished job of every kind the code defines, each with a result
    file: a new kind is covered without anyone adding it here."""
    from django.core.files.base import ContentFile

    jobs = []
    for kind in JOB_KINDS:
        job = create_job(municipality=municipality, kind=kind, title=secret(kind))
        job.state = "done"
        job.result_file.save(f"{kind}.txt", ContentFile(secret(kind).encode()), save=False)
        job.save()
        jobs.append(job)
    return jobs


def job_routes() -> list[Route]:
    """The generic job pages: they take any job's pk, whatever its kind."""
    return [r for r in routes() if r.name.startswith("job-") and r.int_kwargs]


def body(response) -> bytes:
    return response.body if getattr(response, "streaming", False) else response.content


def project_apps() -> list[str]:
    """Our own apps (not Django's or a library's): a new app is walked
    without anyone adding it here."""
    from django.conf import settings

    base = Path(settings.BASE_DIR).resolve()
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and "site-packages" not in config.path
    ]


# Rows of one model a walk tries: enough for every variant the register
# builds (five users, four letters) but not every one of the municipality's
# default letter templates.
ROWS_PER_MODEL = 6


def all_pks() -> list[int]:
    """The primary keys of the first rows of every model of ours, so that an
    unscoped lookup would find something. With `aligned_pks` in use every
    table's rows share these few keys."""
    pks: set[int] = set()
    with unscoped():
        for label in project_apps():
            for model in apps.get_app_config(label).get_models():
                manager = getattr(model, "all_objects", model._default_manager)
                pks.update(manager.order_by("pk").values_list("pk", flat=True)[:ROWS_PER_MODEL])
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
    # The job pages answer by the job's kind, leader or not: walked below.
    by_job_kind = {r.name for r in job_routes()}
    for route in routes():
        if route.leader_only or route.name in by_job_kind:
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


def test_every_job_kind_is_walked(municipality):
    jobs = build_jobs(municipality)
    assert {j.kind for j in jobs} == set(JOB_KINDS)
    assert all(j.result_file for j in jobs)
    assert {r.name for r in job_routes()} >= {"job-detail", "job-download", "job-restart"}
    # Both sides of the rule are exercised.
    assert any(k.leader_only for k in JOB_KINDS.values())
    assert any(not k.leader_only for k in JOB_KINDS.values())


def test_caseworker_gets_403_on_the_jobs_of_the_leader(client, municipality):
    jobs = build_jobs(municipality)
    client.force_login(factories.caseworker(municipality))
    for job in jobs:
        leader_only = JOB_KINDS[job.kind].leader_only
        for route in job_routes():
            url = url_for(route, job.pk)
            for method in (client.get, client.post):
                response = method(url)
                if response.status_code == 405:
                    continue
                if leader_only:
                    assert response.status_code == 403, (job.kind, route.name, method.__name__)
                else:
                    assert response.status_code in (200, 302), (job.kind, route.name, method.__name__)


def test_the_leader_sees_every_job(client, municipality):
    jobs = build_jobs(municipality)
    client.force_login(factories.leader(municipality))
    for job in jobs:
        assert client.get(reverse("job-detail", args=[job.pk])).status_code == 200, job.kind
        response = client.get(reverse("job-download", args=[job.pk]))
        assert response.status_code == 200, job.kind
        assert body(response) == secret(job.kind).encode()


def test_no_page_shows_a_caseworker_a_leader_only_job(client, municipality):
    """Whatever page a leader-only job's pk is given to, the caseworker sees
    neither its title nor its file: a job view outside /jobber/ is covered too."""
    build_register(municipality)
    hidden = [j for j in Job.all_objects.all() if JOB_KINDS[j.kind].leader_only]
    assert hidden
    client.force_login(factories.caseworker(municipality))
    for route in routes():
        for job in hidden if route.int_kwargs else hidden[:1]:
            response = client.get(url_for(route, job.pk))
            if response.status_code != 200:
                continue
            content = body(response)
            for other in hidden:
                assert secret(other.kind).encode() not in content, (route.name, job.kind, other.kind)


def test_jobs_of_every_kind_are_404_to_another_municipality_and_login_to_anonymous(
    client, municipality, other_municipality
):
    jobs = build_jobs(municipality)
    for job in jobs:
        for route in job_routes():
            url = url_for(route, job.pk)
            client.logout()
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code in (302, 405), (job.kind, route.name)
                if response.status_code == 302:
                    assert response["Location"].startswith(reverse("login")), (job.kind, route.name)
            client.force_login(factories.leader(other_municipality))
            for method in (client.get, client.post):
                assert method(url).status_code in (404, 405), (job.kind, route.name, method.__name__)


def test_a_job_of_an_unknown_kind_cannot_be_made_and_is_refused(client, municipality):
    with pytest.raises(ValueError):
        create_job(municipality=municipality, kind="no_such_kind", title="Ukjent")
    # One made behind the registry's back (an old row) is refused to everyone but 404 elsewhere.
    job = Job.all_objects.create(municipality=municipality, kind="no_such_kind", title="Ukjent")
    client.force_login(factories.leader(municipality))
    for route in job_routes():
        assert client.get(url_for(route, job.pk)).status_code in (403, 405), route.name


def test_the_walk_covers_every_app_of_ours():
    assert {"tenants", "letters", "archive", "dwellings", "startloan", "arrears", "reports"} <= set(
        project_apps()
    )
    assert "auth" not in project_apps() and "axes" not in project_apps()
