"""The rent-to-own candidate list: who is on it, why, and the page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from housing_office.scoping import scope
from letters.models import LetterStatus
from tenants.candidates import candidate_for, candidate_queryset
from tenants.caseload import caseload_for
from tenants.models import MeetingStatus, PathwayStage, PathwayStageChange, PersonRole
from tenants.pathway import is_candidate_stage
from tenants.services import change_stage

from . import factories
from .test_households import make_household

pytestmark = pytest.mark.django_db


def find_candidates(today, min_years):
    """Every candidate with its reasons, longest botid first: what the page
    shows, without its paging."""
    return [candidate_for(h, today) for h in candidate_queryset(today, min_years)]


TODAY = datetime.date(2026, 3, 15)
URL = reverse("tenants:candidate-list")


def household_with_tenancy(municipality, start: datetime.date, **kw):
    household = factories.HouseholdFactory(municipality=municipality, **kw)
    factories.PersonFactory(household=household, role=PersonRole.MAIN)
    factories.TenancyFactory(household=household, start_date=start)
    return household


def refs(candidates) -> list[str]:
    return [c.household.reference for c in candidates]


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_botid_threshold(municipality):
    household_with_tenancy(municipality, datetime.date(2020, 1, 1), reference="SIX")
    household_with_tenancy(municipality, datetime.date(2023, 3, 15), reference="EXACTLY-THREE")
    household_with_tenancy(municipality, datetime.date(2023, 3, 16), reference="ALMOST-THREE")
    household_with_tenancy(municipality, datetime.date(2025, 1, 1), reference="ONE")
    factories.HouseholdFactory(municipality=municipality, reference="NO-TENANCY")
    assert refs(find_candidates(TODAY, 3)) == ["SIX", "EXACTLY-THREE"]
    assert refs(find_candidates(TODAY, 6)) == ["SIX"]
    assert refs(find_candidates(TODAY, 1)) == ["SIX", "EXACTLY-THREE", "ALMOST-THREE", "ONE"]


def test_ended_and_future_tenancies_do_not_count(municipality):
    ended = factories.HouseholdFactory(municipality=municipality, reference="ENDED")
    factories.TenancyFactory(
        household=ended,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2025, 1, 1),
        end_reason="other",
    )
    leaving = factories.HouseholdFactory(municipality=municipality, reference="LEAVING")
    # Ends after today: still running.
    factories.TenancyFactory(
        household=leaving,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2026, 6, 1),
        end_reason="private_rental",
    )
    assert refs(find_candidates(TODAY, 3)) == ["LEAVING"]


def test_recently_summoned_households_are_left_out(municipality, caseworker_user):
    start = datetime.date(2018, 1, 1)
    met = household_with_tenancy(municipality, start, reference="MET-RECENTLY")
    factories.OutreachMeetingFactory(
        household=met, caseworker=caseworker_user, starts_at=at(datetime.date(2025, 9, 1)), status="held"
    )
    booked = household_with_tenancy(municipality, start, reference="BOOKED-AHEAD")
    factories.OutreachMeetingFactory(
        household=booked, caseworker=caseworker_user, starts_at=at(datetime.date(2026, 4, 1))
    )
    created = household_with_tenancy(municipality, start, reference="MEETING-CREATED")
    meeting = factories.OutreachMeetingFactory(
        household=created,
        caseworker=caseworker_user,
        starts_at=at(datetime.date(2024, 1, 1)),
        status="cancelled",
    )
    meeting.created_at = at(datetime.date(2025, 12, 1))
    meeting.save()
    summoned = household_with_tenancy(
        municipality,
        start,
        reference="STAGE-SUMMONED",
        pathway_stage=PathwayStage.SUMMONED,
        stage_changed_at=at(datetime.date(2025, 11, 1)),
    )
    moved = household_with_tenancy(municipality, start, reference="MOVED-ON", pathway_stage="mapped")
    PathwayStageChange.objects.create(
        household=moved,
        from_stage="not_assessed",
        to_stage="summoned",
        changed_at=at(datetime.date(2025, 10, 1)),
        reason="Innkalt",
    )
    template = factories.LetterTemplateFactory(municipality=municipality)
    lettered = household_with_tenancy(municipality, start, reference="LETTER-SENT")
    factories.LetterFactory(household=lettered, template=template)
    failed = household_with_tenancy(municipality, start, reference="LETTER-FAILED")
    factories.LetterFactory(household=failed, template=template, status=LetterStatus.FAILED)
    old = household_with_tenancy(municipality, start, reference="MET-LONG-AGO")
    long_ago = factories.OutreachMeetingFactory(
        household=old, caseworker=caseworker_user, starts_at=at(datetime.date(2024, 2, 1)), status="held"
    )
    long_ago.created_at = at(datetime.date(2024, 1, 1))
    long_ago.save()
    summoned_long_ago = household_with_tenancy(
        municipality,
        start,
        reference="SUMMONED-LONG-AGO",
        pathway_stage=PathwayStage.SUMMONED,
        stage_changed_at=at(datetime.date(2024, 1, 1)),
    )

    assert sorted(refs(find_candidates(TODAY, 3))) == [
        "LETTER-FAILED",
        "MET-LONG-AGO",
        "SUMMONED-LONG-AGO",
    ]
    assert {met, booked, created, summoned, moved, lettered, failed, old, summoned_long_ago}


# Written out by hand, not taken from the code: the rule under test.
EXPECTED_CANDIDATE = {
    PathwayStage.NOT_ASSESSED: True,
    PathwayStage.SUMMONED: True,  # once the summons is more than a year old
    PathwayStage.MAPPED: True,
    PathwayStage.GUIDANCE: True,
    PathwayStage.APPLYING_LOAN: False,  # already applying for a start loan
    PathwayStage.LOAN_GRANTED: False,
    PathwayStage.BOUGHT_HOME: False,
    PathwayStage.PRIVATE_RENTAL: False,
    PathwayStage.NOT_RELEVANT: False,
}


def test_every_stage_has_an_expected_answer():
    assert set(EXPECTED_CANDIDATE) == set(PathwayStage)


@pytest.mark.parametrize("stage", list(PathwayStage), ids=lambda s: s.value)
def test_which_stages_are_candidates(municipality, caseworker_user, stage):
    """One rule, asked by the list, the start page and the rule's own function."""
    expected = EXPECTED_CANDIDATE[stage]
    assert is_candidate_stage(stage) is expected
    household_with_tenancy(
        municipality,
        datetime.date(2018, 1, 1),
        reference="H",
        pathway_stage=stage,
        stage_changed_at=at(datetime.date(2020, 1, 1)),
        caseworker=caseworker_user,
    )
    assert refs(find_candidates(TODAY, 3)) == (["H"] if expected else [])
    with scope(municipality):
        caseload = caseload_for(caseworker_user, TODAY)
    assert (caseload.candidates, caseload.my_candidates) == ((1, 1) if expected else (0, 0))


