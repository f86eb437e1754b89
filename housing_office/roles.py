"""Roles as Django groups with permissions.

`ensure_roles` runs after every migrate and is idempotent: it makes the
groups if missing and sets their permissions to exactly what is listed here.
"""

from __future__ import annotations

from typing import Any

CASEWORKER = "saksbehandler"
LEADER = "leder"
ADMINISTRATOR = "administrator"

_CASEWORKER_PERMISSIONS = {
    "tenants": {
        "household": ("view", "add", "change"),
        "person": ("view", "add", "change", "delete"),
        "pathwaystagechange": ("view", "add"),
        "journalnote": ("view", "add"),
        "outreachmeeting": ("view", "add", "change"),
        "letter": ("view", "add"),
        "lettertemplate": ("view",),
    },
    "dwellings": {
        "dwelling": ("view", "add", "change"),
        "tenancy": ("view", "add", "change"),
        "rentarrears": ("view", "add", "change"),
        "stockchange": ("view", "add"),
    },
    "startloan": {
        "startloanapplication": ("view", "add", "change"),
        "applicationstatuschange": ("view", "add"),
    },
    "housing_office": {"job": ("view", "add"), "municipality": ("view",)},
}

_LEADER_EXTRA = {
    "tenants": {"lettertemplate": ("add", "change")},
    "dwellings": {"stockchange": ("change",)},
    "housing_office": {
        "municipality": ("change", "lead_office", "view_full_national_id"),
        "user": ("view", "add", "change"),
        "personaldataaccess": ("view",),
    },
}


def _codenames(spec: dict[str, dict[str, tuple[str, ...]]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for app_label, models in spec.items():
        for model, actions in models.items():
            for action in actions:
                codename = (
                    action if action in ("lead_office", "view_full_national_id") else f"{action}_{model}"
                )
                out.add((app_label, codename))
    return out


def role_permissions() -> dict[str, set[tuple[str, str]]]:
    caseworker = _codenames(_CASEWORKER_PERMISSIONS)
    leader = caseworker | _codenames(_LEADER_EXTRA)
    return {CASEWORKER: caseworker, LEADER: leader}


def ensure_roles(sender: Any = None, **kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    using = kwargs.get("using", "default")
    for role, wanted in role_permissions().items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        query = Q(pk__in=[])
        for app_label, codename in wanted:
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.using(using).filter(query))
    # The administrator role: every permission; such users are also staff.
    admin_group, _ = Group.objects.using(using).get_or_create(name=ADMINISTRATOR)
    admin_group.permissions.set(Permission.objects.using(using).all())
