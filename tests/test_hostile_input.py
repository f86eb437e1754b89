"""Hostile input at every form and at the register import.

The forms are found from the pages themselves: every page of the URL
configuration is fetched as an office leader, every `<form>` on it is read
(fields, options, current values), and Hypothesis fills it with random and
hostile values — huge and negative numbers, control characters and NUL,
æøå, scripts, very long strings, impossible dates — alone or many at once.

For every submission:
* the answer is never a server error;
* a submission that is not accepted (anything but a redirect) writes
  nothing: no row of the office's tables appears, changes or disappears;
* no HTML page, after the submission or on the page it leads to, carries
  the script unescaped.

`FORM_ROUTES` lists the pages whose forms are tried; a test walks the URL
configuration and fails when a page with a form is missing from it, so a
new form is fuzzed without anyone remembering to. Set TRUST_FUZZ_EXAMPLES
for a longer run (default 20 per form).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenants.models import Household

from . import factories
from .conftest import align_pks, rows_for_a_class
from .test_access import all_pks, build_register, routes, url_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aligned_pks")]

EXAMPLES = int(os.environ.get("TRUST_FUZZ_EXAMPLES", "20"))
SCRIPT = "<script>alert(1)</script>"

HOSTILE: list[str] = [
    SCRIPT,
    f'"><{SCRIPT[1:]}',
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE tenants_household; --",
    "\x00",
    "a\x00b",
    "\x00" * 3 + SCRIPT,
    "\x1b[31m\x07\x08\x7f",
    "\u202eevil\u202c",
    "\ufeff",
    "\u200b",
    "æøå ÆØÅ Ødegård Åse",
    "ǅ ß ﬁ İ",
    "😀👨‍👩‍👧",
    "\r\n\t",
    "",
    " ",
    "-1",
    "-0.01",
    "0",
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    "9" * 400,
    "2147483648",
    "32768",
    "-2147483649",
    "-9223372036854775809",
    "1,5",
    "1.234.567,89",
    "12 345",
    "0x1F",
    "١٢٣",
    "2024-02-30",
    "31.02.2024",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "0001-01-01",
    "-0001-01-01",
    "2024-13-01",
    "24:60",
    "A" * 10_000,
    "%00",
    "{{ 7|add:7 }}{% debug %}",
    "{% include '/etc/passwd' %}",
    "../../etc/passwd",
    "null",
    "[]",
]

# Text including every Unicode category but surrogates (which UTF-8 cannot
# carry): control characters and NUL among them.
RANDOM_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.floats().map(str),
)
DATES = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: f"{d.day:02d}.{d.month:02d}.{d.year:04d}"),
    st.tuples(st.integers(-5, 99999), st.integers(-1, 14), st.integers(-1, 40)).map(
        lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"
    ),
)
HOSTILE_VALUE = st.one_of(st.sampled_from(HOSTILE), RANDOM_TEXT, NUMBERS, DATES)


# Reading forms ----------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, number, date, hidden, select, radio, checkbox, file, textarea, …
    values: list[str] = field(default_factory=list)  # what the page has chosen or typed
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    # A text box for a number (inputmode numeric or decimal): the fuzz sends
    # it anything, but no script can be saved in it to come back.
    numeric: bool = False


@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def key(self) -> str:
        names = ",".join(sorted(self.fields))
        return f"{self.method} {urlsplit(self.action).path} [{names}]"


class FormReader(HTMLParser):
    """Every <form> of a page with its fields and their current values."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.option_value: str | None = None
        self.option_selected = False
        self.option_text = ""
        self.textarea: Field | None = None

    def _field(self, name: str, kind: str) -> Field:
        assert self.form is not None
        return self.form.fields.setdefault(name, Field(name, kind))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self.form = Form(self.page, (a.get("method") or "get").lower(), action)
            self.forms.append(self.form)
            return
        if self.form is None or not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            f = self._field(a["name"], kind)
            if kind in ("checkbox", "radio"):
                f.options.append(a.get("value", "on"))
                f.multiple = kind == "checkbox" and len(f.options) > 1
                if "checked" in a:
                    f.values.append(a.get("value", "on"))
            elif kind != "file":
                f.values = [a.get("value", "")]
                f.numeric = a.get("inputmode") in ("numeric", "decimal")
        elif tag == "select":
            self.select = self._field(a["name"], "select")
            self.select.multiple = "multiple" in a
        elif tag == "option" and self.select is not None:
            self.option_value = a.get("value")
            self.option_selected = "selected" in a
            self.option_text = ""
        elif tag == "textarea":
            self.textarea = self._field(a["name"], "textarea")
            self.textarea.values = [""]

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.values[0] += data
        if self.option_value is None and self.select is not None:
            self.option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self.select is not None:
            value = self.option_value if self.option_value is not None else self.option_text.strip()
            self.select.options.append(value)
            if self.option_selected:
                self.select.values.append(value)
            self.option_value = None
        elif tag == "select" and self.select is not None:
            if not self.select.values and self.select.options and not self.select.multiple:
                # What a person would pick: the first real choice, not "Velg …".
                real = [o for o in self.select.options if o]
                self.select.values = [(real or self.select.options)[0]]
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.form = None


