from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import main_menu
from .permissions import is_leader


def office(request: HttpRequest) -> dict[str, Any]:
    """The user's municipality, for the layout's header and footer."""
    user = getattr(request, "user", None)
    municipality = getattr(user, "municipality", None) if user and user.is_authenticated else None
    return {
        "current_municipality": municipality,
        "is_leader": bool(user and is_leader(user)),
        "main_menu": main_menu(request) if user and user.is_authenticated else [],
    }
