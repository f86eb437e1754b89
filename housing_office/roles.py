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
    },
    "letters": {
        "letter": ("view", "add"),
        "lettertemplate": ("view",),
    },
    "dwellings": {
        "dwelling": ("view", "add", "change"),
        "tenancy": ("view", "add", "change"),
        # Retired (arrears.ArrearsCase holds unpaid rent): read only.
        "rentarrears": ("view",),
        "stockchange": ("view", "add"),
    },
    "startloan": {
        "startloanapplication": ("view", "add", "change"),
        "applicationstatuschange": ("view", "add"),
        # Economic guidance: a budget is kept as dated versions, never edited.
        "householdbudget": ("view", "add"),
        "readinessstatus": ("view",),
    },
    # Rent arrears are casework like the rest: the caseworker imports the
    # month's list, works the cases and records the steps; nobody deletes
    # them (the history is the case's record).
    "arrears": {
        "arrearsimport": ("view", "add"),
        "arrearscase": ("view", "add", "change"),
        "arrearsevent": ("view", "add"),
        "paymentagreement": ("view", "add", "change"),
        "navreservation": ("view", "add", "change"),
    },
    "housing_office": {"job": ("view", "add"), "municipality": ("view",)},
    "decisions": {
        "decision": ("view", "add", "change"),
        "complaint": ("view", "add", "change"),
        "decisionkindsetting": ("view",),
    },
    # The way in is casework: the caseworker registers applications, makes
    # offers and records their answers; the criteria and the document
    # checklist are the leader's (the council adopts the criteria). Nobody
    # deletes an application or an offer: they are the case's record and
    # the yearly figures count them.
    "applications": {
        "application": ("view", "add", "change"),
        "offer": ("view", "add", "change"),
        "allocationcriterion": ("view",),
        "documentrequirement": ("view",),
    },
    # Follow-up is the housing adviser's (boveileder's) work, and every
    # caseworker may be assigned as one; plans end, they are not deleted.
    "followup": {
        "followupplan": ("view", "add", "change"),
        "followupcontact": ("view", "add"),
        "agreedaction": ("view", "add", "change"),
        "postmovecheckin": ("view", "add"),
        "followupsetting": ("view",),
    },
}

_LEADER_EXTRA = {
    "letters": {"lettertemplate": ("add", "change")},
    "dwellings": {"stockchange": ("change",)},
    "decisions": {"decisionkindsetting": ("add", "change")},
    "applications": {"allocationcriterion": ("add", "change"), "documentrequirement": ("add", "change")},
    "followup": {"followupsetting": ("add", "change")},
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
    """Set the roles' permissions; called with no sender, or as a
    post_migrate receiver.

    post_migrate is sent once per app with models, and each sending makes
    that app's permissions (django.contrib.auth's receiver, which runs after
    this one: auth's app is later in INSTALLED_APPS). So the roles are set
    once, at the last sending, after making that app's permissions here.
    Every sending used to set them, nineteen times a migrate, and a test
    database's flush (every transactional test's teardown) sends them all.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    using = kwargs.get("using", "default")
    if sender is not None:
        with_models = [c for c in global_apps.get_app_configs() if c.models_module is not None]
        if sender is not with_models[-1]:
            return
        create_permissions(sender, verbosity=0, using=using, apps=kwargs.get("apps", global_apps))
    for role, wanted in role_permissions().items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        query = Q(pk__in=[])
        for app_label, codename in wanted:
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.using(using).filter(query))
    # The administrator role: every permission; such users are also staff.
    admin_group, _ = Group.objects.using(using).get_or_create(name=ADMINISTRATOR)
    admin_group.permissions.set(Permission.objects.using(using).all())


def is_administrator(user: Any) -> bool:
    """Installation administrators: superusers and the administrator group."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists())
    )


def may_use_admin(user: Any) -> bool:
    """Who may open the Django admin at all.

    Administrators, and office leaders, who manage their office's users and
    settings there. `is_staff` is the administrator's switch on top of the
    role: a caseworker ticked as staff still may not, because the admin is
    not a caseworker's tool and shows rows without the logged views of the
    app (GDPR art. 32: access limited to what the role needs).
    """
    from .permissions import is_leader

    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return is_administrator(user) or is_leader(user)


def assignable_roles(user: Any) -> tuple[str, ...]:
    """The groups `user` may give others in the user admin. A leader gives at
    most the leader role; only administrators make administrators."""
    from .permissions import is_leader

    if is_administrator(user):
        return (CASEWORKER, LEADER, ADMINISTRATOR)
    if is_leader(user):
        return (CASEWORKER, LEADER)
    return ()


def within_roles_of(target: Any, actor: Any) -> bool:
    """Whether everything `target` may do is something `actor` may hand out,
    so that `actor` may change `target` (name, groups, password). A leader who
    could change an administrator's password could become one."""
    if is_administrator(actor):
        return True
    if target.pk is None:
        return True
    if target.is_superuser or target.user_permissions.exists():
        return False
    allowed = set(assignable_roles(actor))
    return set(target.groups.values_list("name", flat=True)) <= allowed
