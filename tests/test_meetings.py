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
from tenants.services import DomainError, plan_meeting, record_meeting, register_held_meeting

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
    # Month abbreviations are lower-case, as Norwegian writes them.
    assert "9. jan 13:00" in body
    assert "Jan" not in body

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
    body = response.content.decode()
    assert "Samtalen starter 11.01.2030 09:00 og er ikke holdt ennå" in body
    m.refresh_from_db()
    assert m.status == MeetingStatus.PLANNED
    # Cancelling ahead is always possible.
    record_meeting(m, status=MeetingStatus.CANCELLED, by=caseworker_user)


@pytest.mark.parametrize("status", [MeetingStatus.HELD, MeetingStatus.NO_SHOW])
def test_a_result_is_recorded_by_start_time_not_by_day(caseworker_user, municipality, status):
    """A 23:45 meeting is not held at 22:08 the same evening; it is at 23:45."""
    household = make_household(municipality, pathway_stage=PathwayStage.SUMMONED)
    late = meeting(household, caseworker_user, datetime.datetime(2030, 1, 9, 23, 45, tzinfo=OSLO))
    with time_machine.travel(datetime.datetime(2030, 1, 9, 22, 8, tzinfo=OSLO), tick=False):
        with pytest.raises(DomainError, match="Samtalen starter 09.01.2030 23:45"):
            record_meeting(late, status=status, by=caseworker_user)
    late.refresh_from_db()
    assert late.status == MeetingStatus.PLANNED
    with time_machine.travel(datetime.datetime(2030, 1, 9, 23, 45, tzinfo=OSLO), tick=False):
        record_meeting(late, status=status, by=caseworker_user)
    late.refresh_from_db()
    assert late.status == status


def test_a_meeting_can_be_cancelled_before_and_after_it_starts(frozen, caseworker_user, municipality):
    household = make_household(municipality)
    ahead = meeting(household, caseworker_user, NOW + datetime.timedelta(minutes=1))
    behind = meeting(household, caseworker_user, NOW - datetime.timedelta(minutes=1))
    for m in (ahead, behind):
        record_meeting(m, status=MeetingStatus.CANCELLED, by=caseworker_user)
        m.refresh_from_db()
        assert m.status == MeetingStatus.CANCELLED


