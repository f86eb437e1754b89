"""Plumbing every app shares between its rules and its pages: the domain
error a rule raises, the message for a database constraint that refused a
row, handing such an error to a form, a safe `next` URL, and the one answer
for a user without a municipality.

Nothing here knows an app: the apps pass their models in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

REFUSED_BY_DATABASE = "Lagringen ble avvist av databasen. Kontroller opplysningene."


class DomainError(ValueError):
    """A rule of the office was broken; the message is for the user.

    `field` names the form field the message belongs to, or None for the
    form as a whole."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field


def _unique_columns(model: type[models.Model], constraint: models.UniqueConstraint) -> str:
    """SQLite names a failed unique constraint by its columns
    ("UNIQUE constraint failed: dwellings_tenancy.dwelling_id"), not by its
    name; this is that text for `constraint`."""
    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in constraint.fields]
    return ", ".join(f"{table}.{column}" for column in columns)


def constraint_message(
    exc: IntegrityError, model_list: Iterable[type[models.Model]], fields: dict[str, str] | None = None
) -> DomainError:
    """The `DomainError` for a database constraint that refused a row: the
    constraint's own `violation_error_message`, on the form field `fields`
    names for it. PostgreSQL names the constraint in its message; SQLite
    names a unique constraint's columns."""
    text = str(exc)
    fields = fields or {}
    for model in model_list:
        for constraint in model._meta.constraints:
            matches = constraint.name in text
            if not matches and isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                matches = text.endswith(_unique_columns(model, constraint))
            message = constraint.violation_error_message
            # Django fills in "Constraint “%(name)s” is violated." for a
            # constraint without a message of its own: not for a user's eyes.
            if matches and message and message != constraint.default_violation_error_message:
                return DomainError(str(message), fields.get(constraint.name))
    return DomainError(_(REFUSED_BY_DATABASE))


@contextmanager
def constraint_errors(
    *model_list: type[models.Model], fields: dict[str, str] | None = None
) -> Iterator[None]:
    """Turn a database constraint violation inside the block into a
    `DomainError` with the constraint's message. The savepoint keeps the
    request's transaction usable after the failure."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise constraint_message(exc, model_list, fields) from exc


def add_to_form(form: Any, exc: DomainError) -> None:
    """Show a domain error on the form: on its field when it names one the
    form has, else above the form."""
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(getattr(exc, "message", exc)))


def local_url(request: HttpRequest, value: str | None) -> str | None:
    """`value` when it is a URL of this site, else None. Anything else could
    send the user on to a look-alike site (an open redirect)."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def safe_next_url(request: HttpRequest, default: str) -> str:
    """Where to go after a form: `next` (POST or GET) when it is a URL of
    this site, else `default`."""
    return local_url(request, request.POST.get("next") or request.GET.get("next")) or default


def user_municipality(request: HttpRequest) -> Any:
    """The municipality of the request's user. A user without one (an
    installation-wide administrator) works in no office: 403 on every office
    page. (Another municipality's *record* answers 404, from the scoping
    managers, so its existence is never confirmed.)"""
    municipality = getattr(request.user, "municipality", None)
    if municipality is None:
        raise PermissionDenied(_("Brukeren din er ikke knyttet til en kommune."))
    return municipality
