"""Template filters for dwelling status: the Norwegian label and a badge style."""

from __future__ import annotations

from django import template

from dwellings.models import DwellingStatus

register = template.Library()

# Every badge also carries its status as text, so colour is never the only cue.
_BADGE_CLASSES = {
    DwellingStatus.VACANT: "text-bg-success",
    DwellingStatus.LET: "text-bg-light border border-secondary",
    DwellingStatus.BEING_SOLD: "text-bg-warning",
    DwellingStatus.SOLD: "text-bg-secondary",
}


@register.filter
def status_label(value: str) -> str:
    try:
        return str(DwellingStatus(value).label)
    except ValueError:
        return ""


@register.inclusion_tag("dwellings/_status_badge.html")
def status_badge(value: str) -> dict[str, str]:
    return {"label": status_label(value), "css": _BADGE_CLASSES.get(value, "text-bg-light")}