def test_a_refused_save_shows_the_stored_status_not_the_posted_one(
    frozen, caseworker_client, caseworker_user, municipality
):
    household = make_household(municipality, pathway_stage=PathwayStage.SUMMONED)
    m = meeting(household, caseworker_user, NOW + datetime.timedelta(hours=2))
    response = caseworker_client.post(
        reverse("tenants:meeting-record", args=[m.pk]), {"status": "held", "outcome_notes": "Kom tidlig"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["meeting"].status == MeetingStatus.PLANNED
    assert "Gjennomført</dd>" not in body
    assert "Planlagt</dd>" in body
    # What the user wrote is kept in the form, so it is not lost.
    assert "Kom tidlig" in body
    assert "har ikke startet ennå" in body


def _new_meeting_data(caseworker, kind, when: datetime.datetime, **extra):
    local = when.astimezone(OSLO)
    return {
        "kind": kind,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "duration_minutes": "30",
        "place": "Servicetorget",
        "caseworker": str(caseworker.pk),
        **extra,
    }


@pytest.mark.parametrize(
    "ago", [datetime.timedelta(minutes=0), datetime.timedelta(hours=1), datetime.timedelta(days=1)]
)
def test_a_walk_in_is_registered_directly_as_held(
    frozen, caseworker_client, caseworker_user, municipality, ago
):
    household = make_household(municipality, pathway_stage=PathwayStage.NOT_ASSESSED)
    url = reverse("tenants:meeting-create") + f"?household={household.pk}"
    data = _new_meeting_data(
        caseworker_user, "held", NOW - ago, outcome_notes="Vil kjøpe", next_steps="Startlån"
    )
    response = caseworker_client.post(url, data)
    assert response.status_code == 302
    m = OutreachMeeting.objects.get()
    assert (m.status, m.outcome_notes, m.next_steps) == (MeetingStatus.HELD, "Vil kjøpe", "Startlån")
    assert m.starts_at == (NOW - ago).replace(second=0)
    household.refresh_from_db()
    # A walk-in never assessed has now been mapped.
    assert household.pathway_stage == PathwayStage.MAPPED
    page = caseworker_client.get(response["Location"]).content.decode()
    assert "er registrert som gjennomført" in page


def test_a_held_meeting_must_have_started_and_a_planned_one_must_be_ahead(
    frozen, caseworker_client, caseworker_user, municipality
):
    household = make_household(municipality)
    url = reverse("tenants:meeting-create") + f"?household={household.pk}"
    in_a_minute = NOW + datetime.timedelta(minutes=1)
    response = caseworker_client.post(url, _new_meeting_data(caseworker_user, "held", in_a_minute))
    assert response.status_code == 200
    assert "må ha startet allerede" in response.content.decode()
    response = caseworker_client.post(url, _new_meeting_data(caseworker_user, "plan", NOW))
    assert response.status_code == 200
    assert "Tidspunktet har allerede vært" in response.content.decode()
    # A planned meeting has no outcome yet: what was written is not dropped silently.
    response = caseworker_client.post(
        url, _new_meeting_data(caseworker_user, "plan", in_a_minute, outcome_notes="Noe")
    )
    assert response.status_code == 200
    assert "er ikke holdt ennå" in response.content.decode()
    assert not OutreachMeeting.objects.exists()
    response = caseworker_client.post(url, _new_meeting_data(caseworker_user, "plan", in_a_minute))
    assert response.status_code == 302
    assert OutreachMeeting.objects.get().status == MeetingStatus.PLANNED


def test_register_held_meeting_service(frozen, caseworker_user, municipality):
    household = make_household(municipality, pathway_stage=PathwayStage.SUMMONED)
    with pytest.raises(DomainError):
        register_held_meeting(
            household,
            caseworker=caseworker_user,
            starts_at=NOW + datetime.timedelta(seconds=1),
            place="Her",
            by=caseworker_user,
        )
    m = register_held_meeting(
        household, caseworker=caseworker_user, starts_at=NOW, place="Her", by=caseworker_user
    )
    assert m.status == MeetingStatus.HELD
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.MAPPED
    change = PathwayStageChange.objects.get()
    assert (change.from_stage, change.changed_by) == ("summoned", caseworker_user)


def test_new_meeting_from_the_meetings_page_finds_the_household_by_name(
    frozen, caseworker_client, caseworker_user, municipality
):
    household = make_household(municipality, reference="H-77", first="Åse", last="Ødegård")
    make_household(municipality, reference="H-78", first="Per", last="Hansen")
    assert 'href="/husstander/samtaler/ny/?kind=held"' in caseworker_client.get(LIST).content.decode()
    url = reverse("tenants:meeting-create")
    response = caseworker_client.get(url, {"kind": "held", "q": "odegard"})
    assert response.status_code == 200
    assert [h.pk for h in response.context["results"]] == [household.pk]
    body = response.content.decode()
    assert "H-77</strong> – Åse Ødegård" in body
    assert f"?household={household.pk}&amp;kind=held" in body
    form = caseworker_client.get(url, {"household": household.pk, "kind": "held"})
    assert form.context["form"]["kind"].value() == "held"
    assert "Åse Ødegård" in form.content.decode()


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
    # Without a household the page helps to find one.
    assert caseworker_client.get(reverse("tenants:meeting-create")).status_code == 200
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
    # Caseworkers think in names: the main person is named beside the reference.
    assert "H-S – Kari Nordmann</a>" in body


def test_home_page_runs_a_constant_number_of_queries(
    frozen, caseworker_client, caseworker_user, municipality, django_assert_max_num_queries
):
    def add_meetings(n):
        for i in range(n):
            household = make_household(municipality, caseworker=caseworker_user, first=f"Navn{i}")
            meeting(household, caseworker_user, NOW + datetime.timedelta(hours=1 + i))

    add_meetings(1)
    with CaptureQueriesContext(connection) as small:
        caseworker_client.get(reverse("home"))
    add_meetings(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = caseworker_client.get(reverse("home"))
    assert "Navn7 Nordmann" in response.content.decode()
