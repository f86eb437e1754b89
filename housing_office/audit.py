"""The audit trail: which models django-auditlog records, and the rules
that keep the record append-only.

Every create, change and delete made through a model's `save()`/`delete()`
becomes an `auditlog.LogEntry` with the user (set per request by
`housing_office.security.AuditlogMiddleware`), the time and the changed
fields. National identity numbers are stored masked, as the lists show
them; the folded search text is left out.

Each entry carries the household it concerns in `additional_data`
(`{"household_id": …, "municipality_id": …}`), so a household's trail finds
the entries of its persons, tenancies, meetings, letters and applications
even after one of them is deleted.

Each app says which of its models are audited, from its own
`AppConfig.ready()`, through `audit()`; `register()` (the core's own
models and the append-only guards) runs from `HousingOfficeConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.signals import pre_delete, pre_save

# Fields every model has that only add noise to the trail.
NOISE_FIELDS = ("updated_at",)


class AppendOnlyError(PermissionDenied):
    """An audit or access log row was about to be changed or deleted."""


def household_of_self(obj: Any) -> int | None:
    """For the household itself."""
    return obj.pk


def household_of_field(obj: Any) -> int | None:
    """For a record that points at its household (the default)."""
    return getattr(obj, "household_id", None)


@dataclass(frozen=True)
class Audited:
    """How one model is recorded: auditlog's options, and how to find the
    household an instance concerns."""

    label: str
    options: dict[str, Any]
    household_of: Callable[[Any], int | None]


# model label → how it is audited; filled by each app's AppConfig.ready()
# through `audit()`, so the core never imports the apps it serves.
AUDITED: dict[str, Audited] = {}


def mask_national_id(value: str) -> str:
    """The birth-date part kept, the personal part hidden, as the lists show
    it. auditlog hands over "None" for a value that was not there."""
    from .national_id import mask

    return value if value in ("", "None") else mask(value)


def _additional_data_for(entry: Audited) -> Callable[[Any], dict[str, Any]]:
    is_municipality = entry.label == "housing_office.municipality"

    def get_additional_data(self: Any) -> dict[str, Any]:
        municipality_id = self.pk if is_municipality else getattr(self, "municipality_id", None)
        if municipality_id is None and getattr(self, "household_id", None) is not None:
            # A person or a stage change has no municipality of its own: its
            # household's (all_objects: the trail is written outside scoping too).
            household_model = type(self)._meta.get_field("household").related_model
            municipality_id = (
                household_model.all_objects.filter(pk=self.household_id)
                .values_list("municipality_id", flat=True)
                .first()
            )
        return {"household_id": entry.household_of(self), "municipality_id": municipality_id}

    return get_additional_data


def audit(
    model: type[models.Model],
    *,
    household_of: Callable[[Any], int | None] = household_of_field,
    **options: Any,
) -> None:
    """Record every create, change and delete of `model` in the audit trail.

    `options` go to `auditlog.register` (exclude_fields, mask_fields, …);
    `household_of` finds the household an instance concerns, so that a
    household's trail finds the entries of its persons, tenancies, meetings,
    letters and applications even after one of them is deleted. Call it from
    the model's app's `AppConfig.ready()`; calling it again does nothing.
    """
    from auditlog.registry import auditlog

    label = model._meta.label_lower
    if label in AUDITED or auditlog.contains(model):
        return
    entry = Audited(label, options, household_of)
    AUDITED[label] = entry
    # auditlog diffs a new row over all of `_meta.get_fields()`, reverse
    # relations included, which would log "members: None" and the like.
    reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    options = {**options, "exclude_fields": [*options.get("exclude_fields", []), *NOISE_FIELDS, *reverse]}
    # auditlog copies `get_additional_data()` onto each entry; the models do
    # not define one, so it is given to them here, in one place.
    if "get_additional_data" not in model.__dict__:
        model.get_additional_data = _additional_data_for(entry)  # type: ignore[attr-defined]
    auditlog.register(model, **options)


def register() -> None:
    """Audit the core's own models and guard the logs: audit and access-log
    rows are append-only."""
    from auditlog.models import LogEntry

    from .models import Municipality, PersonalDataAccess, User

    audit(Municipality, household_of=lambda obj: None)
    audit(
        User,
        household_of=lambda obj: None,
        exclude_fields=["password", "last_login"],
        m2m_fields={"groups"},
    )
    for model in (LogEntry, PersonalDataAccess):
        pre_save.connect(_refuse_change, sender=model, dispatch_uid=f"append_only_save_{model._meta.label}")
        pre_delete.connect(
            _refuse_delete, sender=model, dispatch_uid=f"append_only_delete_{model._meta.label}"
        )
    _register_admin()


def _refuse_change(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not instance._state.adding:
        raise AppendOnlyError(f"{sender._meta.label} rows are append-only; {instance.pk} cannot be changed")


def _refuse_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    raise AppendOnlyError(f"{sender._meta.label} rows are append-only; {instance.pk} cannot be deleted")


def _register_admin() -> None:
    """The log in the admin: read-only, and only for installation-wide
    superusers, since it spans every municipality. Leaders read their
    households' trails on the household pages."""
    from auditlog.admin import LogEntryAdmin
    from auditlog.models import LogEntry
    from django.contrib import admin

    class AppendOnlyLogEntryAdmin(LogEntryAdmin):
        def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
            return False

        def has_view_permission(self, request: Any, obj: Any = None) -> bool:
            return bool(request.user.is_superuser and not request.user.municipality_id)

        def has_module_permission(self, request: Any) -> bool:
            return self.has_view_permission(request)

    if admin.site.is_registered(LogEntry):
        admin.site.unregister(LogEntry)
    admin.site.register(LogEntry, AppendOnlyLogEntryAdmin)


def _live_context(auditlog_value: Any) -> dict[str, Any]:
    """auditlog's context of the request being served, or {}. auditlog sets
    its context variable per request and never resets it, so the thread that
    serves the next job or request (or the next test) would still read the
    last request's actor; its pre_save receiver, though, is connected only
    while that request runs."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return {}
    duid = context.get("signal_duid")
    live = duid is not None and any(key[0] == duid for key, *_ in pre_save.receivers)
    return context if live else {}


def log_bulk_created(objects: Iterable[models.Model], *, actor: Any = None) -> None:
    """Record rows made with `bulk_create`, which sends no signals, as
    auditlog would have recorded them one by one. One INSERT for all."""
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_value
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.utils.encoding import smart_str

    context = _live_context(auditlog_value)
    actor = actor or context.get("actor")
    entries = []
    for obj in objects:
        changes = model_instance_diff(None, obj)
        extra = obj.get_additional_data() if hasattr(obj, "get_additional_data") else None
        entries.append(
            LogEntry(
                content_type=ContentType.objects.get_for_model(obj),
                object_pk=smart_str(obj.pk),
                object_id=obj.pk,
                object_repr=smart_str(obj)[:5000],
                action=LogEntry.Action.CREATE,
                changes=changes,
                actor=actor,
                actor_email=getattr(actor, "email", None),
                remote_addr=context.get("remote_addr"),
                cid=get_cid(),
                additional_data=extra,
            )
        )
    LogEntry.objects.bulk_create(entries)
