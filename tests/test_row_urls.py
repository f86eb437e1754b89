"""`{% row_url %}` (housing_office.templatetags.row_urls): a row's link
without a reverse() per row, the same path `{% url %}` gives."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from housing_office.templatetags import row_urls

ROW_PAGES = [
    "tenants:household-detail",
    "tenants:meeting-record",
    "dwellings:dwelling-detail",
    "startloan:application-detail",
]


def render(view_name: str, pk: object) -> str:
    return Template("{% load row_urls %}{% row_url name pk %}").render(Context({"name": view_name, "pk": pk}))


@pytest.mark.parametrize("view_name", ROW_PAGES)
def test_the_same_path_as_reverse(view_name):
    for pk in (1, 7, 40, 918273645, 12345678901):
        assert render(view_name, pk) == reverse(view_name, args=[pk])


def test_each_route_is_reversed_once_per_script_prefix(monkeypatch):
    monkeypatch.setattr(row_urls, "_SHAPES", {})
    calls = []
    real_reverse = row_urls.reverse
    monkeypatch.setattr(row_urls, "reverse", lambda *a, **k: calls.append(a) or real_reverse(*a, **k))
    paths = [render("tenants:household-detail", pk) for pk in range(1, 51)]
    assert paths[0] == "/husstander/1/" and paths[-1] == "/husstander/50/"
    assert len(calls) == 1
    set_script_prefix("/bolig/")
    try:
        assert render("tenants:household-detail", 3) == "/bolig/husstander/3/"
    finally:
        set_script_prefix("/")
    assert len(calls) == 2


def test_a_route_without_a_number_is_refused():
    with pytest.raises(NoReverseMatch):
        render("tenants:household-list", 1)