def test_reasons(municipality, caseworker_user):
    household = household_with_tenancy(municipality, datetime.date(2020, 1, 1), reference="R")
    factories.PersonFactory(household=household, role=PersonRole.CHILD, first_name="Lille")
    factories.ArrearsCaseFactory(tenancy=household.tenancies.get())
    plain = household_with_tenancy(
        municipality, datetime.date(2022, 1, 1), reference="P", pathway_stage="mapped"
    )
    factories.OutreachMeetingFactory(
        household=plain, caseworker=caseworker_user, starts_at=at(datetime.date(2023, 5, 2)), status="held"
    ).__class__.objects.filter(household=plain).update(created_at=at(datetime.date(2023, 4, 1)))
    tenancy = plain.tenancies.get()
    tenancy.contract_end = datetime.date(2026, 9, 30)
    tenancy.save()

    first, second = find_candidates(TODAY, 3)
    assert first.household == household
    assert round(first.years, 1) == 6.2
    assert first.reasons[0] == "Botid 6,2 år"
    assert "Barn i husstanden" in first.reasons
    assert any(r.startswith("Ingen samtale siste 12 måneder") for r in first.reasons)
    assert "Ikke vurdert ennå" in first.reasons
    assert first.cautions == ["Husleierestanse"]

    assert second.reasons[0] == "Botid 4,2 år"
    assert "Barn i husstanden" not in second.reasons
    assert "Ingen samtale siste 12 måneder – siste var 02.05.2023" in second.reasons
    assert "Kontrakten løper ut 30.09.2026" in second.reasons
    assert second.cautions == []


def test_a_closed_arrears_case_is_no_caution(municipality):
    household = household_with_tenancy(municipality, datetime.date(2020, 1, 1))
    factories.ArrearsCaseFactory(
        tenancy=household.tenancies.get(),
        closed_on=datetime.date(2024, 2, 10),
        close_reason="paid",
        stage="closed",
    )
    (candidate,) = find_candidates(TODAY, 3)
    assert candidate.cautions == []


def test_an_open_case_is_the_caution_and_retired_rent_arrears_rows_are_not(municipality):
    """The arrears cases are the one record of unpaid rent: the caution
    follows them, not the retired hand-registered rows."""
    legacy = household_with_tenancy(municipality, datetime.date(2020, 1, 1), reference="OLD")
    factories.RentArrearsFactory(tenancy=legacy.tenancies.get())
    casework = household_with_tenancy(municipality, datetime.date(2020, 1, 1), reference="CASE")
    factories.ArrearsCaseFactory(tenancy=casework.tenancies.get())
    cautions = {c.household.reference: c.cautions for c in find_candidates(TODAY, 3)}
    assert cautions == {"OLD": [], "CASE": ["Husleierestanse"]}


