"""Template helpers of the household pages."""

from __future__ import annotations

from django import template

from housing_office.text import fold

from ..filters import search_words
from ..models import Person, PersonRole

register = template.Library()


@register.simple_tag
def filters_in_use(form, *names: str) -> int:
    """How many of the filter fields `names` the user has filled in."""
    data = getattr(form, "data", None) or {}
    return sum(1 for name in names if str(data.get(name, "") or "").strip())


@register.simple_tag
def mark_member_hits(households, query: str) -> str:
    """Mark each household of a result page that the search `query` found
    (also) through a member other than the main person: `member_hits` is
    the list of those members' names, so the page can say why it is there.
    One query for the whole page."""
    words = search_words(query or "")
    households = list(households)
    if not words or not households:
        # Set even when nobody was searched for: a row without the
        # attribute costs the template a failed lookup and a dir() of the
        # model instance.
        for household in households:
            household.member_hits = []
        return ""
    names: dict[int, list[str]] = {}
    others = (
        Person.objects.filter(household_id__in=[h.pk for h in households])
        .exclude(role=PersonRole.MAIN)
        .order_by("household", "role", "date_of_birth", "pk")
        .values_list("household_id", "first_name", "last_name")
    )
    for household_id, first, last in others:
        names.setdefault(household_id, []).append(f"{first} {last}".strip())
    for household in households:
        main_name = getattr(household, "main_name", "") or ""
        own = fold(f"{household.reference} {household.address} {household.postal_place} {main_name}")
        missing = [word for word in words if word not in own]
        household.member_hits = [
            name for name in names.get(household.pk, []) if any(word in fold(name) for word in missing)
        ]
    return ""
