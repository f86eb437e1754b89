"""A household's audit trail and access log (innsynslogg), for the leader.

The trail is every django-auditlog entry that concerns the household: its
own, and those of its persons, tenancies, rent arrears, meetings, letters,
journal notes and start-loan applications (housing_office/audit.py stamps
each entry with the household). The access log is the household's
`PersonalDataAccess` rows: who saw a full national identity number, who
downloaded a letter or a report about it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from housing_office import spreadsheets
from housing_office.models import PersonalDataAccess

from .models import Household

ACTION_LABELS = {
    LogEntry.Action.CREATE: gettext_lazy("Opprettet"),
    LogEntry.Action.UPDATE: gettext_lazy("Endret"),
    LogEntry.Action.DELETE: gettext_lazy("Slettet"),
    LogEntry.Action.ACCESS: gettext_lazy("Åpnet"),
}
# Long texts (notes, letter bodies) are cut in the table; the entry keeps all.
VALUE_LIMIT = 200
# Said by the entry itself (its time, its row) or the same for every entry.
HIDDEN_FIELDS = frozenset({"id", "created_at", "municipality"})


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class TrailEntry:
    timestamp: datetime.datetime
    actor: str
    action: str
    subject_type: str
    subject: str
    remote_addr: str
    created: bool = False
    deleted: bool = False
    changes: list[Change] = field(default_factory=list)


def household_log_entries(household: Household) -> QuerySet[LogEntry]:
    """Every audit entry that concerns `household`, newest first."""
    return (
        LogEntry.objects.filter(additional_data__household_id=household.pk)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def household_access_log(household: Household) -> QuerySet[PersonalDataAccess]:
    """Who looked at the household's personal data, newest first."""
    return (
        PersonalDataAccess.objects.filter(household=household)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


def describe_entries(entries: Sequence[LogEntry]) -> list[TrailEntry]:
    """The entries as the page shows them: field names in Norwegian, choice
    labels, dates in local time, and related rows by name. Related rows are
    looked up with one query per related model, whatever the page holds."""
    pending: list[tuple[Change, models.Field, str, str]] = []
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    described = []
    for entry in entries:
        model = entry.content_type.model_class()
        trail_entry = TrailEntry(
            timestamp=entry.timestamp,
            actor=_actor(entry),
            action=str(ACTION_LABELS.get(entry.action, entry.get_action_display())),
            subject_type=str(model._meta.verbose_name).capitalize() if model else entry.content_type.model,
            subject=entry.object_repr,
            remote_addr=entry.remote_addr or "",
            created=entry.action == LogEntry.Action.CREATE,
            deleted=entry.action == LogEntry.Action.DELETE,
        )
        order = {f.name: i for i, f in enumerate(model._meta.fields)} if model else {}
        changes = sorted((entry.changes_dict or {}).items(), key=lambda item: order.get(item[0], len(order)))
        for name, values in changes:
            if name in HIDDEN_FIELDS or not isinstance(values, list | tuple) or len(values) != 2:
                continue
            if trail_entry.created and values[1] in ("None", "", None):
                continue  # a new row's empty fields say nothing
            old, new = (str(v) for v in values)
            model_field = _field(model, name)
            label = str(getattr(model_field, "verbose_name", name)) if model_field else name
            change = Change(field=label.capitalize(), old=old, new=new)
            if model_field is not None and (model_field.many_to_one or model_field.one_to_one):
                related = model_field.related_model
                for key in ("old", "new"):
                    raw = getattr(change, key)
                    if raw not in ("None", ""):
                        wanted[related].add(raw)
                pending.append((change, model_field, old, new))
            else:
                change.old, change.new = _show(model_field, old), _show(model_field, new)
            trail_entry.changes.append(change)
        described.append(trail_entry)
    names = _related_names(wanted)
    for change, model_field, old, new in pending:
        lookup = names.get(model_field.related_model, {})
        change.old, change.new = _show_related(lookup, old), _show_related(lookup, new)
    return described


def _actor(entry: LogEntry) -> str:
    if entry.actor is not None:
        name = entry.actor.get_full_name()
        return f"{name} ({entry.actor.get_username()})" if name else entry.actor.get_username()
    if entry.actor_email:
        return entry.actor_email
    return _("Systemet (import, jobb eller kommando)")


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if getattr(found, "concrete", False) else None  # type: ignore[return-value]


def _show(model_field: models.Field | None, raw: str) -> str:
    if raw in ("None", ""):
        return "–"
    if model_field is None:
        return _cut(raw)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(raw, raw))
    if isinstance(model_field, models.BooleanField):
        return _("Ja") if raw == "True" else _("Nei") if raw == "False" else raw
    if isinstance(model_field, models.DateTimeField):
        try:
            moment = datetime.datetime.fromisoformat(raw)
        except ValueError:
            return raw
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        try:
            return date_format(datetime.date.fromisoformat(raw[:10]), "SHORT_DATE_FORMAT")
        except ValueError:
            return raw
    return _cut(raw)


def _cut(text: str) -> str:
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _related_names(wanted: dict[type[models.Model], set[Any]]) -> dict[type[models.Model], dict[str, str]]:
    names: dict[type[models.Model], dict[str, str]] = {}
    for model, raw_keys in wanted.items():
        keys = []
        for raw in raw_keys:
            try:
                keys.append(model._meta.pk.to_python(raw))
            except Exception:  # noqa: BLE001, S112 - an old value that is not a key is shown as it is
                continue
        # The base manager: a row of another scope (a user, a template) is
        # still named, and this runs inside the household's municipality anyway.
        rows = model._meta.base_manager.filter(pk__in=keys) if keys else []
        names[model] = {str(row.pk): str(row) for row in rows}
    return names


def _show_related(lookup: dict[str, str], raw: str) -> str:
    if raw in ("None", ""):
        return "–"
    return lookup.get(raw, _("slettet (nr. %(pk)s)") % {"pk": raw})


# The innsynslogg as a file ---------------------------------------------------


def access_log_csv(household: Household, rows: Iterable[PersonalDataAccess] | None = None) -> bytes:
    """The household's access log as a `;`-separated UTF-8 file with BOM,
    which Norwegian Excel opens as it is. Written by the one spreadsheet
    writer, which keeps a name like "=HYPERLINK(…)" text."""
    accesses = household_access_log(household) if rows is None else rows
    title = _("Innsynslogg for husstand %(ref)s") % {"ref": household.reference}
    lines: list[list[Any]] = [
        [_("Laget %(when)s") % {"when": date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")}],
        [],
        [_("Tidspunkt"), _("Bruker"), _("Brukernavn"), _("Handling"), _("Gjelder")],
    ]
    lines += [
        [
            timezone.localtime(access.created_at).strftime("%d.%m.%Y %H:%M:%S"),
            access.user.get_full_name(),
            access.user.get_username(),
            access.get_action_display(),
            access.object_repr,
        ]
        for access in accesses
    ]
    return spreadsheets.to_csv({title: lines})
