"""Paths reversed once per script prefix and URLconf
(housing_office.reversing): the same paths `reverse()` gives, for the
menu and for list rows (`{% row_url %}`)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from housing_office import reversing

ROW_PAGES = [
    "tenants:household-detail",
    "tenants:meeting-record",
    "dwellings:dwelling-detail",
    "startloan:application-detail",
]


@pytest.fixture(autouse=True)
def nothing_kept(monkeypatch):
    monkeypatch.setattr(reversing, "_KEPT", {})


def render(view_name: str, pk: object) -> str:
    return Template("{% load row_urls %}{% row_url name pk %}").render(Context({"name": view_name, "pk": pk}))


@pytest.mark.parametrize("view_name", ROW_PAGES)
def test_a_rows_link_is_the_path_reverse_gives(view_name):
    for pk in (1, 7, 40, 918273645, 12345678901):
        assert render(view_name, pk) == reverse(view_name, args=[pk])


def test_each_path_is_reversed_once_per_script_prefix(monkeypatch):
    calls = []
    real_reverse = reversing.reverse
    monkeypatch.setattr(reversing, "reverse", lambda *a, **k: calls.append(a) or real_reverse(*a, **k))
    paths = [render("tenants:household-detail", pk) for pk in range(1, 51)]
    assert paths[0] == "/husstander/1/" and paths[-1] == "/husstander/50/"
    lists = [reversing.path_or_none("tenants:household-list") for _ in range(3)]
    assert lists == ["/husstander/"] * 3
    assert len(calls) == 2
    set_script_prefix("/bolig/")
    try:
        assert render("tenants:household-detail", 3) == "/bolig/husstander/3/"
        assert reversing.path_or_none("tenants:household-list") == "/bolig/husstander/"
    finally:
        set_script_prefix("/")
    assert len(calls) == 4


def test_a_missing_route_is_none_for_the_menu_and_an_error_for_a_row():
    assert reversing.path_or_none("no-such-app:page") is None
    with pytest.raises(NoReverseMatch):
        render("tenants:household-list", 1)


def test_a_route_whose_path_holds_the_number_twice_is_refused(monkeypatch):
    twice = f"/a/{reversing.STAND_IN}/b/{reversing.STAND_IN}/"
    monkeypatch.setattr(reversing, "reverse", lambda *a, **k: twice)
    with pytest.raises(ImproperlyConfigured):
        reversing.row_path("any:page", 1)
