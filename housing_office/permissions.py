"""Access decorators for views. Leader pages are marked so that the access
tests find them from the URL configuration alone."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

LEAD_OFFICE = "housing_office.lead_office"


def is_leader(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(LEAD_OFFICE))


def leader_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, and the office leader's permission; 403 otherwise."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_leader(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.leader_only = True  # type: ignore[attr-defined]
    return wrapped
