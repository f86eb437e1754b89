"""The pathway board: households by stage, moving them with a reason."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tenants.models import PathwayStage, PathwayStageChange
from tenants.pathway import duration_in_words
from tenants.pathway_views import CARDS_PER_COLUMN
from tenants.services import DomainError, change_stage

from . import factories
from .test_households import make_household

pytestmark = pytest.mark.django_db

BOARD = reverse("tenants:pathway-board")


def column(response, stage):
    return next(c for c in response.context["columns"] if c["stage"] == stage)


def test_board_shows_every_stage_with_counts(
    caseworker_client, caseworker_user, municipality, other_municipality
):
    make_household(
        municipality, reference="A", pathway_stage=PathwayStage.SUMMONED, caseworker=caseworker_user
    )
    make_household(municipality, reference="B", pathway_stage=PathwayStage.SUMMONED)
    make_household(municipality, reference="C", pathway_stage=PathwayStage.GUIDANCE)
    make_household(other_municipality, reference="D", pathway_stage=PathwayStage.GUIDANCE)
    response = caseworker_client.get(BOARD)
    assert response.status_code == 200
    assert [c["stage"] for c in response.context["columns"]] == list(PathwayStage)
    assert column(response, PathwayStage.SUMMONED)["count"] == 2
    assert column(response, PathwayStage.GUIDANCE)["count"] == 1
    assert [h.reference for h in column(response, PathwayStage.GUIDANCE)["cards"]] == ["C"]
    assert response.context["total"] == 3
    body = response.content.decode()
    assert "Kartlagt" in body and "Kjøpt egen bolig" in body

    mine = caseworker_client.get(BOARD, {"caseworker": "mine"})
    assert column(mine, PathwayStage.SUMMONED)["count"] == 1
    assert [h.reference for h in column(mine, PathwayStage.SUMMONED)["cards"]] == ["A"]
    assert column(mine, PathwayStage.GUIDANCE)["count"] == 0
    nobody = caseworker_client.get(BOARD, {"caseworker": "none"})
    assert column(nobody, PathwayStage.SUMMONED)["count"] == 1
    # An unknown caseworker is ignored rather than an error.
    assert caseworker_client.get(BOARD, {"caseworker": "999999"}).context["total"] == 3


def test_columns_are_bounded_with_a_link_to_the_list(caseworker_client, municipality):
    cap = CARDS_PER_COLUMN
    for _i in range(cap + 5):
        factories.HouseholdFactory(municipality=municipality, pathway_stage=PathwayStage.MAPPED)
    response = caseworker_client.get(BOARD)
    mapped = column(response, PathwayStage.MAPPED)
    assert mapped["count"] == cap + 5
    assert len(mapped["cards"]) == cap
    assert mapped["hidden"] == 5
    assert "stage=mapped" in mapped["list_url"]
    assert f"Vis alle {cap + 5}" in response.content.decode()


def _populate(municipality, n, caseworker):
    stages = list(PathwayStage)
    for i in range(n):
        make_household(
            municipality, years=i % 4, pathway_stage=stages[i % len(stages)], caseworker=caseworker
        )


def test_board_runs_a_constant_number_of_queries(
    caseworker_client, caseworker_user, municipality, django_assert_max_num_queries
):
    _populate(municipality, 9, caseworker_user)
    with CaptureQueriesContext(connection) as small:
        caseworker_client.get(BOARD, {"caseworker": "mine"})
    _populate(municipality, 120, caseworker_user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = caseworker_client.get(BOARD, {"caseworker": "mine"})
    assert response.context["total"] == 129
    with django_assert_max_num_queries(len(small.captured_queries)):
        caseworker_client.get(BOARD)


def test_move_from_the_board_without_javascript(caseworker_client, caseworker_user, municipality):
    household = make_household(municipality)
    url = reverse("tenants:pathway-board-move", args=[household.pk])
    response = caseworker_client.post(
        url, {"to_stage": "guidance", "reason": "Vil kjøpe", "next": BOARD + "?caseworker=mine"}
    )
    assert response.status_code == 302
    # Back on the board, the household just moved is shown and marked.
    assert response["Location"] == BOARD + f"?caseworker=mine&moved={household.pk}#card-{household.pk}"
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.GUIDANCE
    change = PathwayStageChange.objects.get()
    assert (change.to_stage, change.reason, change.changed_by) == ("guidance", "Vil kjøpe", caseworker_user)


def test_move_from_the_board_with_htmx_swaps_the_board(caseworker_client, municipality):
    household = make_household(municipality, reference="H-HX")
    url = reverse("tenants:pathway-board-move", args=[household.pk])
    response = caseworker_client.post(
        url,
        {"to_stage": "mapped", "reason": "Samtale holdt", "caseworker": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#board"
    assert response["HX-Reswap"] == "outerHTML"
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="board">')
    assert "H-HX er flyttet til «Kartlagt»." in body
    assert column(response, PathwayStage.MAPPED)["count"] == 1


def test_move_without_a_reason_is_refused(caseworker_client, municipality):
    household = make_household(municipality, reference="H-R")
    url = reverse("tenants:pathway-board-move", args=[household.pk])
    response = caseworker_client.post(
        url, {"to_stage": "mapped", "reason": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="card-{household.pk}"' in body
    assert "Skriv en begrunnelse for faseendringen." in body
    assert "HX-Retarget" not in response

    # Without JavaScript the stage page shows the error and keeps the way back.
    response = caseworker_client.post(url, {"to_stage": "mapped", "reason": " ", "next": BOARD})
    assert response.status_code == 200
    assert "Skriv en begrunnelse for faseendringen." in response.content.decode()
    assert f'value="{BOARD}"' in response.content.decode()
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.NOT_ASSESSED
    assert not PathwayStageChange.objects.exists()


def test_move_to_the_same_stage_writes_no_history(caseworker_client, municipality):
    household = make_household(municipality)
    url = reverse("tenants:pathway-board-move", args=[household.pk])
    response = caseworker_client.post(url, {"to_stage": "not_assessed", "reason": "x"}, follow=True)
    assert "er allerede i fasen" in response.content.decode()
    assert not PathwayStageChange.objects.exists()


def test_board_move_needs_change_permission(client, municipality):
    household = make_household(municipality)
    client.force_login(factories.UserFactory(municipality=municipality))
    response = client.post(
        reverse("tenants:pathway-board-move", args=[household.pk]), {"to_stage": "mapped", "reason": "x"}
    )
    assert response.status_code == 403


def test_change_stage_service_rules(municipality, caseworker_user):
    household = make_household(municipality)
    with pytest.raises(DomainError):
        change_stage(household, "mapped", by=caseworker_user, reason="  ")
    with pytest.raises(DomainError):
        change_stage(household, "nowhere", by=caseworker_user, reason="x")
    change = change_stage(household, "mapped", by=caseworker_user, reason="Samtale")
    assert change.from_stage == "not_assessed"
    assert change_stage(household, "mapped", by=caseworker_user, reason="igjen") is None
    assert PathwayStageChange.objects.count() == 1


def _full_column(municipality, stage, n):
    """`n` households that have been in `stage` longer than any new one."""
    long_ago = timezone.now() - datetime.timedelta(days=400)
    for _i in range(n):
        factories.HouseholdFactory(municipality=municipality, pathway_stage=stage, stage_changed_at=long_ago)


def test_a_household_just_moved_is_shown_at_the_top_of_its_full_column(caseworker_client, municipality):
    _full_column(municipality, PathwayStage.MAPPED, CARDS_PER_COLUMN + 3)
    household = make_household(municipality, reference="H-NY", first="Åse", last="Ødegård")
    url = reverse("tenants:pathway-board-move", args=[household.pk])
    response = caseworker_client.post(
        url,
        {"to_stage": "mapped", "reason": "Samtale holdt", "caseworker": ""},
        headers={"HX-Request": "true"},
    )
    mapped = column(response, PathwayStage.MAPPED)
    assert mapped["cards"][0].reference == "H-NY"
    assert mapped["cards"][0].just_moved
    assert len(mapped["cards"]) == CARDS_PER_COLUMN + 1
    assert mapped["hidden"] == 3
    body = response.content.decode()
    assert "Nettopp flyttet hit" in body
    assert f'href="#card-{household.pk}"' in body
    assert "board-card-moved" in body
    # Without JavaScript the redirect lands on the board with the same card.
    response = caseworker_client.post(url, {"to_stage": "guidance", "reason": "Veiledning", "next": BOARD})
    board = caseworker_client.get(response["Location"])
    guidance = column(board, PathwayStage.GUIDANCE)
    assert guidance["cards"][0].reference == "H-NY" and guidance["cards"][0].just_moved


def test_a_moved_household_outside_the_filter_is_linked(caseworker_client, caseworker_user, municipality):
    household = make_household(municipality, reference="H-ANNEN")
    response = caseworker_client.post(
        reverse("tenants:pathway-board-move", args=[household.pk]),
        {"to_stage": "mapped", "reason": "Samtale holdt", "caseworker": "mine"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "H-ANNEN vises ikke på tavlen med dette filteret." in body
    assert reverse("tenants:household-detail", args=[household.pk]) in body


def test_the_board_with_a_moved_household_keeps_a_constant_number_of_queries(
    caseworker_client, caseworker_user, municipality, django_assert_max_num_queries
):
    household = make_household(municipality)
    _populate(municipality, 9, caseworker_user)
    with CaptureQueriesContext(connection) as small:
        caseworker_client.get(BOARD, {"moved": household.pk})
    _populate(municipality, 60, caseworker_user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        caseworker_client.get(BOARD, {"moved": household.pk})


@time_machine.travel(datetime.datetime(2024, 5, 2, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_time_in_the_stage_is_said_in_years_and_months(caseworker_client, municipality):
    # 8639 days before 2 May 2024 is 20 September 2000.
    make_household(
        municipality,
        reference="H-LANG",
        stage_changed_at=timezone.now() - datetime.timedelta(days=8639),
    )
    body = caseworker_client.get(BOARD).content.decode()
    assert "dager i fasen" not in body
    assert "23 år og 7 måneder i fasen" in body


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("2024-03-15", "2024-03-15", "0 dager"),
        ("2024-03-15", "2024-03-16", "1 dag"),
        ("2024-03-15", "2024-04-14", "30 dager"),
        ("2024-01-31", "2024-02-29", "29 dager"),
        ("2024-03-15", "2024-04-15", "1 måned"),
        ("2024-03-15", "2024-06-20", "3 måneder"),
        ("2024-03-15", "2025-03-14", "11 måneder"),
        ("2024-03-15", "2025-03-15", "1 år"),
        ("2024-03-15", "2026-04-15", "2 år og 1 måned"),
        ("2000-09-20", "2024-05-02", "23 år og 7 måneder"),
        ("2024-02-29", "2025-02-28", "11 måneder"),
        ("2024-03-15", "2024-03-01", "0 dager"),
    ],
)
def test_duration_in_words(start, end, words):
    assert duration_in_words(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)) == words