def forms_on(page: str, html: str) -> list[Form]:
    reader = FormReader(page)
    reader.feed(html)
    # The logout button is on every page.
    return [f for f in reader.forms if urlsplit(f.action).path != "/logg-ut/"]


# Pages ---------------------------------------------------------------------------

# Pages with a form, and the query a page needs to show it.
FORM_ROUTES: dict[str, str] = {
    "archive:case-file": "",
    "archive:public-journal": "",
    "archive:extraction": "",
    "tenants:household-list": "",
    "tenants:household-create": "",
    "tenants:household-detail": "",
    "tenants:household-edit": "",
    "tenants:household-stage": "",
    "tenants:candidate-list": "",
    "tenants:pathway-board": "",
    "tenants:meeting-list": "",
    "tenants:meeting-create": "?household={household}",
    "tenants:meeting-record": "",
    "tenants:barrier-settings": "",
    "letters:template-edit": "",
    "letters:summons-new": "",
    "dwellings:dwelling-list": "",
    "dwellings:vacancy-list": "",
    "dwellings:dwelling-create": "",
    "dwellings:dwelling-detail": "",
    "dwellings:dwelling-edit": "",
    "dwellings:stock-change": "",
    "dwellings:tenancy-create": "",
    "dwellings:tenancy-end": "",
    "dwellings:sale-to-tenant": "",
    "arrears:case-open": "",
    "startloan:application-create": "?household={household}",
    "startloan:application-detail": "",
    "startloan:application-edit": "",
    "startloan:application-recommend": "",
    "startloan:application-decide": "",
    "startloan:application-eligibility": "",
    "startloan:application-documents": "",
    "startloan:document-kinds": "",
    "startloan:parameters-list": "",
    "startloan:parameters-edit": "",
    "startloan:budget-create": "",
    "startloan:readiness-list": "",
    "arrears:import": "",
    "arrears:case-detail": "",
    "decisions:draft-create": "",
    "decisions:decision-detail": "",
    "decisions:complaint-create": "",
    "decisions:complaint-detail": "",
    "decisions:kind-settings": "",
    "applications:list": "",
    "applications:create": "",
    "applications:detail": "",
    "applications:edit": "",
    "applications:offer-answer": "",
    "applications:criteria": "",
    "applications:criterion-edit": "",
    "applications:documents": "",
    "applications:document-edit": "",
    "reports:dashboard": "",
    "reports:report-list": "",
    "reports:stock-plan": "",
    "reports:import": "",
    "followup:worklist": "",
    "followup:settings": "",
    "followup:plan-create": "",
    "followup:plan-detail": "",
    "followup:plan-edit": "",
    "followup:check-in": "",
}

# Valid values for the forms that create something (by action path), so
# that a submission with one hostile field can get through and be shown.
FUTURE = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
VALID: list[tuple[str, dict[str, str]]] = [
    (r"^/husstander/ny/$", {"reference": "H-FUZZ", "main_first_name": "Åse", "main_last_name": "Ødegård"}),
    (
        r"^/boliger/ny/$",
        {
            "reference": "B-FUZZ",
            "address": "Gata 1",
            "postal_code": "3715",
            "postal_place": "SKIEN",
            "rooms": "3",
            "area_m2": "60",
        },
    ),
    (r"^/boliger/leieforhold/\d+/restanse/$", {"amount": "1500", "due_date": "2024-01-01"}),
    (
        r"^/husstander/samtaler/ny/$",
        {"date": FUTURE, "time": "10:00", "place": "Rådhuset", "duration_minutes": "45"},
    ),
    (
        r"^/startlan/ny/$",
        {
            "purchase_price": "3 000 000",
            "amount_applied": "2 500 000",
            "monthly_net_income": "38 000",
            "annual_gross_income": "620 000",
        },
    ),
]


