"""Meetings: the caseworker's list, planning one, recording how it went."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from housing_office.scoping import unscoped
from tenants.models import MeetingStatus, OutreachMeeting, PathwayStage, PathwayStageChange
from tenants.services import DomainError, plan_meeting, record_meeting

from . import factories
from .test_households import make_household

pytestmark = pytest.mark.django_db

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# A Wednesday morning.
NOW = datetime.datetime(2030, 1, 9, 9, 0, tzinfo=OSLO)
LIST = reverse("tenants:meeting-list")


def meeting(household, caseworker, when: datetime.datetime, **kw) -> OutreachMeeting:
    return factories.OutreachMeetingFactory(household=household, caseworker=caseworker, starts_at=when, **kw)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def group(response, key):
    return next(items for k, _label, items in response.context["groups"] if k == key)


def test_meeting_list_groups_today_this_week_and_later(
    frozen, caseworker_client, caseworker_user, municipality
):
    household = make_household(municipality, reference="H-1", first="Åse", last="Ødegård")
    colleague = factories.caseworker(municipality)
    today = meeting(household, caseworker_user, NOW.replace(hour=13))
    friday = meeting(household, caseworker_user, NOW + datetime.timedelta(days=2))
    next_week = meeting(household, caseworker_user, NOW + datetime.timedelta(days=6))
    overdue = meeting(household, caseworker_user, NOW - datetime.timedelta(days=3))
    meeting(household, caseworker_user, NOW + datetime.timedelta(days=1), status=MeetingStatus.CANCELLED)
    theirs = meeting(household, colleague, NOW + datetime.timedelta(hours=2))

    response = caseworker_client.get(LIST)
    assert response.status_code == 200
    assert group(response, "today") == [today]
    assert group(response, "week") == [friday]
    assert group(response, "later") == [next_week]
    assert response.context["overdue"] == [overdue]
    body = response.content.decode()
    assert "Åse Ødegård" in body
    assert "Venter på registrering" in body

    everyone = caseworker_client.get(LIST, {"caseworker": "all"})
    assert group(everyone, "today") == [theirs, today]
    colleague_only = caseworker_client.get(LIST, {"caseworker": str(colleague.pk)})
    assert group(colleague_only, "today") == [theirs]
    assert group(colleague_only, "week") == []


def test_other_municipalitys_meetings_are_not_listed_or_reachable(
    frozen, caseworker_client, municipality, other_municipality, other_caseworker
):
    theirs = meeting(make_household(other_municipality), other_caseworker, NOW + datetime.timedelta(hours=1))
    response = caseworker_client.get(LIST, {"caseworker": "all"})
    assert group(response, "today") == []
    url = reverse("tenants:meeting-record", args=[theirs.pk])
    assert caseworker_client.get(url).status_code == 404
    assert caseworker_client.post(url, {"status": "held"}).status_code == 404
    with unscoped():
        theirs.refresh_from_db()
    assert theirs.status == MeetingStatus.PLANNED


def _populate(municipality, n, caseworker):
    for i in range(n):
        household = make_household(municipality)
        meeting(household, caseworker, NOW + datetime.timedelta(hours=1 + i * 7))
        meeting(household, caseworker, NOW - datetime.timedelta(days=1 + i))


def test_meeting_list_runs_a_constant_number_of_queries(
    frozen, caseworker_client, caseworker_user, municipality, django_assert_max_num_queries
):
    _populate(municipality, 3, caseworker_user)
    with CaptureQueriesContext(connection) as small:
        caseworker_client.get(LIST)
    _populate(municipality, 40, caseworker_user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = caseworker_client.get(LIST)
    assert sum(len(items) for _k, _l, items in response.context["groups"]) == 43
    with django_assert_max_num_queries(len(small.captured_queries)):
        caseworker_client.get(LIST, {"caseworker": "all"})


def test_held_meeting_moves_summoned_household_to_mapped(
    frozen, caseworker_client, caseworker_user, municipality
):
    household = make_household(municipality, pathway_stage=PathwayStage.SUMMONED)
    m = meeting(household, caseworker_user, NOW - datetime.timedelta(hours=1))
    url = reverse("tenants:meeting-record", args=[m.pk])
    assert "flyttes husstanden fra «Innkalt» til «Kartlagt»" in caseworker_client.get(url).content.decode()
    response = caseworker_client.post(
        url, {"status": "held", "outcome_notes": "Ønsker å kjøpe", "next_steps": "Søke startlån"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tenants:household-detail", args=[household.pk])
    m.refresh_from_db()
    assert (m.status, m.outcome_notes, m.next_steps) == ("held", "Ønsker å kjøpe", "Søke startlån")
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.MAPPED
    change = PathwayStageChange.objects.get()
    assert (change.from_stage, change.to_stage) == ("summoned", "mapped")
    assert change.reason == "Kartleggingssamtale gjennomført"
    assert change.changed_by == caseworker_user


@pytest.mark.parametrize("status", ["no_show", "cancelled"])
def test_other_results_leave_the_stage(frozen, caseworker_user, municipality, status):
    household = make_household(municipality, pathway_stage=PathwayStage.SUMMONED)
    m = meeting(household, caseworker_user, NOW - datetime.timedelta(hours=1))
    record_meeting(m, status=status, by=caseworker_user)
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.SUMMONED
    assert not PathwayStageChange.objects.exists()


def test_held_meeting_does_not_move_a_household_further_along(frozen, caseworker_user, municipality):
    household = make_household(municipality, pathway_stage=PathwayStage.APPLYING_LOAN)
    m = meeting(household, caseworker_user, NOW - datetime.timedelta(hours=1))
    record_meeting(m, status=MeetingStatus.HELD, by=caseworker_user)
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.APPLYING_LOAN


def test_future_meeting_cannot_be_recorded_as_held(frozen, caseworker_client, caseworker_user, municipality):
    household = make_household(municipality, pathway_stage=PathwayStage.SUMMONED)
    m = meeting(household, caseworker_user, NOW + datetime.timedelta(days=2))
    response = caseworker_client.post(reverse("tenants:meeting-record", args=[m.pk]), {"status": "held"})
    assert response.status_code == 200
    assert "Samtalen er ikke holdt ennå" in response.content.decode()
    m.refresh_from_db()
    assert m.status == MeetingStatus.PLANNED
    # Later the same day is fine: the meeting may start early.
    later_today = meeting(household, caseworker_user, NOW + datetime.timedelta(hours=3))
    record_meeting(later_today, status=MeetingStatus.HELD, by=caseworker_user)
    # Cancelling ahead is always possible.
    record_meeting(m, status=MeetingStatus.CANCELLED, by=caseworker_user)


def test_record_needs_a_result(frozen, caseworker_client, caseworker_user, municipality):
    m = meeting(make_household(municipality), caseworker_user, NOW - datetime.timedelta(hours=1))
    response = caseworker_client.post(reverse("tenants:meeting-record", args=[m.pk]), {"status": ""})
    assert response.status_code == 200
    response = caseworker_client.post(reverse("tenants:meeting-record", args=[m.pk]), {"status": "planned"})
    assert response.status_code == 200
    with pytest.raises(DomainError):
        record_meeting(m, status=MeetingStatus.PLANNED, by=caseworker_user)
    m.refresh_from_db()
    assert m.status == MeetingStatus.PLANNED


def test_record_returns_to_next(frozen, caseworker_client, caseworker_user, municipality):
    m = meeting(make_household(municipality), caseworker_user, NOW - datetime.timedelta(hours=1))
    url = reverse("tenants:meeting-record", args=[m.pk])
    response = caseworker_client.post(url, {"status": "no_show", "next": LIST + "?caseworker=all"})
    assert response["Location"] == LIST + "?caseworker=all"
    response = caseworker_client.post(url, {"status": "no_show", "next": "//evil.example/"})
    assert response["Location"] == reverse("tenants:household-detail", args=[m.household_id])


def test_plan_a_meeting(frozen, caseworker_client, caseworker_user, municipality):
    household = make_household(municipality)
    url = reverse("tenants:meeting-create") + f"?household={household.pk}"
    assert caseworker_client.get(url).status_code == 200
    response = caseworker_client.post(
        url,
        {
            "date": "2030-01-14",
            "time": "10:30",
            "duration_minutes": "45",
            "place": "Rådhuset",
            "caseworker": str(caseworker_user.pk),
        },
    )
    assert response.status_code == 302
    m = OutreachMeeting.objects.get()
    assert m.household == household
    assert m.municipality == municipality
    assert timezone.localtime(m.starts_at) == datetime.datetime(2030, 1, 14, 10, 30, tzinfo=OSLO)
    assert m.status == MeetingStatus.PLANNED


def test_plan_a_meeting_refuses_the_past_and_other_municipalities(
    frozen, caseworker_client, caseworker_user, municipality, other_municipality, other_caseworker
):
    household = make_household(municipality)
    url = reverse("tenants:meeting-create") + f"?household={household.pk}"
    data = {"date": "2030-01-02", "time": "10:30", "duration_minutes": "45", "place": "Rådhuset"}
    response = caseworker_client.post(url, {**data, "caseworker": str(caseworker_user.pk)})
    assert response.status_code == 200
    assert "Tidspunktet har allerede vært" in response.content.decode()
    # A caseworker from another municipality is not a choice.
    response = caseworker_client.post(
        url, {**data, "date": "2030-02-01", "caseworker": str(other_caseworker.pk)}
    )
    assert response.status_code == 200
    assert not OutreachMeeting.objects.exists()
    assert caseworker_client.get(reverse("tenants:meeting-create")).status_code == 404
    assert caseworker_client.get(reverse("tenants:meeting-create"), {"household": "x"}).status_code == 404


def test_plan_meeting_service(frozen, caseworker_user, municipality):
    household = make_household(municipality)
    with pytest.raises(DomainError):
        plan_meeting(
            household, caseworker=caseworker_user, starts_at=NOW + datetime.timedelta(days=1), place=" "
        )
    m = plan_meeting(
        household, caseworker=caseworker_user, starts_at=NOW + datetime.timedelta(days=1), place="Her"
    )
    assert m.duration_minutes == 45


def test_home_page_shows_my_caseload(frozen, caseworker_client, caseworker_user, municipality):
    summoned = make_household(
        municipality, reference="H-S", pathway_stage=PathwayStage.SUMMONED, caseworker=caseworker_user
    )
    make_household(
        municipality, reference="H-G", pathway_stage=PathwayStage.GUIDANCE, caseworker=caseworker_user
    )
    make_household(municipality, reference="H-OTHER", pathway_stage=PathwayStage.GUIDANCE)
    meeting(summoned, caseworker_user, NOW + datetime.timedelta(days=1), place="Rådhuset, rom 9")
    meeting(summoned, caseworker_user, NOW - datetime.timedelta(days=1))
    response = caseworker_client.get(reverse("home"))
    caseload = response.context["caseload"]
    assert caseload.my_households == 2
    assert [(s.stage, s.count) for s in caseload.my_stages] == [("summoned", 1), ("guidance", 1)]
    assert caseload.my_meetings_to_record == 1
    body = response.content.decode()
    assert "?stage=guidance&amp;caseworker=mine" in body
    assert "Rådhuset, rom 9" in body
    assert "er ikke registrert" in body
