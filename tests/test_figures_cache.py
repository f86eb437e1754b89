"""Closed years' figures kept (reports.figures_cache) and forgotten by the
database's triggers (reports.figures_triggers) when a write reaches back
into a closed year, whatever wrote it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import psycopg
import pytest
import time_machine
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from arrears.figures import arrears_series, prevention_rows
from arrears.models import ArrearsCase, ArrearsEvent, PaymentAgreement
from decisions.kinds import HOUSING_HELP
from decisions.models import Decision, DecisionStatus
from decisions.models import Outcome as DecisionOutcome
from dwellings.models import Dwelling, DwellingCategory, EndReason, StockChange, Tenancy
from followup.figures import followup_rows, followup_series, persons_assisted_series
from followup.models import FollowUpContact, FollowUpPlan, PostMoveCheckIn
from housing_office.models import Municipality
from letters.models import Letter
from reports import figures_cache
from reports.figures_triggers import LOCK_CLASS, STATUS_LOCK_CLASS
from reports.models import ClosedYearFigures, StatusFigures
from reports.throughput import count_series, throughput_figures, throughput_series
from reports.yearly_report import report_context
from reports.yearly_rows import yearly_rows
from startloan.models import StartLoanApplication
from tenants.models import Household, MeetingStatus, PathwayStage, Person, PersonRole

from . import factories
from .factories import household_with_members as household
from .factories import tenancy_of as tenancy

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="figures are kept on PostgreSQL only"),
]

D = datetime.date
OSLO = datetime.timezone(datetime.timedelta(hours=1))
THIS_YEAR = 2026
CLOSED = list(range(2018, THIS_YEAR))
# Today's period key: 1 January through 30 November.
TODAY = "11-30"


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(THIS_YEAR, 11, 30, 12, 0, tzinfo=OSLO), tick=False):
        yield


def kept_years(municipality, kind: str = figures_cache.CONTRACT) -> list[int]:
    return sorted(
        ClosedYearFigures.objects.filter(municipality=municipality, through="", kind=kind).values_list(
            "year", flat=True
        )
    )


def running_year_kept(municipality) -> bool:
    """The running year through today (the dashboard's "hittil i år") is kept."""
    return ClosedYearFigures.objects.filter(municipality=municipality, year=THIS_YEAR, through=TODAY).exists()


def keep_all(municipality) -> None:
    throughput_series(municipality, CLOSED[0], CLOSED[-1])
    throughput_series(municipality, THIS_YEAR, THIS_YEAR, through=(11, 30))
    assert kept_years(municipality) == CLOSED
    assert running_year_kept(municipality)


@pytest.fixture
def register(municipality):
    """Exits in 2020, 2022 and 2024, a running tenancy since 2021."""
    m = municipality
    dwellings = [factories.DwellingFactory(municipality=m, reference=f"B-{i}") for i in range(4)]
    h1 = household(m, adults=2, children=1)
    h2 = household(m)
    h3 = household(m, children=2)
    h4 = household(m)
    tenancy(h1, dwellings[0], D(2016, 1, 1), D(2020, 6, 1), EndReason.BOUGHT_OWN_HOME)
    tenancy(h2, dwellings[1], D(2019, 1, 1), D(2022, 3, 1), EndReason.PRIVATE_RENTAL)
    tenancy(h3, dwellings[2], D(2021, 1, 1), D(2024, 9, 1), EndReason.BOUGHT_OWN_HOME)
    tenancy(h4, dwellings[3], D(2021, 5, 1))
    return m


def test_kept_figures_are_the_counted_ones(register):
    counted = count_series(register, CLOSED[0], THIS_YEAR)
    first = throughput_series(register, CLOSED[0], THIS_YEAR)  # counts and keeps
    assert kept_years(register) == CLOSED
    again = throughput_series(register, CLOSED[0], THIS_YEAR)  # reads the kept ones
    assert first == again == counted
    # The contract's key order survives JSONB, and the municipality's number
    # is today's, not the one when the figures were kept.
    assert list(again[2020]) == list(counted[2020])
    Municipality.objects.filter(pk=register.pk).update(number="9998")
    assert throughput_figures(register.pk, 2020)["municipality"] == "9998"


def test_the_running_year_as_a_whole_is_never_kept(register):
    throughput_series(register, THIS_YEAR - 1, THIS_YEAR)
    assert kept_years(register) == [THIS_YEAR - 1]
    # Nor through any day but today.
    throughput_series(register, THIS_YEAR, THIS_YEAR, through=(6, 30))
    throughput_series(register, THIS_YEAR, THIS_YEAR, through=(12, 1))
    assert not ClosedYearFigures.objects.filter(year=THIS_YEAR).exists()


def test_the_running_year_through_today_is_kept_until_a_write_reaches_it(register):
    through = (11, 30)
    counted = count_series(register, THIS_YEAR - 1, THIS_YEAR, through=through)
    assert throughput_series(register, THIS_YEAR - 1, THIS_YEAR, through=through) == counted
    kept = set(ClosedYearFigures.objects.filter(municipality=register).values_list("year", "through"))
    assert kept == {(THIS_YEAR - 1, TODAY), (THIS_YEAR, TODAY)}
    with CaptureQueriesContext(connection) as read:
        assert throughput_series(register, THIS_YEAR - 1, THIS_YEAR, through=through) == counted
    assert len(read) == 1

    # A tenancy ended later this year (planned): the period through today
    # does not read it, but the year is forgotten all the same, and counted
    # again as it was.
    running = Tenancy.all_objects.get(household__municipality=register, end_date__isnull=True)
    Tenancy.all_objects.filter(pk=running.pk).update(
        end_date=D(THIS_YEAR, 12, 20), end_reason=EndReason.BOUGHT_OWN_HOME
    )
    assert not running_year_kept(register)
    assert throughput_series(register, THIS_YEAR - 1, THIS_YEAR, through=through) == counted
    assert running_year_kept(register)

    # Ended today after all: counted today, last year's same days still kept.
    Tenancy.all_objects.filter(pk=running.pk).update(end_date=D(THIS_YEAR, 11, 30))
    assert not running_year_kept(register)
    assert ClosedYearFigures.objects.filter(municipality=register, year=THIS_YEAR - 1, through=TODAY).exists()
    figures = throughput_series(register, THIS_YEAR - 1, THIS_YEAR, through=through)
    assert figures[THIS_YEAR]["moved_to_ownership"] == counted[THIS_YEAR]["moved_to_ownership"] + 1
    assert figures == count_series(register, THIS_YEAR - 1, THIS_YEAR, through=through)

    # A write dated next year leaves it kept.
    Tenancy.all_objects.filter(pk=running.pk).update(end_date=D(THIS_YEAR + 1, 1, 15))
    assert not running_year_kept(register)  # it left this year: forgotten
    throughput_series(register, THIS_YEAR - 1, THIS_YEAR, through=through)
    factories.StockChangeFactory(
        dwelling=running.dwelling, kind=StockChange.Kind.ACQUIRED, date=D(THIS_YEAR + 1, 2, 1)
    )
    assert running_year_kept(register)


def test_tomorrow_counts_the_running_year_afresh(register):
    throughput_series(register, THIS_YEAR, THIS_YEAR, through=(11, 30))
    assert running_year_kept(register)
    with time_machine.travel(datetime.datetime(THIS_YEAR, 12, 1, 9, 0, tzinfo=OSLO), tick=False):
        with CaptureQueriesContext(connection) as counted:
            throughput_series(register, THIS_YEAR, THIS_YEAR, through=(12, 1))
        assert len(counted) > 3
        kept = set(ClosedYearFigures.objects.filter(municipality=register).values_list("year", "through"))
        assert kept == {(THIS_YEAR, "12-01")}


def test_same_period_last_year_is_kept_for_the_latest_day_only(register):
    through = (11, 30)
    assert throughput_series(register, 2024, 2025, through=through) == count_series(
        register, 2024, 2025, through=through
    )
    throughput_series(register, 2024, 2025, through=(12, 1))
    periods = set(ClosedYearFigures.objects.filter(municipality=register).values_list("through", flat=True))
    assert periods == {"12-01"}


def test_a_past_dated_change_shows_on_the_dashboard_and_in_the_yearly_report(leader_client, register):
    url = reverse("reports:dashboard")

    def dashboard(year: int) -> dict:
        response = leader_client.get(url, {"year": year})
        assert response.status_code == 200
        return {f.key: f.this_year for f in response.context["data"].key_figures}

    def trends() -> dict:
        return leader_client.get(url).context["data"].trends

    assert dashboard(2022)["moved_to_private_rental"] == 1
    assert trends()[2022]["moved_to_private_rental"] == 1
    assert report_context(register, 2022)["figures"]["moved_to_private_rental"] == 1
    assert 2022 in kept_years(register)

    # A correction today of a tenancy that ended in 2022: it was a purchase.
    running = Tenancy.all_objects.get(household__municipality=register, end_date=D(2022, 3, 1))
    running.end_reason = EndReason.BOUGHT_OWN_HOME
    running.save()
    assert 2022 not in kept_years(register)
    figures = dashboard(2022)
    assert (figures["moved_to_private_rental"], figures["moved_to_ownership"]) == (0, 1)
    assert trends()[2022]["moved_to_ownership"] == 1
    assert report_context(register, 2022)["figures"]["moved_to_ownership"] == 1

    # A bulk update sends no signal; the trigger sees it all the same.
    Tenancy.all_objects.filter(pk=running.pk).update(end_date=D(2023, 3, 1))
    assert dashboard(2022)["moved_to_ownership"] == 0
    assert dashboard(2023)["moved_to_ownership"] == 1
    assert report_context(register, 2023)["figures"]["moved_to_ownership"] == 1


def test_ending_a_tenancy_today_keeps_the_closed_years(register):
    keep_all(register)
    running = Tenancy.all_objects.get(household__municipality=register, end_date__isnull=True)
    Tenancy.all_objects.filter(pk=running.pk).update(
        end_date=D(THIS_YEAR, 11, 30), end_reason=EndReason.OTHER
    )
    assert kept_years(register) == CLOSED
    # Nothing the figures read: nothing forgotten.
    Tenancy.all_objects.filter(pk=running.pk).update(monthly_rent=Decimal("9000"))
    assert kept_years(register) == CLOSED


def test_ending_a_tenancy_forgets_from_the_next_letting_of_the_dwelling(register):
    """An overlapping later letting's "days vacant" read the earlier tenancy's end."""
    old = Tenancy.all_objects.get(household__municipality=register, end_date=D(2020, 6, 1))
    tenancy(household(register), old.dwelling, D(2020, 7, 1))
    keep_all(register)
    Tenancy.all_objects.filter(pk=old.pk).update(end_date=D(2025, 1, 1))
    assert kept_years(register) == list(range(2018, 2020))


def forget_cases(m):
    """(what, a write reaching back to `year`, the first year forgotten)."""
    exit_2022 = Tenancy.all_objects.get(household__municipality=m, end_date=D(2022, 3, 1))
    dwelling = exit_2022.dwelling
    cw = factories.caseworker(m)

    def meeting():
        factories.OutreachMeetingFactory(
            household=exit_2022.household,
            caseworker=cw,
            status=MeetingStatus.HELD,
            starts_at=timezone.make_aware(datetime.datetime(2023, 5, 1, 10)),
        )

    def letter_failed():
        letter = factories.LetterFactory(
            household=exit_2022.household,
            template=factories.LetterTemplateFactory(municipality=m),
            created_at=timezone.make_aware(datetime.datetime(THIS_YEAR, 1, 2, 9)),
        )
        ClosedYearFigures.objects.all().delete()
        keep_all(m)
        Letter.all_objects.filter(pk=letter.pk).update(
            created_at=timezone.make_aware(datetime.datetime(2024, 2, 2))
        )

    def loan():
        application = factories.StartLoanApplicationFactory(
            household=exit_2022.household, received_on=D(2025, 2, 1)
        )
        ClosedYearFigures.objects.all().delete()
        keep_all(m)
        StartLoanApplication.all_objects.filter(pk=application.pk).update(
            status="granted", decided_on=D(2025, 3, 1)
        )

    def person():
        factories.PersonFactory(household=exit_2022.household, role=PersonRole.CHILD)

    def person_role():
        Person.all_objects.filter(household=exit_2022.household).update(role=PersonRole.CHILD)

    def category():
        Dwelling.all_objects.filter(pk=dwelling.pk).update(category=DwellingCategory.CARE)

    def disposed():
        Dwelling.all_objects.filter(pk=dwelling.pk).update(disposed_on=D(2021, 12, 1))

    def stock_change():
        factories.StockChangeFactory(dwelling=dwelling, kind=StockChange.Kind.ACQUIRED, date=D(2023, 1, 1))

    def application():
        factories.housing_application(
            exit_2022.household, D(2021, 3, 1), decided=D(2021, 4, 1), outcome="granted"
        )

    def arrears_case():
        factories.ArrearsCaseFactory(tenancy=exit_2022, opened_on=D(2020, 10, 1), as_of=D(2020, 10, 1))

    def arrears_event():
        case = factories.ArrearsCaseFactory(tenancy=exit_2022, opened_on=D(THIS_YEAR, 1, 5))
        ClosedYearFigures.objects.all().delete()
        keep_all(m)
        ArrearsEvent.all_objects.create(
            municipality=m, case=case, kind="eviction_requested", date=D(2024, 5, 5)
        )

    def plan():
        FollowUpPlan.all_objects.create(
            municipality=m, household=exit_2022.household, start_date=D(2019, 2, 1), adviser=cw
        )

    def decision():
        when = timezone.make_aware(datetime.datetime(2024, 4, 4, 12))
        Decision.all_objects.create(
            municipality=m,
            household=exit_2022.household,
            kind=HOUSING_HELP,
            outcome=DecisionOutcome.GRANTED,
            legal_basis="Lov om kommunenes ansvar på det boligsosiale feltet § 6",
            status=DecisionStatus.DECIDED,
            drafted_by=cw,
            drafted_at=when,
            decided_by=cw,
            decided_at=when,
        )

    def household_moved():
        Household.all_objects.filter(pk=exit_2022.household_id).update(
            municipality=factories.MunicipalityFactory()
        )

    return [
        ("meeting held in 2023", meeting, 2023),
        ("letter redated to 2024", letter_failed, 2024),
        ("loan granted in 2025", loan, 2025),
        ("a child added to a household housed since 2019", person, 2019),
        ("a member's role", person_role, 2019),
        ("dwelling made a care dwelling", category, 2019),
        ("dwelling sold in 2021", disposed, 2021),
        ("stock change logged in 2023", stock_change, 2023),
        ("application received in 2021", application, 2021),
        ("arrears case opened in 2020", arrears_case, 2020),
        ("eviction requested in 2024", arrears_event, 2024),
        ("follow-up plan since 2019", plan, 2019),
        ("help granted in 2024", decision, 2024),
        ("household moved to another municipality", household_moved, CLOSED[0]),
    ]


CASES = [
    "meeting held in 2023",
    "letter redated to 2024",
    "loan granted in 2025",
    "a child added to a household housed since 2019",
    "a member's role",
    "dwelling made a care dwelling",
    "dwelling sold in 2021",
    "stock change logged in 2023",
    "application received in 2021",
    "arrears case opened in 2020",
    "eviction requested in 2024",
    "follow-up plan since 2019",
    "help granted in 2024",
    "household moved to another municipality",
]


@pytest.mark.parametrize("case", CASES)
def test_every_input_of_the_figures_forgets_from_its_year(register, case):
    [(_what, write, year)] = [c for c in forget_cases(register) if c[0] == case]
    keep_all(register)
    write()
    assert kept_years(register) == [y for y in CLOSED if y < year]
    # A write reaching a closed year reaches the running year too.
    assert not running_year_kept(register)
    # And what is counted again is what the register now says.
    assert throughput_series(register, CLOSED[0], CLOSED[-1]) == count_series(register, CLOSED[0], CLOSED[-1])


def test_figures_counted_while_a_write_was_made_are_not_kept(register):
    token = figures_cache.begin(register.pk)
    counted = count_series(register, 2020, 2020)
    Tenancy.all_objects.filter(end_date=D(2020, 6, 1)).update(end_reason=EndReason.PRIVATE_RENTAL)
    figures_cache.keep(register.pk, token, {2020: counted[2020]}, "")
    assert kept_years(register) == []


def test_nothing_is_kept_while_another_transaction_writes_into_a_closed_year(register):
    """A writer's open transaction holds the municipality's shared lock until
    it commits; what is counted meanwhile may be older than its write."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other:
        other.execute("SELECT pg_advisory_lock_shared(%s, %s)", [LOCK_CLASS, register.pk])
        assert figures_cache.begin(register.pk) is None
        throughput_series(register, 2020, 2021)
        assert kept_years(register) == []
        other.execute("SELECT pg_advisory_unlock_shared(%s, %s)", [LOCK_CLASS, register.pk])
    assert figures_cache.begin(register.pk) is not None


def _persons_assisted_by_every_person(municipality_id: int, year: int) -> int:
    """The rule as first written (every person of the municipality tested
    with correlated EXISTS), to check the reach from plans and decisions."""
    first, last = D(year, 1, 1), D(year, 12, 31)
    plans = FollowUpPlan.all_objects.filter(household=OuterRef("household"), start_date__lte=last).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first)
    )
    tz = timezone.get_default_timezone()
    decisions = Decision.all_objects.filter(
        household=OuterRef("household"),
        kind=HOUSING_HELP,
        status=DecisionStatus.DECIDED,
        outcome__in=[DecisionOutcome.GRANTED, DecisionOutcome.PARTLY_GRANTED],
        decided_at__gte=timezone.make_aware(datetime.datetime(year, 1, 1), tz),
        decided_at__lt=timezone.make_aware(datetime.datetime(year + 1, 1, 1), tz),
    )
    return (
        Person.all_objects.filter(household__municipality_id=municipality_id)
        .filter(Exists(plans) | Exists(decisions))
        .aggregate(n=Count("pk"))["n"]
    )


@pytest.mark.usefixtures("shared_seed")
class TestOnTheDemo:
    def test_kept_figures_equal_the_counted_ones_for_every_year(self):
        municipality = Municipality.objects.get(number="3807")
        first, last = 2014, THIS_YEAR
        counted = count_series(municipality, first, last)
        assert throughput_series(municipality, first, last) == counted  # counts and keeps
        assert kept_years(municipality) == list(range(first, THIS_YEAR))
        assert throughput_series(municipality, first, last) == counted  # kept
        through = (11, 30)
        assert throughput_series(municipality, first, last, through=through) == count_series(
            municipality, first, last, through=through
        )

    def test_persons_assisted_as_first_counted(self):
        municipality = Municipality.objects.get(number="3807")
        series = persons_assisted_series(municipality.pk, 2018, THIS_YEAR)
        assert any(figures["persons_assisted"] for figures in series.values())
        for year, figures in series.items():
            assert figures["persons_assisted"] == _persons_assisted_by_every_person(municipality.pk, year)


@pytest.mark.django_db(transaction=True)
def test_a_truncated_table_forgets_every_kept_year(municipality):
    keep_all(municipality)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE followup_followupplan CASCADE")
    assert kept_years(municipality) == []


def test_todays_status_is_kept_until_a_write_to_what_it_reads(leader_client, register):
    url = reverse("reports:dashboard")

    def shown():
        data = leader_client.get(url).context["data"]
        return data.vacancies, data.long_vacant, data.stock, data.funnel, data.ledger

    bought = factories.DwellingFactory(municipality=register, rooms=3, area_m2=Decimal("71.5"))
    factories.StockChangeFactory(dwelling=bought, date=D(THIS_YEAR, 3, 1), price=Decimal("3200000"))
    first = shown()
    assert first[4].acquired.count == 1 and first[4].acquired.area_total == Decimal("71.5")
    assert StatusFigures.objects.filter(municipality=register, day=D(THIS_YEAR, 11, 30)).exists()
    assert shown() == first  # read back as counted
    # The running tenancy ends today: one more vacant dwelling, one fewer let.
    running = Tenancy.all_objects.get(household__municipality=register, end_date__isnull=True)
    Tenancy.all_objects.filter(pk=running.pk).update(
        end_date=D(THIS_YEAR, 11, 30), end_reason=EndReason.OTHER
    )
    assert not StatusFigures.objects.exists()
    vacancies, _long, stock, _funnel, _ledger = shown()
    assert vacancies["count"] == first[0]["count"] + 1
    assert stock["let"] == first[2]["let"] - 1
    # A household moved on in the pathway: the stages.
    Household.all_objects.filter(pk=running.household_id).update(pathway_stage=PathwayStage.GUIDANCE)
    assert not StatusFigures.objects.exists()
    funnel = {s.stage: s.count for s in shown()[3]}
    assert funnel[PathwayStage.GUIDANCE] == 1
    # A closed year's page shows the stock of its 31 December; today's stays kept beside it.
    leader_client.get(url, {"year": 2024})
    kept = StatusFigures.objects.get(municipality=register).figures
    assert set(kept["stock"]) == {"2026-11-30", "2024-12-31"}


def test_a_write_forgets_the_status_of_its_own_municipality_only(leader_client, register):
    leader_client.get(reverse("reports:dashboard"))
    assert StatusFigures.objects.filter(municipality=register).exists()
    elsewhere = factories.MunicipalityFactory()
    factories.DwellingFactory(municipality=elsewhere)
    Household.all_objects.filter(municipality=register).update(interpreter_language="")
    assert not StatusFigures.objects.filter(municipality=register).exists()
    leader_client.get(reverse("reports:dashboard"))
    factories.DwellingFactory(municipality=elsewhere)
    factories.HouseholdFactory(municipality=elsewhere)
    assert StatusFigures.objects.filter(municipality=register).exists()
    # A household moved between municipalities: both lose theirs.
    moved = Household.all_objects.filter(municipality=register).first()
    Household.all_objects.filter(pk=moved.pk).update(municipality=elsewhere)
    assert not StatusFigures.objects.filter(municipality=register).exists()
    # TRUNCATE says nothing of whose rows: every municipality's goes.
    leader_client.get(reverse("reports:dashboard"))
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE dwellings_stockchange")
    assert not StatusFigures.objects.exists()


def test_a_recount_waits_for_its_own_municipalitys_writers_only(register):
    """A writer's open transaction holds its municipality's shared status
    lock; a recount elsewhere need not wait for it, nor make it wait."""
    elsewhere = factories.MunicipalityFactory()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other:
        # What the trigger takes for a write to the other municipality, held
        # until this transaction ends.
        other.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [STATUS_LOCK_CLASS, elsewhere.pk])
        assert figures_cache.begin_status(register.pk) is not None
        assert figures_cache.begin_status(elsewhere.pk) is None
        other.rollback()
    assert figures_cache.begin_status(elsewhere.pk) is not None


def test_one_visit_of_the_dashboard_keeps_the_trend_years_and_both_years_so_far(leader_client, register):
    leader_client.get(reverse("reports:dashboard"))
    kept = set(ClosedYearFigures.objects.filter(municipality=register).values_list("year", "through", "kind"))
    assert kept == {
        (THIS_YEAR - 1, TODAY, ""),
        (THIS_YEAR, TODAY, ""),
        *((year, "", "") for year in range(THIS_YEAR - 9, THIS_YEAR)),
        # The prevention and follow-up rows of this year and the last, whole.
        (THIS_YEAR - 1, "", "rows"),
        (THIS_YEAR, "", "rows"),
    }


def test_the_register_import_forgets_the_years_it_reaches(municipality):
    """The import writes with COPY and bulk updates; the triggers see them."""
    from register_import.parse import SourceFile
    from register_import.services import import_register

    def files(end: str) -> dict[str, SourceFile]:
        return {
            "dwellings": SourceFile(
                "boliger.csv",
                b"dwelling_ref;address;postal_code;postal_place;rooms;area_m2;category;"
                b"wheelchair_accessible;acquired_on;disposed_on\n"
                b"B-1;Kirkegata 1;3716;SKIEN;3;62;general;ja;;\n",
            ),
            "households": SourceFile(
                "husstander.csv",
                b"household_ref;first_name;last_name;national_id;adults;children;address;postal_code;"
                b"postal_place;phone;email\nH-1;Per;Hansen;;1;1;;;;;\n",
            ),
            "tenancies": SourceFile(
                "leieforhold.csv",
                b"household_ref;dwelling_ref;start_date;end_date;end_reason;monthly_rent\n"
                + f"H-1;B-1;15.01.2019;{end};bought_own_home;9500\n".encode(),
            ),
        }

    assert import_register(municipality.number, **files("31.12.2022")).ok
    keep_all(municipality)
    assert throughput_figures(municipality, 2022)["persons_moved_out"] == 2
    # The same files again change nothing and forget nothing.
    assert import_register(municipality.number, **files("31.12.2022")).ok
    assert kept_years(municipality) == CLOSED
    # The end date corrected in the finance system's file: from 2022 on.
    assert import_register(municipality.number, **files("30.06.2023")).ok
    assert kept_years(municipality) == [y for y in CLOSED if y < 2022]
    assert throughput_figures(municipality, 2022)["moved_to_ownership"] == 0
    assert throughput_figures(municipality, 2023)["moved_to_ownership"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_the_triggers_are_installed_again_only_when_one_is_missing():
    from reports.figures_triggers import install_triggers

    def triggers() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'reports\\_forget\\_%'")
            return cursor.fetchone()[0]

    installed = triggers()
    assert installed > 30
    with CaptureQueriesContext(connection) as unchanged:
        install_triggers()
    assert not [q for q in unchanged.captured_queries if "TRIGGER" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER reports_forget_insert ON dwellings_tenancy")
    assert triggers() == installed - 1
    install_triggers()
    assert triggers() == installed


# -- the prevention and follow-up rows (reports.yearly_rows) ---------------------


def counted_rows(municipality, years):
    return (
        prevention_rows(municipality.pk, years, by_year=arrears_series(municipality.pk, years)),
        followup_rows(municipality.pk, years, by_year=followup_series(municipality.pk, years)),
    )


def test_the_rows_are_kept_for_whole_years_the_running_one_too(leader_client, register):
    years = [*CLOSED, THIS_YEAR]
    first = yearly_rows(register.pk, years)
    assert kept_years(register, figures_cache.ROWS) == years
    with CaptureQueriesContext(connection) as captured:
        again = yearly_rows(register.pk, years)
    assert len(captured) == 1
    assert first == again == counted_rows(register, years)
    # Next year is not here yet: counted, not kept.
    yearly_rows(register.pk, [THIS_YEAR + 1])
    assert THIS_YEAR + 1 not in kept_years(register, figures_cache.ROWS)
    # The dashboard reads them: eight queries fewer on a visit than counting.
    leader_client.get(reverse("reports:dashboard"))
    with CaptureQueriesContext(connection) as kept_visit:
        leader_client.get(reverse("reports:dashboard"))
    ClosedYearFigures.objects.filter(kind=figures_cache.ROWS).delete()
    with CaptureQueriesContext(connection) as counting_visit:
        leader_client.get(reverse("reports:dashboard"))
    assert len(counting_visit) - len(kept_visit) >= 8


def row_forget_cases(m):
    """(what, a write reaching back to a year, that year) for the inputs the
    rows read and the throughput figures do not."""
    exit_2022 = Tenancy.all_objects.get(household__municipality=m, end_date=D(2022, 3, 1))
    cw = factories.caseworker(m)
    case = factories.ArrearsCaseFactory(tenancy=exit_2022, opened_on=D(2021, 10, 1), as_of=D(2021, 10, 1))
    ArrearsCase.all_objects.filter(pk=case.pk).update(closed_on=D(2023, 6, 1), close_reason="paid")
    plan = FollowUpPlan.all_objects.create(
        municipality=m, household=exit_2022.household, start_date=D(2022, 4, 1), adviser=cw
    )

    def contact():
        FollowUpContact.all_objects.create(
            municipality=m, plan=plan, date=D(2024, 2, 2), kind="phone", outcome="Ringte", by=cw
        )

    def check_in():
        PostMoveCheckIn.all_objects.create(
            municipality=m, tenancy=exit_2022, household=exit_2022.household, years_after=1,
            done_on=D(2023, 3, 3), still_owner="yes", behind_on_loan="no", needs_help="no", by=cw,
        )  # fmt: skip

    def agreement():
        PaymentAgreement.all_objects.create(
            municipality=m, case=case, agreed_on=D(2022, 1, 10), amount_at_start=Decimal("9000")
        )

    def closed_as_agreement_kept():
        ArrearsCase.all_objects.filter(pk=case.pk).update(close_reason="agreement_kept")

    def request_moved_to_the_case():
        # A request for eviction dated this year, moved onto the case closed
        # in 2023: that closing becomes an eviction avoided.
        other = factories.ArrearsCaseFactory(tenancy=exit_2022, opened_on=D(THIS_YEAR, 1, 5))
        event = ArrearsEvent.all_objects.create(
            municipality=m, case=other, kind="eviction_requested", date=D(THIS_YEAR, 2, 1)
        )
        ClosedYearFigures.objects.all().delete()
        yearly_rows(m.pk, [*CLOSED, THIS_YEAR])
        ArrearsEvent.all_objects.filter(pk=event.pk).update(case=case)

    return {
        "follow-up contact in 2024": (contact, 2024),
        "check-in done in 2023": (check_in, 2023),
        "payment agreement in 2022": (agreement, 2022),
        "case closed in 2023 as kept": (closed_as_agreement_kept, 2023),
        "eviction request moved to a case closed in 2023": (request_moved_to_the_case, 2023),
    }


@pytest.mark.parametrize(
    "case",
    [
        "follow-up contact in 2024",
        "check-in done in 2023",
        "payment agreement in 2022",
        "case closed in 2023 as kept",
        "eviction request moved to a case closed in 2023",
    ],
)
def test_every_input_of_the_rows_forgets_them_from_its_year(register, case):
    write, year = row_forget_cases(register)[case]
    years = [*CLOSED, THIS_YEAR]
    before = yearly_rows(register.pk, years)
    assert kept_years(register, figures_cache.ROWS) == years
    write()
    assert kept_years(register, figures_cache.ROWS) == [y for y in years if y < year]
    # Counted again as the register now says, and different from before.
    after = yearly_rows(register.pk, years)
    assert after == counted_rows(register, years)
    assert after != before
