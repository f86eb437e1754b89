"""Template helpers of the household pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def filters_in_use(form, *names: str) -> int:
    """How many of the filter fields `names` the user has filled in."""
    data = getattr(form, "data", None) or {}
    return sum(1 for name in names if str(data.get(name, "") or "").strip())