def test_scope_keeps_other_municipalities_out(municipality, other_municipality):
    household_with_tenancy(municipality, datetime.date(2018, 1, 1), reference="MINE")
    household_with_tenancy(other_municipality, datetime.date(2018, 1, 1), reference="THEIRS")
    with scope(municipality):
        assert refs(find_candidates(TODAY, 3)) == ["MINE"]


# The page ---------------------------------------------------------------------


def _years_ago(years: float) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=round(years * 365.25))


def test_page_lists_candidates_with_reasons(caseworker_client, municipality, other_municipality):
    municipality.candidate_min_years = 4
    municipality.save()
    mine = make_household(municipality, reference="H-5", years=5, children=1, arrears=True)
    make_household(municipality, reference="H-3", years=3)
    make_household(other_municipality, reference="H-THEIRS", years=9)
    response = caseworker_client.get(URL)
    assert response.status_code == 200
    assert response.context["years"] == 4
    assert [c.household for c in response.context["candidates"]] == [mine]
    body = response.content.decode()
    assert "Botid 5,0 år" in body
    assert "Barn i husstanden" in body
    assert "Husleierestanse" in body
    assert "H-THEIRS" not in body

    response = caseworker_client.get(URL, {"years": "2"})
    assert [c.household.reference for c in response.context["candidates"]] == ["H-5", "H-3"]
    response = caseworker_client.get(URL, {"years": "tre"})
    assert response.context["years"] == 4
    assert "Botid må være et helt antall år mellom 1 og 50." in response.content.decode()


def test_summons_button_follows_the_letters_url(caseworker_client, municipality):
    household = make_household(municipality, reference="H-5", years=5)
    body = caseworker_client.get(URL).content.decode()
    try:
        summons_url = reverse("letters:summons-new")
    except NoReverseMatch:
        assert "Kall inn valgte" not in body
        assert 'name="household"' not in body
    else:
        assert "Kall inn valgte" in body
        assert f'action="{summons_url}"' in body
        assert f'name="household" value="{household.pk}"' in body


def test_leader_changes_the_municipality_default(leader_client, municipality):
    response = leader_client.get(URL)
    assert "Lagre standard" in response.content.decode()
    response = leader_client.post(URL, {"settings-candidate_min_years": "5"})
    assert response.status_code == 302
    municipality.refresh_from_db()
    assert municipality.candidate_min_years == 5
    response = leader_client.post(URL, {"settings-candidate_min_years": "0"})
    assert response.status_code == 200
    municipality.refresh_from_db()
    assert municipality.candidate_min_years == 5


def test_caseworker_cannot_change_the_default(caseworker_client, municipality):
    assert "Lagre standard" not in caseworker_client.get(URL).content.decode()
    response = caseworker_client.post(URL, {"settings-candidate_min_years": "9"})
    assert response.status_code == 403
    municipality.refresh_from_db()
    assert municipality.candidate_min_years == 3


def _populate(municipality, n, caseworker):
    for i in range(n):
        h = make_household(
            municipality, years=3 + i % 5, children=i % 2, arrears=bool(i % 3 == 0), caseworker=caseworker
        )
        if i % 4 == 0:
            factories.OutreachMeetingFactory(
                household=h,
                caseworker=caseworker,
                starts_at=at(datetime.date(2020, 1, 1)),
                status=MeetingStatus.HELD,
            ).__class__.objects.filter(household=h).update(created_at=at(datetime.date(2020, 1, 1)))
        if i % 5 == 0:
            change_stage(h, PathwayStage.GUIDANCE, by=caseworker, reason="x")


def test_candidate_list_runs_a_constant_number_of_queries(
    caseworker_client, caseworker_user, municipality, django_assert_max_num_queries
):
    _populate(municipality, 3, caseworker_user)
    with CaptureQueriesContext(connection) as small:
        response = caseworker_client.get(URL)
    assert len(response.context["candidates"]) == 3
    _populate(municipality, 40, caseworker_user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = caseworker_client.get(URL)
    assert len(response.context["candidates"]) == 43


def test_home_page_counts_candidates(caseworker_client, caseworker_user, municipality):
    make_household(municipality, years=5, caseworker=caseworker_user)
    make_household(municipality, years=5)
    make_household(municipality, years=1, caseworker=caseworker_user)
    caseload = caseworker_client.get(reverse("home")).context["caseload"]
    assert caseload.candidates == 2
    assert caseload.my_candidates == 1
    assert caseload.candidate_min_years == 3
