"""The coded outcome of a mapping meeting: barriers from the municipality's
own list, the household's goal, and the dashboard's count of why
households stay (hand-counted here)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from housing_office.errors import DomainError
from tenants.barriers import barrier_counts
from tenants.models import Barrier, MeetingStatus, PathwayStage
from tenants.services import record_meeting, register_held_meeting

from . import factories

pytestmark = pytest.mark.django_db


def held(household, user, days_ago, barriers, goal=""):
    return register_held_meeting(
        household,
        caseworker=user,
        starts_at=timezone.now() - datetime.timedelta(days=days_ago),
        place="Rådhuset",
        barriers=barriers,
        household_goal=goal,
        by=user,
    )


def test_a_new_municipality_starts_with_melhus_four_barriers(municipality):
    names = list(Barrier.all_objects.filter(municipality=municipality).values_list("name", flat=True))
    assert names == ["Økonomi", "Nabolag og bomiljø", "Tilhørighet til stedet", "Boligen passer ikke"]


def test_a_held_meeting_records_its_barriers_and_goal(municipality, caseworker_user):
    household = factories.household_with_members(municipality)
    economy, place = Barrier.all_objects.filter(municipality=municipality).order_by("order")[:2]
    meeting = held(household, caseworker_user, 1, [economy, place], goal="  Eie egen bolig innen to år ")
    assert set(meeting.barriers.all()) == {economy, place}
    assert meeting.household_goal == "Eie egen bolig innen to år"


def test_another_municipalitys_barrier_is_refused_and_nothing_is_saved(
    municipality, other_municipality, caseworker_user
):
    household = factories.household_with_members(municipality)
    foreign = Barrier.all_objects.filter(municipality=other_municipality).first()
    with pytest.raises(DomainError, match="kommunens egen liste"):
        held(household, caseworker_user, 1, [foreign])
    assert not household.meetings.exists()


def test_only_a_held_meeting_keeps_barriers(municipality, caseworker_user):
    household = factories.household_with_members(municipality)
    economy = Barrier.all_objects.filter(municipality=municipality).first()
    meeting = factories.OutreachMeetingFactory(
        household=household,
        caseworker=caseworker_user,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
    )
    record_meeting(meeting, status=MeetingStatus.NO_SHOW, barriers=[economy], by=caseworker_user)
    assert not meeting.barriers.exists()


def test_barrier_counts_by_latest_meeting_and_fallen(municipality, caseworker_user):
    economy, neighbourhood, attachment, unfit = Barrier.all_objects.filter(
        municipality=municipality
    ).order_by("order")
    a = factories.household_with_members(municipality)  # economy then economy + attachment
    held(a, caseworker_user, 200, [economy])
    held(a, caseworker_user, 10, [economy, attachment])
    b = factories.household_with_members(municipality)  # neighbourhood fell away
    held(b, caseworker_user, 100, [neighbourhood, economy])
    held(b, caseworker_user, 5, [economy])
    c = factories.household_with_members(municipality, pathway_stage=PathwayStage.BOUGHT_HOME)
    held(c, caseworker_user, 50, [unfit])  # moved on: not counted
    c.pathway_stage = PathwayStage.BOUGHT_HOME
    c.save()
    counts = {row.name: (row.now, row.fallen) for row in barrier_counts(municipality.pk)}
    assert counts == {
        "Økonomi": (2, 0),
        "Nabolag og bomiljø": (0, 1),
        "Tilhørighet til stedet": (1, 0),
        "Boligen passer ikke": (0, 0),
    }


def test_the_dashboard_shows_why_households_stay(leader_client, municipality, caseworker_user):
    household = factories.household_with_members(municipality)
    held(household, caseworker_user, 3, list(Barrier.all_objects.filter(municipality=municipality)[:1]))
    page = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "Hva holder husstandene tilbake" in page
    assert "Økonomi" in page


def test_the_leader_keeps_the_list(client, leader_user, caseworker_user, municipality):
    url = reverse("tenants:barrier-settings")
    client.force_login(caseworker_user)
    assert client.get(url).status_code == 403
    client.force_login(leader_user)
    leader_client = client
    barriers = list(Barrier.all_objects.filter(municipality=municipality).order_by("order"))
    data = {
        "form-TOTAL_FORMS": "5",
        "form-INITIAL_FORMS": "4",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, b in enumerate(barriers):
        data |= {
            f"form-{i}-id": str(b.pk),
            f"form-{i}-name": "Økonomi og gjeld" if i == 0 else b.name,
            f"form-{i}-description": b.description,
            f"form-{i}-order": str(b.order),
        }
        if i != 3:
            data[f"form-{i}-active"] = "on"
    data |= {"form-4-name": "Helse", "form-4-description": "", "form-4-order": "50", "form-4-active": "on"}
    response = leader_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rows = {b.name: b.active for b in Barrier.all_objects.filter(municipality=municipality)}
    assert rows == {
        "Økonomi og gjeld": True,
        "Nabolag og bomiljø": True,
        "Tilhørighet til stedet": True,
        "Boligen passer ikke": False,
        "Helse": True,
    }
