"""`{% row_url "app:view" pk %}`: the path of one row's page, for list rows,
without a `reverse()` per row (`housing_office.reversing.row_path`)."""

from __future__ import annotations

from django import template

from housing_office.reversing import row_path

register = template.Library()


@register.simple_tag
def row_url(view_name: str, pk: int) -> str:
    return row_path(view_name, pk)
