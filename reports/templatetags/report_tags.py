"""Number formatting for the reports: Norwegian, the same on every locale."""

from __future__ import annotations

from typing import Any

from django import template

from reports.charts import number

register = template.Library()


@register.filter
def nb_number(value: Any, decimals: int = 0) -> str:
    """12 345 and 4,5; a dash when there is no figure."""
    if value is None or value == "":
        return "–"
    try:
        return number(float(value), int(decimals))
    except (TypeError, ValueError):
        return str(value)


@register.filter
def signed(value: Any, decimals: int = 0) -> str:
    """The change from last year with its sign: +3, −2, 0."""
    if value is None:
        return "–"
    text = nb_number(abs(value), decimals)
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\u2212{text}"
    return text
