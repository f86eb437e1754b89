"""Municipality scoping: the one mechanism that keeps each office to its own records.

Every model that holds a municipality's data uses `ScopedManager` as its
default manager. The manager filters by the municipality in the current
*scope*, a context variable that `MunicipalityScopeMiddleware` sets for the
whole of each request. A view therefore cannot forget the filter:
`get_object_or_404(Household, pk=…)` answers 404 for another municipality's
household because the query never sees it.

The scope fails closed: an anonymous request, or a user who belongs to no
municipality and is not a superuser, sees nothing at all. Outside a request
(management commands, Celery tasks, tests) nothing is filtered unless code
enters `scope(...)` itself; tasks take ids and load their rows explicitly.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from .models import Municipality


@dataclass(frozen=True)
class Scope:
    """Which municipality's rows are visible. `municipality_id=None` with
    `unrestricted=False` means none at all."""

    municipality_id: int | None
    unrestricted: bool = False


UNRESTRICTED = Scope(municipality_id=None, unrestricted=True)
NOTHING = Scope(municipality_id=None, unrestricted=False)

_current: contextvars.ContextVar[Scope] = contextvars.ContextVar("municipality_scope", default=UNRESTRICTED)


def current_scope() -> Scope:
    """The scope the running request or block has."""
    return _current.get()


@contextmanager
def scope(municipality: Municipality | int | None) -> Iterator[None]:
    """Restrict every scoped query in the block to one municipality."""
    municipality_id = getattr(municipality, "pk", municipality)
    new = Scope(municipality_id=municipality_id) if municipality_id else NOTHING
    token = _current.set(new)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Lift the restriction, for code that must see across municipalities
    (the superuser's admin, cross-municipality integrity checks)."""
    token = _current.set(UNRESTRICTED)
    try:
        yield
    finally:
        _current.reset(token)


def scope_for_user(user: Any) -> Scope:
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    if getattr(user, "municipality_id", None):
        return Scope(municipality_id=user.municipality_id)
    if user.is_superuser:
        return UNRESTRICTED
    return NOTHING


class ScopedQuerySet(models.QuerySet):
    def for_municipality(self, municipality: Municipality | int) -> ScopedQuerySet:
        municipality_id = getattr(municipality, "pk", municipality)
        return self.filter(**{self.model.municipality_path: municipality_id})


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Default manager of every municipality-owned model.

    The model names the path to its municipality in `municipality_path`
    ("municipality" for most, "household__municipality" for a person).
    """

    def get_queryset(self) -> ScopedQuerySet:
        qs = super().get_queryset()
        current = _current.get()
        if current.unrestricted:
            return qs
        if current.municipality_id is None:
            return qs.none()
        return qs.filter(**{f"{self.model.municipality_path}_id": current.municipality_id})


class MunicipalityScopeMiddleware:
    """Sets the scope from the logged-in user for the whole request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(scope_for_user(request.user))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
