"""Yearly throughput figures (the README's contract) against registers
counted by hand."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dwellings.models import DwellingCategory, EndReason, Ownership, StockChange
from letters.models import LetterKind, LetterStatus
from reports.kostra import dwelling_stock, kostra_figures
from reports.throughput import FIGURE_KEYS, throughput_figures, throughput_series
from startloan.models import ApplicationStatus
from tenants.models import MeetingStatus

from . import factories
from .factories import household_with_members as household
from .factories import tenancy_of as tenancy

pytestmark = pytest.mark.django_db

D = datetime.date
OSLO = timezone.get_default_timezone()


def dwelling(municipality, **kwargs):
    return factories.DwellingFactory(municipality=municipality, **kwargs)


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args), OSLO)


@pytest.fixture
def register(municipality, other_municipality):
    """A register for 2024 with every trap, counted by hand in the test."""
    m = municipality
    d1 = dwelling(m, reference="B-1")
    d2 = dwelling(m, reference="B-2")
    d3 = dwelling(m, reference="B-3-OMSORG", category=DwellingCategory.CARE)
    d4 = dwelling(m, reference="B-4-KJOPT")
    factories.StockChangeFactory(dwelling=d4, kind=StockChange.Kind.ACQUIRED, date=D(2024, 3, 1))
    d5 = dwelling(m, reference="B-5-SOLGT", acquired_on=D(2001, 1, 1), disposed_on=D(2024, 6, 30))
    d6 = dwelling(m, reference="B-6", category=DwellingCategory.EMERGENCY)
    dwelling(m, reference="B-7", acquired_on=D(2024, 10, 1), ownership=Ownership.LEASED)
    # Registered as acquired in 2024, but the stock log says 2020: the log wins.
    d8 = dwelling(m, reference="B-8", acquired_on=D(2024, 2, 2))
    factories.StockChangeFactory(dwelling=d8, kind=StockChange.Kind.ACQUIRED, date=D(2020, 2, 2))
    # Sold in 2023 by the log.
    d9 = dwelling(m, reference="B-9")
    factories.StockChangeFactory(dwelling=d9, kind=StockChange.Kind.DISPOSED, date=D(2023, 5, 5))

    h1 = household(m, adults=2, children=2)  # 4 persons, 2 children
    h2 = household(m)  # 1 person
    h3 = household(m, adults=1, children=1)  # 2 persons, 1 child
    h4, h5, h6, h7, h8 = (household(m, children=3) for _ in range(5))

    tenancy(h1, d1, D(2018, 1, 15), D(2024, 2, 1), EndReason.BOUGHT_OWN_HOME)  # 2209 days
    # Starts and ends in 2024; a second exit from B-1 in the year.
    tenancy(h2, d1, D(2024, 3, 1), D(2024, 11, 30), EndReason.PRIVATE_RENTAL)  # 274 days
    # A care dwelling: bought a home, but no dwelling freed for the work.
    tenancy(h3, d3, D(2020, 5, 1), D(2024, 5, 1), EndReason.BOUGHT_OWN_HOME)  # 1461 days
    tenancy(h4, d2, D(2019, 1, 1), D(2024, 8, 15), EndReason.EVICTION)
    tenancy(h5, d2, D(2024, 9, 1))
    tenancy(h6, d6, D(2023, 6, 1), D(2023, 12, 31), EndReason.BOUGHT_OWN_HOME)
    tenancy(h7, d4, D(2024, 4, 1))
    tenancy(h8, d5, D(2015, 1, 1), D(2024, 6, 1), EndReason.DECEASED)

    cw = factories.caseworker(m)
    for starts_at, status in (
        (local(2024, 2, 1, 10), MeetingStatus.HELD),
        (local(2024, 5, 1, 10), MeetingStatus.HELD),
        (local(2024, 12, 31, 23, 30), MeetingStatus.HELD),  # 22:30 UTC: still 2024 in Oslo
        (local(2025, 1, 1, 0, 30), MeetingStatus.HELD),  # 23:30 UTC on 31.12: 2025 in Oslo
        (local(2024, 6, 1, 10), MeetingStatus.PLANNED),
        (local(2024, 6, 2, 10), MeetingStatus.NO_SHOW),
        (local(2023, 6, 1, 10), MeetingStatus.HELD),
    ):
        factories.OutreachMeetingFactory(household=h4, caseworker=cw, starts_at=starts_at, status=status)
    template = factories.LetterTemplateFactory(municipality=m)
    for created_at, kind, status in (
        (local(2024, 1, 10, 9), LetterKind.SUMMONS, LetterStatus.RENDERED),
        (local(2024, 9, 10, 9), LetterKind.SUMMONS, LetterStatus.PENDING),
        (local(2024, 9, 11, 9), LetterKind.SUMMONS, LetterStatus.FAILED),
        (local(2024, 9, 12, 9), "loan_decision", LetterStatus.RENDERED),  # another kind
        (local(2023, 12, 31, 9), LetterKind.SUMMONS, LetterStatus.RENDERED),
    ):
        rendered = status == LetterStatus.RENDERED
        factories.LetterFactory(
            household=h4,
            template=template,
            kind=kind,
            status=status,
            created_at=created_at,
            pdf="letters/brev.pdf" if rendered else "",
            sha256="0" * 64 if rendered else "",
        )

    def loan(received, status=ApplicationStatus.RECEIVED, decided=None, granted=None):
        factories.StartLoanApplicationFactory(
            household=h5, received_on=received, status=status, decided_on=decided, loan_granted=granted
        )

    loan(D(2024, 1, 5), ApplicationStatus.GRANTED, D(2024, 2, 1), Decimal("2000000"))
    loan(D(2024, 2, 5), ApplicationStatus.DISBURSED, D(2024, 3, 1), Decimal("1500000"))
    loan(D(2024, 3, 5), ApplicationStatus.REJECTED, D(2024, 4, 1))
    loan(D(2023, 11, 5), ApplicationStatus.GRANTED, D(2024, 1, 20), Decimal("1000000"))
    loan(D(2023, 6, 5), ApplicationStatus.GRANTED, D(2023, 8, 1), Decimal("900000"))

    # Another municipality's exits count nowhere here.
    other = household(other_municipality, adults=2, children=2)
    tenancy(other, dwelling(other_municipality), D(2010, 1, 1), D(2024, 6, 1), EndReason.BOUGHT_OWN_HOME)
    return m


def test_hand_counted_year(register):
    figures = throughput_figures(register, 2024)
    assert figures == {
        "municipality": "3807",
        "year": 2024,
        "tenancies_started": 3,  # h2, h5, h7
        "tenancies_ended": 5,  # h1, h2, h3, h4, h8
        "ended_by_reason": {
            "bought_own_home": 2,
            "private_rental": 1,
            "other_municipal_dwelling": 0,
            "care_institution": 0,
            "eviction": 1,
            "deceased": 1,
            "moved_away": 0,
            "other": 0,
        },
        "moved_to_ownership": 2,  # the care dwelling's exit included
        "moved_to_private_rental": 1,
        "dwellings_freed": 1,  # B-1 twice counts once, the care dwelling not at all
        "persons_moved_out": 7,  # 4 + 1 + 2
        "children_moved_out": 3,  # 2 + 0 + 1
        "median_tenancy_years_at_exit": 4.0,  # 274, 1461, 2209 days → 1461 / 365.25
        "meetings_held": 3,
        "summons_letters": 2,
        "loan_applications": 3,
        "loans_granted": 3,
        "loan_amount_granted": 4_500_000,
        "dwellings_acquired": 2,  # B-4 by the log, B-7 by its date
        "dwellings_disposed": 1,  # B-5 by its date
        # Applications and re-letting (applications.figures; counted in
        # tests/test_applications_figures.py): no applications here.
        "applications_received": 0,
        "applications_granted": 0,
        "applications_refused": 0,
        "housed_from_waiting_list": 0,
        "median_days_waiting_at_housing": None,
        "waiting_list_at_year_end": 0,
        # Re-let: B-1 29 days after h1 left (h2), B-2 17 days after h4 (h5);
        # B-4 had no earlier tenancy.
        "median_days_vacant_before_reletting": 23.0,
        # Arrears cases and evictions (arrears.figures; counted in tests/test_arrears.py).
        "arrears_cases_opened": 0,
        "arrears_cases_closed": 0,
        "eviction_requests": 0,
        "evictions_carried_out": 0,
        # Follow-up (followup.figures; counted in tests/test_followup.py).
        "persons_assisted": 0,
        "dwellings_sold_to_tenants": 0,
    }
    assert list(figures) == list(FIGURE_KEYS)


def test_previous_year_and_series_agree(register):
    series = throughput_series(register, 2020, 2025)
    assert set(series) == set(range(2020, 2026))
    assert series[2024] == throughput_figures(register, 2024)
    y2023 = series[2023]
    assert y2023["moved_to_ownership"] == 1
    assert y2023["dwellings_freed"] == 1
    assert y2023["persons_moved_out"] == 4  # main + 3 children
    assert y2023["children_moved_out"] == 3
    assert y2023["median_tenancy_years_at_exit"] == 0.6  # 213 days
    assert y2023["meetings_held"] == 1
    assert y2023["summons_letters"] == 1
    assert y2023["loans_granted"] == 1
    assert y2023["dwellings_disposed"] == 1  # B-9 by the log
    assert series[2025]["meetings_held"] == 1
    assert series[2020]["dwellings_acquired"] == 1  # B-8 by the log
    assert series[2021]["median_tenancy_years_at_exit"] is None


def test_median_of_an_even_number_of_exits(municipality):
    d = dwelling(municipality)
    for start, end in ((D(2020, 1, 1), D(2020, 12, 31)), (D(2018, 1, 1), D(2020, 6, 1))):
        tenancy(household(municipality), d, start, end, EndReason.PRIVATE_RENTAL)
    # 365 and 882 days: (365 + 882) / 2 / 365.25 = 1.707 → 1.7
    assert throughput_figures(municipality, 2020)["median_tenancy_years_at_exit"] == 1.7


def test_empty_year_has_every_key_with_zeros(municipality):
    figures = throughput_figures(municipality, 1999)
    assert list(figures) == list(FIGURE_KEYS)
    assert figures["ended_by_reason"] == {reason.value: 0 for reason in EndReason}
    assert figures["median_tenancy_years_at_exit"] is None
    assert figures["dwellings_freed"] == 0


def test_skien_11_17_10(municipality):
    """Skien's published figures, rebuilt from a register: 11 households
    bought their own home in 2012 (from March), 17 in 2013, 10 in 2014."""
    bought = {2012: 11, 2013: 17, 2014: 10}
    n = 0
    for year, count in bought.items():
        for i in range(count):
            n += 1
            h = household(municipality, adults=2, children=i % 3)
            month = 3 + i % 10 if year == 2012 else 1 + i % 12
            tenancy(
                h, dwelling(municipality), D(year - 4, 5, 1), D(year, month, 10), EndReason.BOUGHT_OWN_HOME
            )
    # The rest of the turnover: private rentals, evictions, new tenants.
    for year in bought:
        for reason in (EndReason.PRIVATE_RENTAL, EndReason.EVICTION, EndReason.OTHER_MUNICIPAL_DWELLING):
            tenancy(household(municipality), dwelling(municipality), D(year - 2, 1, 1), D(year, 6, 1), reason)
        tenancy(household(municipality), dwelling(municipality), D(year, 2, 1))
    series = throughput_series(municipality, 2012, 2014)
    assert [series[y]["moved_to_ownership"] for y in (2012, 2013, 2014)] == [11, 17, 10]
    assert sum(series[y]["moved_to_ownership"] for y in series) == 38
    assert [throughput_figures(municipality, y)["moved_to_ownership"] for y in (2012, 2013, 2014)] == [
        11,
        17,
        10,
    ]
    assert series[2013]["dwellings_freed"] == 18  # 17 bought + 1 private rental, each its own dwelling
    # 2012: twelve exits; the middle two ran 01.05.2008 → 10.06.2012 and
    # → 10.07.2012, 1501 and 1531 days: 1516 / 365.25 = 4.15 → 4.2.
    assert series[2012]["median_tenancy_years_at_exit"] == 4.2


def test_command_prints_json_with_the_contract_keys(register):
    out = io.StringIO()
    call_command("throughput_report", "--municipality", "3807", "--year", "2024", stdout=out)
    data = json.loads(out.getvalue())
    assert list(data) == list(FIGURE_KEYS)
    assert list(data["ended_by_reason"]) == [reason.value for reason in EndReason]
    assert data["municipality"] == "3807" and data["year"] == 2024
    assert data["dwellings_freed"] == 1 and data["median_tenancy_years_at_exit"] == 4.0


def test_command_writes_json_to_a_file(register, tmp_path):
    target = tmp_path / "tall.json"
    call_command("throughput_report", "--municipality", "3807", "--year", "2024", "--output", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["persons_moved_out"] == 7


def test_command_unknown_municipality(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Fant ingen kommune"):
        call_command("throughput_report", "--municipality", "0000", "--year", "2024")


def _grow(municipality, n: int, year: int = 2024) -> None:
    for i in range(n):
        h = household(municipality, adults=2, children=1)
        reason = (EndReason.BOUGHT_OWN_HOME, EndReason.PRIVATE_RENTAL, EndReason.EVICTION)[i % 3]
        tenancy(h, dwelling(municipality), D(year - 1 - i % 5, 1, 1), D(year, 1 + i % 12, 1), reason)


def _queries(func) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def test_bounded_number_of_queries(municipality):
    _grow(municipality, 3)
    small = _queries(lambda: throughput_figures(municipality, 2024))
    # The rows dated 2024 forget the kept year: it is counted again.
    _grow(municipality, 30)
    assert _queries(lambda: throughput_figures(municipality, 2024)) == small
    # Twelve, three for the way in (applications.figures), one for the
    # persons assisted (followup.figures), and on PostgreSQL three to read,
    # check and keep the closed year's figures.
    assert small <= 12 + 3 + 1 + 3
    # Kept: one query.
    assert _queries(lambda: throughput_figures(municipality, 2024)) == (
        1 if connection.vendor == "postgresql" else small
    )


def test_series_queries_do_not_grow_with_the_data(municipality):
    from django.db import connection

    _grow(municipality, 2, 2020)
    _grow(municipality, 2, 2024)
    small = _queries(lambda: throughput_series(municipality, 2015, 2024))
    _grow(municipality, 12, 2020)
    _grow(municipality, 12, 2022)
    _grow(municipality, 12, 2024)
    big = _queries(lambda: throughput_series(municipality, 2015, 2024))
    if connection.vendor == "postgresql":
        # Grouped by year in the database; only the start-loan figures, if
        # the start-loan app computes them, cost two queries per year.
        assert big == small <= 10 + 2 * 10 + 3 + 1
    else:
        # SQLite: one extra small query per year with exits, for the median.
        assert big <= small + 10


def test_stock_on_31_december(register):
    stock = dwelling_stock(register, D(2024, 12, 31))
    # In stock: B-1, B-2, B-3, B-4, B-6, B-7, B-8 (B-5 sold in 2024 by its
    # date, B-9 in 2023 by the stock log).
    assert stock["total"] == 7
    assert stock["leased"] == 1 and stock["owned"] == 6
    assert stock["let"] == 2  # h5 in B-2, h7 in B-4
    assert stock["vacant"] == 5
    assert stock["occupancy_rate"] == 28.6
    assert stock["by_category"] == {"general": 5, "care": 1, "emergency": 1}
    # Before B-4 was bought and while B-5 was still held:
    stock = dwelling_stock(register, D(2024, 1, 1))
    assert stock["total"] == 6  # B-1, B-2, B-3, B-5, B-6, B-8
    kostra = kostra_figures(register, 2024)
    assert kostra["new_households"] == 3
