"""Request hygiene: a NUL byte or an out-of-range id never reaches the database.

* PostgreSQL refuses NUL in a text parameter ("A string literal cannot
  contain NUL (0x00) characters"); a request whose query string, form
  fields, path or cookies carry one is answered 400 with a Norwegian page
  before the session or any view reads it.
* SQLite stores integers in 64 bits and Python's sqlite3 refuses a bigger
  one ("Python int too large to convert to SQLite INTEGER"); PostgreSQL's
  bigint overflows the same way. An id outside the range finds nothing: the
  page answers 400, 404 or an empty result, never 500.

Every probe here runs on the suite's database (PostgreSQL) and, through
`test_the_same_probes_pass_on_sqlite`, again in a fresh process on SQLite.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from . import factories

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
# The first value past a signed 64-bit integer: bigint's and SQLite's limit.
PAST_BIGINT = str(2**63)
# More digits than Python's int() reads (sys.get_int_max_str_digits(), 4300 by default).
TOO_LONG = "9" * 5000
# A digit to str.isdigit() that int() refuses.
SUPERSCRIPT = "²"
BAD_IDS = [HUGE, PAST_BIGINT, TOO_LONG, SUPERSCRIPT, "-1", "0"]


@pytest.fixture
def office(client, municipality):
    household = factories.HouseholdFactory(municipality=municipality, reference="H-NUL")
    factories.PersonFactory(household=household)
    dwelling = factories.DwellingFactory(municipality=municipality)
    leader = factories.leader(municipality)
    client.force_login(leader)
    # A server error is an answer to count here, not an exception to stop at.
    client.raise_request_exception = False
    return {"client": client, "household": household, "dwelling": dwelling, "leader": leader}


# NUL -------------------------------------------------------------------------------

# Every search box and free-text filter, as (path, field).
SEARCH_BOXES = [
    ("/husstander/", "q"),
    ("/boliger/", "q"),
    ("/boliger/ledige/", "q"),
    ("/startlan/ny/", "q"),
    ("/brev/innkalling/ny/", "q"),
    ("/husstander/kandidater/", "years"),
    ("/husstander/lopet/", "caseworker"),
    ("/husstander/samtaler/", "caseworker"),
    ("/startlan/", "status"),
    ("/rapporter/", "year"),
]


@pytest.mark.parametrize("value", ["a\x00b", "\x00", "%00"])
@pytest.mark.parametrize(("path", "name"), SEARCH_BOXES)
def test_nul_in_a_search_box_is_a_bad_request(office, path, name, value):
    response = office["client"].get(path, {name: value})
    if value == "%00":
        # The characters "%00" typed into a box are text, not a NUL byte.
        assert response.status_code < 500
        return
    assert response.status_code == 400
    assert "Ugyldig forespørsel" in response.content.decode()


def test_nul_in_a_raw_query_string_is_a_bad_request(office):
    response = office["client"].get("/startlan/ny/?q=a%00b")
    assert response.status_code == 400
    response = office["client"].get("/brev/innkalling/ny/?filter=1&q=%00&stage=")
    assert response.status_code == 400


def test_nul_in_a_parameter_name_is_a_bad_request(office):
    assert office["client"].get("/husstander/?a%00=1").status_code == 400


def test_nul_in_a_posted_field_is_a_bad_request_and_writes_nothing(office):
    from tenants.models import Household

    before = Household.all_objects.count()
    response = office["client"].post(
        "/husstander/ny/", {"reference": "H-\x00", "main_first_name": "Åse", "main_last_name": "Ø"}
    )
    assert response.status_code == 400
    assert Household.all_objects.count() == before


def test_nul_in_a_multipart_field_is_a_bad_request_but_a_nul_in_a_file_is_not_looked_at(office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = office["client"]
    upload = SimpleUploadedFile("boliger.csv", b"a\x00b", content_type="text/csv")
    assert client.post("/startlan/ny/", {"q": "a\x00b", "file": upload}).status_code == 400
    upload = SimpleUploadedFile("boliger.csv", b"a\x00b", content_type="text/csv")
    assert client.post("/startlan/ny/", {"q": "H-NUL", "file": upload}).status_code == 200


def test_a_broken_multipart_body_is_a_bad_request(office):
    # No boundary: Django's MultiPartParser cannot read the body at all.
    response = office["client"].post("/startlan/ny/", b"q=abc", content_type="multipart/form-data")
    assert response.status_code == 400


def test_nul_in_the_path_is_a_bad_request(office):
    assert office["client"].get("/husstander/%00/").status_code == 400


def test_nul_in_a_cookie_is_a_bad_request_before_the_session_is_read(client, db):
    from django.conf import settings

    # SimpleCookie sends the NUL quoted as "\000"; Django's cookie parser unquotes it.
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijklmnop"
    client.raise_request_exception = False
    assert client.get("/").status_code == 400


def test_the_bad_request_page_is_norwegian_and_plain(office):
    response = office["client"].get("/startlan/ny/", {"q": "a\x00b"})
    assert response.status_code == 400
    text = response.content.decode()
    assert '<html lang="nb"' in text or 'lang="nb"' in text
    assert "\x00" not in text


def test_an_anonymous_request_with_a_nul_is_a_bad_request_too(client, db):
    assert client.get("/logg-inn/", {"next": "/\x00"}).status_code == 400
    response = client.post("/logg-inn/", {"username": "a\x00", "password": "x"})
    assert response.status_code == 400


def test_text_without_nul_still_searches(office):
    response = office["client"].get("/startlan/ny/", {"q": "H-NUL\x07\x1b"})
    assert response.status_code == 200
    response = office["client"].get("/startlan/ny/", {"q": "H-NUL"})
    assert "H-NUL" in response.content.decode()


# Ids out of range --------------------------------------------------------------


def _id_probes(office) -> list[tuple[str, str, dict]]:
    """(method, path, data) for every place an id from the request reaches the
    database; "{id}" marks the hostile id."""
    household, dwelling = office["household"].pk, office["dwelling"].pk
    return [
        ("get", "/husstander/", {"caseworker": "{id}"}),
        ("get", "/husstander/lopet/", {"caseworker": "{id}"}),
        ("get", "/husstander/samtaler/", {"caseworker": "{id}"}),
        ("get", "/husstander/samtaler/ny/", {"household": "{id}"}),
        ("get", "/startlan/ny/", {"household": "{id}"}),
        ("post", "/startlan/ny/", {"household": "{id}"}),
        ("post", "/startlan/beregning/", {"household": "{id}"}),
        ("post", "/startlan/beregning/", {"household": str(household), "application": "{id}"}),
        ("get", "/boliger/leieforhold/ny/", {"household": "{id}"}),
        ("get", "/boliger/leieforhold/ny/", {"dwelling": "{id}"}),
        ("post", "/boliger/leieforhold/ny/", {"household": "{id}", "dwelling": str(dwelling)}),
        ("post", "/boliger/leieforhold/ny/", {"household": str(household), "dwelling": "{id}"}),
        ("get", "/brev/innkalling/ny/", {"household": "{id}"}),
        ("get", "/brev/innkalling/ny/", {"household": [str(household), "{id}"]}),
        ("post", "/brev/innkalling/ny/", {"households": "{id}"}),
        ("post", "/brev/innkalling/ny/", {"households": str(household), "caseworkers": "{id}"}),
        ("get", "/rapporter/", {"year": "{id}"}),
        ("get", "/husstander/kandidater/", {"years": "{id}"}),
        ("get", "/startlan/", {"page": "{id}"}),
        ("get", "/boliger/", {"side": "{id}"}),
    ]


def _fill(data: dict, value: str) -> dict:
    def one(v):
        return [one(x) for x in v] if isinstance(v, list) else v.replace("{id}", value)

    return {k: one(v) for k, v in data.items()}


@pytest.mark.parametrize(
    "bad", BAD_IDS, ids=["huge", "past-bigint", "too-long", "superscript", "negative", "zero"]
)
def test_an_id_out_of_range_is_never_a_server_error(office, bad):
    client = office["client"]
    failures = []
    for method, path, data in _id_probes(office):
        response = getattr(client, method)(path, _fill(data, bad))
        if response.status_code >= 500:
            failures.append((method, path, data, response.status_code))
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.parametrize("bad", [HUGE, PAST_BIGINT])
def test_an_id_in_a_url_path_out_of_range_is_not_found(office, bad):
    paths = [f"/husstander/{bad}/", f"/startlan/{bad}/", f"/boliger/{bad}/", f"/brev/innkallinger/{bad}/"]
    for path in paths:
        assert office["client"].get(path).status_code == 404, path


def test_an_id_out_of_range_finds_nothing_in_the_orm(municipality):
    """The root: integer lookups the ORM does not guard itself (`__in`, and
    through a foreign key) find nothing for a value no column can hold."""
    from tenants.models import Household, OutreachMeeting

    factories.HouseholdFactory(municipality=municipality)
    huge = int(HUGE)
    assert list(Household.all_objects.filter(pk__in=[huge])) == []
    assert list(Household.all_objects.filter(pk__in=[huge, -huge])) == []
    assert Household.all_objects.filter(pk__in=[huge, Household.all_objects.get().pk]).count() == 1
    assert Household.all_objects.exclude(pk__in=[huge]).count() == 1
    assert list(Household.all_objects.filter(caseworker_id=huge)) == []
    assert list(Household.all_objects.filter(caseworker__in=[huge])) == []
    assert list(OutreachMeeting.all_objects.filter(household_id__in=[huge])) == []
    assert Household.all_objects.exclude(caseworker_id=huge).count() == 1


# The same on SQLite --------------------------------------------------------------


@pytest.mark.skipif(os.environ.get("BK_HYGIENE_ON_SQLITE") == "1", reason="already on SQLite")
def test_the_same_probes_pass_on_sqlite(tmp_path):
    """SQLite is the demo's database and overflows where PostgreSQL does not:
    run this module again in a fresh process with DATABASE_URL on SQLite."""
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'hygiene.sqlite3'}",
        "BK_HYGIENE_ON_SQLITE": "1",
    }
    result = subprocess.run(
        # --migrations: this run's database is built by the migration chain,
        # so the chain is checked on SQLite, the demo's database, too.
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--migrations",
            "-x",
            str(Path(__file__)),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_this_module_runs_on_the_database_it_is_given():
    expected = "sqlite" if os.environ.get("BK_HYGIENE_ON_SQLITE") == "1" else connection.vendor
    assert connection.vendor == expected


@pytest.mark.skipif(os.environ.get("BK_HYGIENE_ON_SQLITE") != "1", reason="the seed tests cover PostgreSQL")
def test_the_demo_seeds_on_sqlite(db, settings, tmp_path):
    """SQLite is the demo's database (bin/demo): the seed must run there as
    it does on PostgreSQL. It rides on this module's SQLite process, whose
    migrated database is already paid for; a PostgreSQL-only query (DISTINCT
    ON once) broke bin/demo with every PostgreSQL test passing."""
    from django.core.management import call_command

    from tenants.models import Household

    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("seed_demo", households="20", stdout=out)
    assert "leder / " in out.getvalue()
    assert Household.all_objects.count() >= 20
