"""The leader's dashboard: figures, access, query bounds and export."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dwellings.models import DwellingCategory, EndReason
from reports.dashboard import available_years, comparison_period, dashboard_data, vacancies
from tenants.models import MeetingStatus, PathwayStage

from . import factories
from .factories import household_with_members as household
from .factories import tenancy_of as tenancy

pytestmark = pytest.mark.django_db

D = datetime.date
OSLO = datetime.timezone(datetime.timedelta(hours=1))
# The page's tests run on a fixed day: 30 November, a month before the year ends.
THIS_YEAR = 2026
LAST_YEAR = THIS_YEAR - 1
TODAY = D(THIS_YEAR, 11, 30)


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(THIS_YEAR, 11, 30, 12, 0, tzinfo=OSLO), tick=False):
        yield


@pytest.fixture
def register(municipality, other_municipality, caseworker_user):
    """This year: two bought a home (one from a care dwelling), one moved to a
    private rental; last year: one bought. One dwelling stands vacant."""
    m = municipality
    general = [factories.DwellingFactory(municipality=m, reference=f"B-{i}") for i in range(4)]
    care = factories.DwellingFactory(municipality=m, reference="B-OMSORG", category=DwellingCategory.CARE)
    h1 = household(m, children=2, caseworker=caseworker_user, pathway_stage=PathwayStage.BOUGHT_HOME)
    h2 = household(m, caseworker=caseworker_user, pathway_stage=PathwayStage.BOUGHT_HOME)
    h3 = household(m, children=1, pathway_stage=PathwayStage.PRIVATE_RENTAL)
    h4 = household(m, pathway_stage=PathwayStage.BOUGHT_HOME)
    h5 = household(m, caseworker=caseworker_user, pathway_stage=PathwayStage.GUIDANCE)
    tenancy(h1, general[0], D(THIS_YEAR - 5, 1, 1), D(THIS_YEAR, 1, 31), EndReason.BOUGHT_OWN_HOME)
    tenancy(h2, care, D(THIS_YEAR - 3, 1, 1), D(THIS_YEAR, 1, 15), EndReason.BOUGHT_OWN_HOME)
    tenancy(h3, general[1], D(THIS_YEAR - 2, 1, 1), D(THIS_YEAR, 1, 20), EndReason.PRIVATE_RENTAL)
    tenancy(h4, general[2], D(LAST_YEAR - 4, 1, 1), D(LAST_YEAR, 6, 1), EndReason.BOUGHT_OWN_HOME)
    running = tenancy(h5, general[2], D(LAST_YEAR, 7, 1))
    tenancy(household(m), general[1], D(THIS_YEAR, 1, 21))
    tenancy(household(m), care, D(THIS_YEAR, 1, 16))
    tenancy(household(m), general[3], D(LAST_YEAR, 1, 1))
    # general[0] has stood empty since 31 January.
    # One open arrears case (the record the dashboard reads), one closed,
    # and a retired hand-registered row that counts nowhere.
    factories.ArrearsCaseFactory(
        tenancy=running,
        amount=Decimal("5500"),
        opened_on=D(LAST_YEAR, 10, 10),
        as_of=D(LAST_YEAR, 11, 10),
        oldest_due_date=D(LAST_YEAR, 10, 1),
    )
    factories.ArrearsCaseFactory(
        tenancy=running,
        amount=Decimal("800"),
        opened_on=D(LAST_YEAR, 8, 10),
        as_of=D(LAST_YEAR, 8, 10),
        oldest_due_date=D(LAST_YEAR, 8, 1),
        closed_on=D(LAST_YEAR, 9, 10),
        close_reason="paid",
        stage="closed",
    )
    factories.RentArrearsFactory(tenancy=running, amount=Decimal("1000"), due_date=D(LAST_YEAR, 2, 1))
    factories.OutreachMeetingFactory(
        household=h5,
        caseworker=caseworker_user,
        status=MeetingStatus.HELD,
        starts_at=timezone.make_aware(datetime.datetime(THIS_YEAR, 1, 10, 10)),
    )
    # Another municipality's exits count nowhere here.
    other = household(other_municipality, children=3)
    elsewhere = factories.DwellingFactory(municipality=other_municipality)
    tenancy(other, elsewhere, D(2015, 1, 1), D(THIS_YEAR, 1, 2), EndReason.BOUGHT_OWN_HOME)
    return m


def test_leader_only(client, caseworker_client, leader_user):
    url = reverse("reports:dashboard")
    assert caseworker_client.get(url).status_code == 403
    assert caseworker_client.get(reverse("reports:dashboard-export", args=["csv"])).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]
    client.force_login(leader_user)
    assert client.get(url).status_code == 200


def test_dashboard_shows_this_year_against_last_year(leader_client, register):
    response = leader_client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data.year == THIS_YEAR
    figures = {f.key: (f.this_year, f.last_year) for f in data.key_figures}
    assert figures["moved_to_ownership"] == (2, 1)
    assert figures["moved_to_private_rental"] == (1, 0)
    assert figures["dwellings_freed"] == (2, 1)  # the care dwelling left out
    assert figures["persons_moved_out"] == (6, 1)  # 3 + 1 + 2 this year
    assert figures["children_moved_out"] == (3, 0)
    assert figures["meetings_held"] == (1, 0)
    funnel = {s.stage: s.count for s in data.funnel}
    assert funnel[PathwayStage.BOUGHT_HOME] == 3 and funnel[PathwayStage.GUIDANCE] == 1
    assert data.vacancies["count"] == 1
    assert data.vacancies["median_days"] == (TODAY - D(THIS_YEAR, 1, 31)).days
    assert data.long_vacant[0].reference == "B-0"
    assert data.long_vacant[0].vacant_since == D(THIS_YEAR, 1, 31)
    assert data.arrears == {"count": 1, "amount": Decimal("5500.00"), "households": 1}
    [row] = data.caseworkers
    assert (row.active_households, row.meetings_held, row.exits) == (1, 1, 2)
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'role="img"' in html and "<desc id=" in html
    assert "Husstander som kjøpte egen bolig" in html
    # The heading says what is compared.
    assert (
        "Hittil i år (1. januar–30. november 2026) mot samme periode i fjor (1. januar–30. november 2025)"
        in html
    )


def test_year_filter(leader_client, register):
    response = leader_client.get(reverse("reports:dashboard"), {"year": LAST_YEAR})
    data = response.context["data"]
    assert data.year == LAST_YEAR
    assert {f.key: f.this_year for f in data.key_figures}["moved_to_ownership"] == 1
    # A year outside the register falls back to this year, never a 500.
    assert leader_client.get(reverse("reports:dashboard"), {"year": "x"}).context["data"].year == THIS_YEAR
    assert leader_client.get(reverse("reports:dashboard"), {"year": "1066"}).context["data"].year == THIS_YEAR


def _grow(municipality, caseworker, n: int) -> None:
    for i in range(n):
        h = household(municipality, children=i % 3, caseworker=caseworker)
        d = factories.DwellingFactory(municipality=municipality)
        reason = (EndReason.BOUGHT_OWN_HOME, EndReason.PRIVATE_RENTAL, EndReason.EVICTION)[i % 3]
        t = tenancy(h, d, D(THIS_YEAR - 1 - i % 6, 1, 1), D(THIS_YEAR - i % 3, 1 + i % 10, 1), reason)
        factories.ArrearsCaseFactory(tenancy=t)
        tenancy(household(municipality), d, D(THIS_YEAR - i % 3, 12, 1))
        factories.OutreachMeetingFactory(
            household=h, caseworker=factories.caseworker(municipality), status=MeetingStatus.HELD,
            starts_at=timezone.make_aware(datetime.datetime(THIS_YEAR, 1, 10, 10)),
        )  # fmt: skip


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_bounded_number_of_queries(
    leader_client, municipality, caseworker_user, django_assert_max_num_queries
):
    url = reverse("reports:dashboard")
    _grow(municipality, caseworker_user, 3)
    small = _queries(leader_client, url)
    kept = _queries(leader_client, url)
    # Rows dated in closed years: their kept figures are forgotten, and the
    # page counts them again.
    _grow(municipality, caseworker_user, 25)
    limit = small if connection.vendor == "postgresql" else small + 10  # SQLite: a median query per year
    with django_assert_max_num_queries(limit):
        leader_client.get(url)
    with django_assert_max_num_queries(kept):
        leader_client.get(url)
    # Sessions and permissions, the figures of this year and the same days
    # last year, nine closed years for the trends (start loans: a query a
    # year), the stock, the funnel, vacancies, arrears, caseworkers,
    # follow-up (five: persons assisted, plans, contacts, check-ins).
    assert small <= 90
    # The closed years' figures and the running year's so far kept
    # (PostgreSQL): read, not counted. What is still counted on every visit:
    # the running year's trend bar, the prevention and follow-up tables
    # (four queries each), the caseworkers, open arrears and loans.
    if connection.vendor == "postgresql":
        assert kept <= 30 and kept + 40 <= small


def test_csv_export(leader_client, register):
    response = leader_client.get(reverse("reports:dashboard-export", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="nokkeltall-3807-{THIS_YEAR}.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert ["Nøkkeltall", "Nøkkel", f"{THIS_YEAR} (1.1.–30.11.)", f"{LAST_YEAR} (1.1.–30.11.)"] in rows
    assert ["Husstander som kjøpte egen bolig", "moved_to_ownership", "2", "1"] in rows
    assert ["Boliger frigjort (uten omsorgsboliger)", "dwellings_freed", "2", "1"] in rows
    assert ["Avsluttet: Kjøpt egen bolig", "ended_by_reason.bought_own_home", "2", "1"] in rows
    assert ["Åpne husleierestanser", "1"] in rows
    assert ["Sum åpne restanser (kr)", "5500,00"] in rows


def test_xlsx_export(leader_client, register):
    from openpyxl import load_workbook

    response = leader_client.get(reverse("reports:dashboard-export", args=["xlsx"]), {"year": LAST_YEAR})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Nøkkeltall",
        "Utvikling",
        "Status",
        "Saksbehandlere",
        "Oppfølging",
        "Forebygging av utkastelser",
        "Lenge ledige",
    ]
    rows = [tuple(r) for r in workbook["Nøkkeltall"].iter_rows(values_only=True)]
    assert rows[0] == ("Nøkkeltall", "Nøkkel", str(LAST_YEAR), str(LAST_YEAR - 1))
    assert ("Husstander som kjøpte egen bolig", "moved_to_ownership", 1, 0) in rows
    trend = [tuple(r) for r in workbook["Utvikling"].iter_rows(values_only=True)]
    assert trend[-1][0] == LAST_YEAR and trend[-1][1] == 1
    people = [tuple(r) for r in workbook["Saksbehandlere"].iter_rows(values_only=True)]
    assert len(people) == 2


def test_other_municipality_sees_its_own(client, register, other_caseworker):
    from housing_office.roles import LEADER

    leader = factories.leader(other_caseworker.municipality, username="aalesund-leder", role=LEADER)
    client.force_login(leader)
    data = client.get(reverse("reports:dashboard")).context["data"]
    assert {f.key: f.this_year for f in data.key_figures}["persons_moved_out"] == 4


FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def hostile_caseworker(register, caseworker_user):
    """A caseworker whose name is a formula; the dashboard lists them."""
    caseworker_user.first_name, caseworker_user.last_name = FORMULA, ""
    caseworker_user.save()
    return caseworker_user


def test_csv_export_neutralises_a_formula_in_a_name(leader_client, hostile_caseworker):
    response = leader_client.get(reverse("reports:dashboard-export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    names = [r[0] for r in rows if r and "HYPERLINK" in r[0]]
    assert names == ["'" + FORMULA]
    # No cell anywhere starts a formula; the numbers beside it are still numbers.
    assert not [c for r in rows for c in r if c.startswith(("=", "+", "@", "\t", "\r"))]
    [row] = [r for r in rows if r and r[0] == "'" + FORMULA]
    assert all(c.isdigit() for c in row[1:])


def test_xlsx_export_neutralises_a_formula_in_a_name(leader_client, hostile_caseworker):
    from openpyxl import load_workbook

    response = leader_client.get(reverse("reports:dashboard-export", args=["xlsx"]))
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    [name] = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert name.data_type == "s" and name.value == "'" + FORMULA
    row = next(r for r in workbook["Saksbehandlere"].iter_rows() if r[0].value == name.value)
    assert all(isinstance(c.value, int) for c in row[1:])


# -- the compared period -----------------------------------------------------------


def _exit(municipality, end: datetime.date, reason=EndReason.BOUGHT_OWN_HOME):
    h = household(municipality)
    return tenancy(h, factories.DwellingFactory(municipality=municipality), D(2010, 1, 1), end, reason)


def _owned(municipality, year: int, today: datetime.date) -> tuple[int, int]:
    data = dashboard_data(municipality, year, today, [year])
    figures = {f.key: (f.this_year, f.last_year) for f in data.key_figures}
    return figures["moved_to_ownership"]


def test_the_running_year_is_compared_with_the_same_days_last_year(municipality):
    # Hand count, today 15 March 2026: this year 10 March (not 16 March, still
    # to come); last year 1 January and 15 March (the last day counts), not
    # 16 March or 31 December.
    for day in (
        D(2026, 3, 10),
        D(2026, 3, 16),
        D(2025, 1, 1),
        D(2025, 3, 15),
        D(2025, 3, 16),
        D(2025, 12, 31),
    ):
        _exit(municipality, day)
    assert _owned(municipality, 2026, D(2026, 3, 15)) == (1, 2)
    # A closed year stays whole: all of 2025 against all of 2024.
    assert _owned(municipality, 2025, D(2026, 3, 15)) == (4, 0)
    period = comparison_period(2026, D(2026, 3, 15))
    assert (period.partial, period.last, period.previous_last) == (True, D(2026, 3, 15), D(2025, 3, 15))
    assert comparison_period(2025, D(2026, 3, 15)).partial is False


def test_same_period_across_the_year_boundary(municipality, caseworker_user):
    # 5 January 2026: five days of each year, New Year's Eve in neither.
    for day in (D(2026, 1, 2), D(2025, 12, 31), D(2025, 1, 5), D(2025, 1, 6), D(2024, 12, 31)):
        _exit(municipality, day)
    h = household(municipality)
    for when in (
        datetime.datetime(2025, 1, 5, 23, 30, tzinfo=OSLO),  # the evening of the 5th, local time
        datetime.datetime(2025, 1, 6, 0, 30, tzinfo=OSLO),
        datetime.datetime(2024, 12, 31, 23, 30, tzinfo=OSLO),
    ):
        factories.OutreachMeetingFactory(
            household=h, caseworker=caseworker_user, status=MeetingStatus.HELD, starts_at=when
        )
    data = dashboard_data(municipality, 2026, D(2026, 1, 5), [2026])
    figures = {f.key: (f.this_year, f.last_year) for f in data.key_figures}
    assert figures["moved_to_ownership"] == (1, 1)
    assert figures["meetings_held"] == (0, 1)


def test_same_period_in_a_leap_year(municipality):
    for day in (D(2024, 2, 29), D(2024, 3, 1), D(2023, 2, 28), D(2023, 3, 1), D(2025, 3, 1)):
        _exit(municipality, day)
    # 29 February 2024 against 1 January–28 February 2023.
    period = comparison_period(2024, D(2024, 2, 29))
    assert period.previous_last == D(2023, 2, 28)
    assert _owned(municipality, 2024, D(2024, 2, 29)) == (1, 1)
    # 1 March 2025 against 1 January–1 March 2024, 29 February included.
    assert _owned(municipality, 2025, D(2025, 3, 1)) == (1, 2)


def test_the_heading_of_a_closed_year_says_whole_years(leader_client, register):
    html = leader_client.get(reverse("reports:dashboard"), {"year": LAST_YEAR}).content.decode()
    assert f"Hele {LAST_YEAR} mot hele {LAST_YEAR - 1}" in html
    assert "Hittil i år" not in html


# -- the years offered -----------------------------------------------------------


def test_years_offered_are_those_with_data(municipality, other_municipality, caseworker_user):
    assert available_years(municipality, TODAY) == [THIS_YEAR]
    # Another municipality's old data does not widen the list.
    _exit(other_municipality, D(2012, 5, 1))
    assert available_years(municipality, TODAY) == [THIS_YEAR]
    factories.StartLoanApplicationFactory(household=household(municipality), received_on=D(2021, 4, 1))
    assert available_years(municipality, TODAY) == list(range(THIS_YEAR, 2020, -1))
    factories.OutreachMeetingFactory(
        household=household(municipality),
        caseworker=caseworker_user,
        starts_at=datetime.datetime(2019, 12, 31, 23, 30, tzinfo=OSLO),  # 2019 in Norway, 2019 in UTC too
    )
    assert available_years(municipality, TODAY)[-1] == 2019
    factories.StockChangeFactory(
        dwelling=factories.DwellingFactory(municipality=municipality), date=D(2018, 1, 1)
    )
    assert available_years(municipality, TODAY)[-1] == 2018
    # A sitting tenant's old start date is no year of the office's records
    # (the demo's oldest tenancy began in 1983); the tenancy's end is.
    dwelling = factories.DwellingFactory(municipality=municipality)
    tenancy(household(municipality), dwelling, D(1983, 6, 1))
    assert available_years(municipality, TODAY)[-1] == 2018
    tenancy(household(municipality), dwelling, D(1984, 6, 1), D(2016, 6, 1), EndReason.BOUGHT_OWN_HOME)
    assert available_years(municipality, TODAY) == list(range(THIS_YEAR, 2015, -1))


def test_the_year_list_on_the_page(leader_client, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality)
    tenancy(household(municipality), dwelling, D(1982, 3, 1), D(2023, 6, 1), EndReason.BOUGHT_OWN_HOME)
    tenancy(household(municipality), dwelling, D(2023, 8, 1))
    html = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert '<option value="2023"' in html and '<option value="2022"' not in html
    assert '<option value="1982"' not in html


# -- vacancies ---------------------------------------------------------------------


def _vacant(municipality, reference: str, days: int):
    """A dwelling whose last tenancy ended `days` before TODAY."""
    d = factories.DwellingFactory(municipality=municipality, reference=reference, address=f"Gata {reference}")
    tenancy(household(municipality), d, D(2000, 1, 1), TODAY - datetime.timedelta(days=days), EndReason.OTHER)
    return d


def test_vacancies_median_and_the_long_vacant_by_name(municipality, django_assert_max_num_queries):
    # Vacant 10, 20, 30, 91 and 7 635 days (empty since 2005): the mean would
    # be 1 557, the median is 30.
    for ref, days in (("L-10", 10), ("L-20", 20), ("L-30", 30), ("L-91", 91)):
        _vacant(municipality, ref, days)
    old = _vacant(municipality, "L-2005", (TODAY - D(2005, 6, 1)).days)
    exactly_90 = _vacant(municipality, "L-90", 90)
    # Let today, or for sale: not vacant.
    let = _vacant(municipality, "L-LET", 400)
    tenancy(household(municipality), let, TODAY - datetime.timedelta(days=5))
    factories.DwellingFactory(municipality=municipality, for_sale=True, acquired_on=D(2001, 1, 1))
    with django_assert_max_num_queries(2):
        summary, listed = vacancies(municipality, TODAY)
    assert summary["count"] == 6
    # 10, 20, 30, 90, 91, 7 487: the median of six is the mean of 30 and 90.
    assert summary["median_days"] == 60
    assert summary["longest_days"] == (TODAY - D(2005, 6, 1)).days
    assert summary["over_90_days"] == 2  # 90 days is not more than 90
    assert [(d.reference, d.address, d.days) for d in listed] == [
        ("L-2005", "Gata L-2005", (TODAY - D(2005, 6, 1)).days),
        ("L-91", "Gata L-91", 91),
    ]
    assert listed[0].pk == old.pk and exactly_90.pk not in [d.pk for d in listed]
    exactly_90.for_sale = True
    exactly_90.save()
    assert vacancies(municipality, TODAY)[0]["median_days"] == 30


def test_the_page_links_the_long_vacant_dwellings(leader_client, municipality):
    old = _vacant(municipality, "L-2005", (TODAY - D(2005, 6, 1)).days)
    _vacant(municipality, "L-10", 10)
    html = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "Dager ledig, median" in html and "Dager ledig i snitt" not in html
    assert f'href="{reverse("dwellings:dwelling-detail", args=[old.pk])}">L-2005</a>' in html
    assert "Gata L-2005" in html and "Gata L-10" not in html