def valid_values(action: str) -> dict[str, str]:
    path = urlsplit(action).path
    return next((values for pattern, values in VALID if re.match(pattern, path)), {})


def pages_of(client, route_name: str, pks: list[int], household: int) -> list[str]:
    """The first page of the route that shows a form (or else the first
    that answers at all), as URLs to read."""
    route = next(r for r in routes() if r.name == route_name)
    query = FORM_ROUTES.get(route_name, "").format(household=household)
    # Year routes (the loan parameters) take a year, not a key.
    this_year = datetime.date.today().year
    candidates = [this_year, this_year + 1, this_year - 1] if "year" in route.int_kwargs else pks
    first = []
    for pk in candidates if route.int_kwargs else [0]:
        url = url_for(route, pk) + query
        response = client.get(url)
        if response.streaming:
            # Read to the end: the test client then closes a download's file.
            b"".join(response.streaming_content)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            if forms_on(url, response.content.decode()):
                return [url]
            first = first or [url]
    return first


@pytest.fixture(scope="class")
def office_register(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The register every form and query of `TestEveryFormAndQuery` is
    tried against, built once for the class (`rows_for_a_class`: what a
    submission writes goes with its test's savepoint). Built for each test,
    it was a fifth of the fuzz's time."""
    with rows_for_a_class(django_db_blocker, tmp_path_factory.mktemp("fuzz-media")):
        align_pks()
        municipality = factories.MunicipalityFactory(number="3807", name="Skien")
        build_register(municipality)
        # Letters need a postal address and a template; the summons wizard an open household.
        factories.HouseholdFactory(municipality=municipality, reference="H-OPEN")
        leader = factories.leader(municipality, first_name="Lise", last_name="Leder")
        # An application another caseworker has recommended: the leader may decide it.
        from startloan.services import ensure_default_parameters, recommend

        ensure_default_parameters(municipality)
        application = factories.StartLoanApplicationFactory(household__municipality=municipality)
        recommend(application, by=factories.caseworker(municipality), text="Anbefales innvilget.")
        yield {
            "leader": leader,
            "pks": all_pks(),
            "household": Household.objects.order_by("pk").first().pk,
        }


@pytest.fixture
def office(office_register, client):
    client.force_login(office_register["leader"])
    return {**office_register, "client": client}


# The office's tables, counted together in one query.
COUNTED_APPS = (
    "tenants",
    "letters",
    "dwellings",
    "startloan",
    "reports",
    "decisions",
    "applications",
    "followup",
    "auditlog",
)


def table_counts() -> tuple[int, ...]:
    from django.apps import apps

    tables = sorted(
        model._meta.db_table
        for label in COUNTED_APPS
        if label in {c.label for c in apps.get_app_configs()}
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy
    )
    from django.contrib.auth import get_user_model

    tables.append(get_user_model()._meta.db_table)
    tables.append("housing_office_municipality")
    sql = "SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{t}")' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def table_fingerprint() -> str:
    """Counts and the newest change of each table: an update that leaves the
    count alone still shows."""
    from django.apps import apps

    changed = [
        f'(SELECT MAX("updated_at") FROM "{model._meta.db_table}")'
        for label in ("tenants", "letters", "dwellings", "startloan", "decisions", "applications")
        for model in apps.get_app_config(label).get_models()
        if "updated_at" in {f.attname for f in model._meta.concrete_fields}
    ]
    # One statement for all the tables (a query per table was most of the
    # fuzz's own cost: it runs before and after every payload).
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(changed))
        parts = [str(table_counts()), *map(str, cursor.fetchone())]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


# Submitting ----------------------------------------------------------------------


