"""Sections the apps above tenants add to the household's page.

tenants never imports those apps; each registers its section from its
AppConfig.ready(), as it registers its figures on the start page
(`housing_office.start_page`): a template to include and a function that
gives the template its context for one household. A section is shown only
to users with its permission. Each context function should cost a fixed
number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class HouseholdSection:
    key: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]
    permission: str
    order: int = 100


_SECTIONS: dict[str, HouseholdSection] = {}


def register_household_section(
    key: str,
    template: str,
    context: Callable[[HttpRequest, Any], dict[str, Any]],
    *,
    permission: str,
    order: int = 100,
) -> None:
    _SECTIONS[key] = HouseholdSection(key, template, context, permission, order)


def household_sections(request: HttpRequest, household: Any) -> list[dict[str, Any]]:
    """[{"key", "template", "context"}] of the sections this user may see,
    in their order."""
    sections = sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))
    return [
        {"key": s.key, "template": s.template, "context": s.context(request, household)}
        for s in sections
        if request.user.has_perm(s.permission)
    ]
