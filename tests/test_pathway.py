"""The pathway board: households by stage, moving them with a reason."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.models import PathwayStage, PathwayStageChange
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
    cap = 15
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
    assert response["Location"] == BOARD + "?caseworker=mine"
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