def draw_payload(data: st.DataObject, form: Form) -> dict[str, Any]:
    names = sorted(form.fields)
    payload: dict[str, Any] = {}
    for name in names:
        f = form.fields[name]
        if f.kind == "file":
            continue
        if f.values:
            payload[name] = f.values if f.multiple else f.values[0]
    payload.update(valid_values(form.action))
    fuzzable = [n for n in names if n != "csrfmiddlewaretoken"]
    if not fuzzable:
        return payload
    many = data.draw(st.booleans(), label="many fields")
    chosen = (
        data.draw(st.lists(st.sampled_from(fuzzable), min_size=1, unique=True), label="fields")
        if many
        else [data.draw(st.sampled_from(fuzzable), label="field")]
    )
    for name in chosen:
        f = form.fields[name]
        if f.kind == "file":
            payload[name] = SimpleUploadedFile(
                data.draw(
                    st.sampled_from(["a.csv", "../../x.csv", "æøå.csv", "a\x00.csv"]), label="filename"
                ),
                data.draw(csv_bytes(), label=f"{name} bytes"),
                content_type="text/csv",
            )
            continue
        choices = [st.sampled_from(f.options)] if f.options else []
        value = data.draw(st.one_of(HOSTILE_VALUE, *choices), label=name)
        if f.multiple or (f.kind == "select" and data.draw(st.booleans(), label=f"{name} as list")):
            payload[name] = [value, *data.draw(st.lists(HOSTILE_VALUE, max_size=2), label=f"{name} more")]
        else:
            payload[name] = value
    return payload


def submit(client, form: Form, payload: dict[str, Any]):
    url = urlsplit(form.action)
    path = url.path + (f"?{url.query}" if url.query else "")
    if form.method == "post":
        return client.post(path, payload)
    return client.get(url.path, {k: v for k, v in payload.items() if not isinstance(v, SimpleUploadedFile)})


def assert_escaped(response, where: str) -> None:
    if "text/html" in response.get("Content-Type", "") and not getattr(response, "streaming", False):
        assert SCRIPT not in response.content.decode("utf-8", "replace"), f"unescaped script on {where}"


# Status codes per form: how many submissions got through, printed at the
# end of the module (run with -s to see it).
STATS: dict[str, list[int]] = {}


@pytest.fixture(scope="module", autouse=True)
def _statistics():
    yield
    for key, codes in sorted(STATS.items()):
        accepted = sum(1 for c in codes if c in (301, 302, 303))
        print(f"{len(codes):4d} tried, {accepted:3d} accepted: {key[:120]}")


def fuzz(client, form: Form, examples: int = EXAMPLES) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        payload = draw_payload(data, form)
        before = table_fingerprint()
        response = submit(client, form, payload)
        STATS.setdefault(form.key, []).append(response.status_code)
        assert response.status_code < 500, (form.key, response.status_code)
        assert_escaped(response, form.key)
        if response.status_code in (301, 302, 303):
            target = client.get(response["Location"])
            assert target.status_code < 500, (form.key, response["Location"])
            assert_escaped(target, response["Location"])
        elif form.method == "post":
            assert table_fingerprint() == before, f"{form.key} answered {response.status_code} but wrote rows"

    run()


TEXT_KINDS = ("text", "textarea", "search", "email", "tel", "url")


def script_in_each_text_field(client, form: Form) -> None:
    """The script in one text field at a time, the rest as a person would
    fill them: what is saved must come back escaped, wherever it leads."""
    baseline = {n: (f.values if f.multiple else f.values[0]) for n, f in form.fields.items() if f.values}
    baseline.update(valid_values(form.action))
    for name, f in form.fields.items():
        if f.kind not in TEXT_KINDS or f.numeric:
            continue
        before = table_fingerprint()
        response = submit(client, form, {**baseline, name: SCRIPT})
        STATS.setdefault(form.key, []).append(response.status_code)
        assert response.status_code < 500, (form.key, name)
        assert_escaped(response, f"{form.key} {name}")
        if response.status_code in (301, 302, 303):
            target = client.get(response["Location"])
            assert target.status_code < 500
            assert_escaped(target, response["Location"])
        elif form.method == "post":
            assert table_fingerprint() == before, f"{form.key} answered {response.status_code} but wrote rows"


# Query parameters: search boxes, filters and ids --------------------------------

# NUL (which PostgreSQL cannot hold in text) and other control characters.
NUL_VALUES = ["\x00", "a\x00b", "\x00" * 3 + SCRIPT]
# The other control characters travel together: each is text like any other,
# so one request per field carries them all (a request per character made
# this walk the suite's slowest for no more coverage).
CONTROL_CHARACTERS = [*NUL_VALUES, "\x01 \x07\x08 \x1b[31m \x7f \x85 \u2028"]
# Ids no column holds (SQLite and bigint stop at 2**63 - 1), more digits than
# int() reads, a digit int() refuses, and ids that are merely wrong.
BAD_IDS = ["9" * 25, str(2**63), str(2**31), "9" * 5000, "²", "١٢", "-1", "0", "1e400"]


class LinkReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and "?" in href:
            self.hrefs.append(href)


def html_of(client, url: str) -> str | None:
    response = client.get(url)
    if response.streaming:
        # Read to the end: the test client then closes the download's file.
        b"".join(response.streaming_content)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return None
    return response.content.decode()


def pages_with_html(client, office) -> dict[str, str]:
    """The HTML of one page of every route that answers: a page without keys
    also bare (the start-loan household picker is /startlan/ny/ without
    ?household=), an object page for the first object that shows."""
    pages: dict[str, str] = {}
    this_year = datetime.date.today().year
    for route in routes():
        query = FORM_ROUTES.get(route.name, "").format(household=office["household"])
        if not route.int_kwargs:
            candidates = [url_for(route, 0), url_for(route, 0) + query]
        else:
            keys = [this_year, this_year - 1] if "year" in route.int_kwargs else office["pks"]
            candidates = [url_for(route, pk) + query for pk in keys]
        for url in dict.fromkeys(candidates):
            html = html_of(client, url)
            if html is not None:
                pages[url] = html
                if route.int_kwargs:
                    break
    return pages


def query_forms_and_id_parameters(client, office) -> tuple[list[Form], set[tuple[str, str]]]:
    """The GET forms (search boxes and filters) of every page, and the
    (path, name) of every query parameter a link or a GET form gives an id."""
    from urllib.parse import parse_qsl

    forms: dict[str, Form] = {}
    ids: set[tuple[str, str]] = set()
    for url, html in pages_with_html(client, office).items():
        for form in forms_on(url, html):
            if form.method == "get":
                forms.setdefault(form.key, form)
                for f in form.fields.values():
                    if any(o.isdigit() for o in [*f.options, *f.values]):
                        ids.add((urlsplit(form.action).path, f.name))
        reader = LinkReader()
        reader.feed(html)
        for href in reader.hrefs:
            target = urlsplit(urljoin(url, href))
            ids |= {(target.path, k) for k, v in parse_qsl(target.query) if v.isdigit() and k != "page"}
    return list(forms.values()), ids


class TestEveryFormAndQuery:
    """The walks over every page, on one register built for the class."""

    @pytest.mark.parametrize("route_name", sorted(FORM_ROUTES))
    def test_forms_survive_hostile_input(self, office, route_name):
        client = office["client"]
        pages = pages_of(client, route_name, office["pks"], office["household"])
        assert pages, f"{route_name}: no page answered 200"
        found = []
        for page in pages:
            for form in forms_on(page, client.get(page).content.decode()):
                found.append(form.key)
                script_in_each_text_field(client, form)
                fuzz(client, form)
        assert found, f"{route_name}: no form on {pages}"

    def test_every_page_with_a_form_is_fuzzed(self, office):
        """A new page with a form must be added to FORM_ROUTES."""
        client = office["client"]
        with_forms = set()
        for route in routes():
            for page in pages_of(client, route.name, office["pks"], office["household"]):
                if forms_on(page, client.get(page).content.decode()):
                    with_forms.add(route.name)
        assert with_forms - set(FORM_ROUTES) == set()

    def test_control_characters_in_every_search_box_and_filter(self, office):
        """NUL in any search box or filter is a 400; other control characters
        are text like any other. Never a 500."""
        client = office["client"]
        forms, _ids = query_forms_and_id_parameters(client, office)
        paths = {urlsplit(f.action).path for f in forms}
        assert {"/husstander/", "/boliger/", "/startlan/ny/", "/brev/innkalling/ny/"} <= paths, paths
        for form in forms:
            baseline = {
                n: (f.values if f.multiple else f.values[0]) for n, f in form.fields.items() if f.values
            }
            for name in form.fields:
                for value in CONTROL_CHARACTERS:
                    response = submit(client, form, {**baseline, name: value})
                    assert response.status_code < 500, (form.key, name, value)
                    assert response.status_code == 400 or "\x00" not in value, (form.key, name, value)
                    assert_escaped(response, f"{form.key} {name}")

    def test_huge_integers_in_every_id_taking_query_parameter(self, office):
        client = office["client"]
        _forms, ids = query_forms_and_id_parameters(client, office)
        # Links that only show after a search or a choice.
        ids |= {("/startlan/ny/", "household"), ("/brev/innkalling/ny/", "household")}
        ids |= {("/boliger/leieforhold/ny/", "household")}
        assert {("/husstander/", "caseworker"), ("/boliger/leieforhold/ny/", "dwelling")} <= ids, ids
        for path, name in sorted(ids):
            for value in BAD_IDS:
                response = client.get(path, {name: value})
                assert response.status_code < 500, (path, name, value[:30])


# Letter templates: no files, no escaping switched off ------------------------------

# Ways a template body could make the PDF load a stored or local file.
FILE_PROBES = [
    '<a rel="attachment" href="media:letters/2031/01/innkalling-1.pdf">x</a>',
    '<a rel="Attachment nofollow" href="x.pdf">x</a>',
    '<img src="media:logos/x.png" alt="">',
    '<img src="file:///etc/passwd" alt="">',
    '<a href="file:///etc/passwd">x</a>',
    '<a href="static:css/site.css">x</a>',
    '<a href=" Media:letters/x.pdf">x</a>',
    '<a href="me&#9;dia:x">x</a>',
    '<a href="../../media/letters/x.pdf">x</a>',
    '<a href="data:text/plain,x">x</a>',
    '<span style="background:url(media:x)">x</span>',
    "<span style=\"background:URL( 'file:///etc/passwd' )\">x</span>",
    '<span style="background:u\\72l(media:x)">x</span>',
    '<span style="background:image-set(&quot;media:x&quot; 1x)">x</span>',
    '<link rel="attachment" href="media:x">',
    '<object data="media:x"></object>',
    '<embed src="media:x">',
    '<style>@import "media:x";</style>',
    '<svg><image href="media:x"></image></svg>',
]
# Ways a template body could print a value as markup, or run unbounded.
ESCAPING_PROBES = [
    "{{ recipient_name|safe }}",
    "{{ recipient_name|safeseq }}",
    "{{ recipient_name|upper|safe }}",
    "{% if recipient_name|safe %}x{% endif %}",
    "{% autoescape off %}{{ recipient_name }}{% endautoescape %}",
    "{{ recipient_name|force_escape }}",
    "{{ recipient_name|urlize }}",
    "{{ recipient_name|escapejs }}",
    "{% filter safe %}{{ recipient_name }}{% endfilter %}",
    "{% load static %}",
    "{% verbatim %}<b>{% endverbatim %}",
    "{% templatetag openblock %}",
    "{% lorem 9999 w %}",
    "{{ recipient_name|ljust:'999999999' }}",
    "{% widthratio 1 1 999999999 %}",
    "{% include 'base.html' %}",
    "{% debug %}",
    "{% for a in recipient_name %}{% for b in recipient_name %}{% for c in recipient_name %}"
    "x{% endfor %}{% endfor %}{% endfor %}",
]
LETTER_REFUSALS = (
    "kan ikke brukes i brevmaler",
    "ikke tillatt i brev",
    "ikke lov i brev",
    "Brevmaler kan ikke hente filer",
    "for mange ganger",
)


def test_letter_templates_refuse_files_and_escaping_switches(leader_client, municipality):
    """The template editor and its preview refuse every probe, in Norwegian,
    saving nothing and never answering a server error."""
    from letters.letter_templates import current_template, ensure_default_templates

    ensure_default_templates(municipality)
    template = current_template(municipality, "summons", "nb")
    edit = reverse("letters:template-edit", args=[template.pk])
    preview = reverse("letters:template-preview", args=[template.pk])

    @settings(max_examples=max(EXAMPLES * 2, 40), deadline=None, derandomize=True, database=None)
    @given(
        st.sampled_from(FILE_PROBES + ESCAPING_PROBES),
        st.sampled_from(["", "<p>Hei, {{ recipient_name }}!</p>\n", "<h2>Æ Ø Å</h2>"]),
        st.sampled_from(["{}", "<p>{}</p>", "<div>\n{}\n</div>"]),
    )
    def run(probe: str, prefix: str, wrapper: str) -> None:
        body = prefix + wrapper.format(probe)
        response = leader_client.post(edit, {"subject": "Innkalling", "body": body})
        assert response.status_code == 400, (body, response.status_code)
        errors = re.findall(r'<p class="mb-0">(.*?)</p>', response.content.decode(), re.S)
        assert any(phrase in e for e in errors for phrase in LETTER_REFUSALS), (body, errors)
        assert current_template(municipality, "summons", "nb").pk == template.pk
        shown = leader_client.post(preview, {"subject": "Innkalling", "body": body})
        assert shown.status_code == 400, (body, shown.status_code)
        assert not shown["Content-Type"].startswith("application/pdf")

    run()


# The register import ------------------------------------------------------------

DWELLING_HEADER = [
    "dwelling_ref", "address", "postal_code", "postal_place", "rooms", "area_m2",
    "category", "wheelchair_accessible", "acquired_on", "disposed_on",
]  # fmt: skip
HOUSEHOLD_HEADER = [
    "household_ref", "first_name", "last_name", "national_id", "adults", "children",
    "address", "postal_code", "postal_place", "phone", "email",
]  # fmt: skip
TENANCY_HEADER = ["household_ref", "dwelling_ref", "start_date", "end_date", "end_reason", "monthly_rent"]
GOOD_DWELLING = ["B-1", "Gata 1", "3715", "SKIEN", "3", "60,5", "general", "nei", "2010-01-01", ""]
GOOD_HOUSEHOLD = ["H-1", "Åse", "Ødegård", "", "1", "2", "Gata 1", "3715", "SKIEN", "", ""]
GOOD_TENANCY = ["H-1", "B-1", "2015-01-01", "", "", "9500"]


def csv_text(header: list[str], rows: list[list[str]], sep: str) -> str:
    def cell(value: str) -> str:
        if any(c in value for c in (sep, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "\n".join(sep.join(cell(v) for v in row) for row in [header, *rows]) + "\n"


@st.composite
def hostile_rows(draw, good: list[str]) -> list[list[str]]:
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        row = list(good)
        for index in draw(st.lists(st.integers(0, len(good) - 1), max_size=len(good), unique=True)):
            row[index] = draw(HOSTILE_VALUE)
        rows.append(row)
    return rows


@st.composite
def csv_bytes(draw) -> bytes:
    kind = draw(st.sampled_from(["dwellings", "households", "tenancies", "garbage"]))
    if kind == "garbage":
        return draw(st.binary(max_size=300))
    header, good = {
        "dwellings": (DWELLING_HEADER, GOOD_DWELLING),
        "households": (HOUSEHOLD_HEADER, GOOD_HOUSEHOLD),
        "tenancies": (TENANCY_HEADER, GOOD_TENANCY),
    }[kind]
    text = csv_text(header, draw(hostile_rows(good)), draw(st.sampled_from([",", ";"])))
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode("utf-8")


def test_import_survives_hostile_files(municipality):
    from register_import.services import SourceFile, import_register

    @settings(
        max_examples=max(EXAMPLES * 2, 50),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.data(),
        hostile_rows(GOOD_DWELLING),
        hostile_rows(GOOD_HOUSEHOLD),
        hostile_rows(GOOD_TENANCY),
        st.sampled_from([",", ";"]),
    )
    def run(data, dwellings, households, tenancies, sep):
        files = {
            "dwellings": SourceFile("boliger.csv", csv_text(DWELLING_HEADER, dwellings, sep).encode()),
            "households": SourceFile("husstander.csv", csv_text(HOUSEHOLD_HEADER, households, sep).encode()),
            "tenancies": SourceFile("leieforhold.csv", csv_text(TENANCY_HEADER, tenancies, sep).encode()),
        }
        before = table_fingerprint()
        report = import_register("3807", **files)
        if not report.ok:
            assert not report.written
            assert table_fingerprint() == before, report.error_text()
            assert all(str(e).split(":", 1)[0] in {f.name for f in files.values()} for e in report.errors)
        else:
            assert report.written
            # What was written reads back as it was given: no NUL got through.
            for household in Household.all_objects.filter(municipality=municipality):
                assert "\x00" not in household.reference + household.address

    run()


def test_import_check_refuses_nul_in_every_column(municipality):
    """PostgreSQL cannot store NUL in text: the check refuses it in any
    column as FILE:LINE, without repeating it, before anything is written."""
    from register_import.services import SourceFile, import_register

    good = {
        "dwellings": (DWELLING_HEADER, GOOD_DWELLING),
        "households": (HOUSEHOLD_HEADER, GOOD_HOUSEHOLD),
        "tenancies": (TENANCY_HEADER, GOOD_TENANCY),
    }
    for kind, (header, _row) in good.items():
        for index, column in enumerate(header):
            rows = {k: [*row] for k, (_header, row) in good.items()}
            rows[kind][index] += "\x00"
            files = {k: SourceFile(f"{k}.csv", csv_text(good[k][0], [rows[k]], ";").encode()) for k in good}
            report = import_register("3807", **files)
            errors = [str(e) for e in report.errors]
            assert f"{kind}.csv:2: «{column}» inneholder et nulltegn (NUL), som ikke kan lagres" in errors
            assert not report.written and not any("\x00" in e for e in errors)


def test_import_with_the_script_in_a_name_shows_it_escaped(leader_client, municipality):
    from register_import.services import SourceFile, import_register

    household = [*GOOD_HOUSEHOLD]
    household[1] = SCRIPT
    report = import_register(
        "3807",
        dwellings=SourceFile("b.csv", csv_text(DWELLING_HEADER, [GOOD_DWELLING], ";").encode()),
        households=SourceFile("h.csv", csv_text(HOUSEHOLD_HEADER, [household], ";").encode()),
        tenancies=SourceFile("t.csv", csv_text(TENANCY_HEADER, [GOOD_TENANCY], ";").encode()),
    )
    assert report.ok, report.error_text()
    imported = Household.objects.get(reference="H-1")
    for url in ("/husstander/", f"/husstander/{imported.pk}/", "/husstander/lopet/", "/boliger/"):
        page = leader_client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert SCRIPT not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text or url == "/boliger/", url


# PDFs ---------------------------------------------------------------------------


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_start_loan_summary_shows_a_hostile_name_as_text(leader_client, municipality, tmp_path, settings):
    """The summary PDF, through the page's button and the job, prints the
    household's reference and the main person's name as typed."""
    from housing_office.models import Job, JobState

    settings.MEDIA_ROOT = tmp_path
    application = factories.StartLoanApplicationFactory(
        household__municipality=municipality, household__reference=f"H-{SCRIPT}"
    )
    factories.PersonFactory(household=application.household, first_name=SCRIPT, last_name="Ødegård")
    with django_capture_on_commit():
        response = leader_client.post(reverse("startloan:application-pdf", args=[application.pk]))
    assert response.status_code == 302
    job = Job.all_objects.get(kind="startloan_assessment_pdf")
    assert job.state == JobState.DONE, job.error
    with job.result_file.open("rb") as handle:
        text = pdf_text(handle.read(), tmp_path)
    assert f"H-{SCRIPT}" in text.replace("\n", "")
    assert "&lt;" not in text


def test_summons_letter_for_a_hostile_household_prints_the_name_as_text(
    leader_user, municipality, tmp_path, settings
):
    from letters.models import Letter, LetterStatus
    from letters.summons import create_summons_batch

    settings.MEDIA_ROOT = tmp_path
    household = factories.HouseholdFactory(
        municipality=municipality, address=f"{SCRIPT} 1", postal_code="3715", postal_place="SKIEN"
    )
    factories.PersonFactory(household=household, first_name=SCRIPT, last_name="Ødegård")
    monday = datetime.date.today() + datetime.timedelta(days=14)
    monday -= datetime.timedelta(days=monday.weekday())
    from django.utils import timezone

    with django_capture_on_commit():
        batch = create_summons_batch(
            municipality=municipality,
            by=leader_user,
            household_ids=[household.pk],
            caseworkers=[leader_user],
            place=f"Rådhuset {SCRIPT}",
            first=timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9, 0))),
            minutes=45,
        )
    letter = Letter.all_objects.get(batch_key=batch.batch_key)
    assert letter.status == LetterStatus.RENDERED, letter.error
    with letter.pdf.open("rb") as handle:
        text = pdf_text(handle.read(), tmp_path)
    assert f"{SCRIPT} Ødegård" in text
    assert f"Rådhuset {SCRIPT}" in text


def django_capture_on_commit():
    """Run on_commit callbacks (the eager job) at the end of the block, as a
    real commit would."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
