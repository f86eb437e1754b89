"""Paths reversed once per script prefix and URLconf, not on every page.

`reverse()` costs tens of microseconds: the menu's twenty items and a list's
hundred row links were a measurable part of a small page. A path depends
only on the view, its arguments, the script prefix (a reverse proxy's
SCRIPT_NAME) and the URLconf, so it is kept under those. A row's link is
kept as the text around its number: a route that takes one whole number is
reversed once with a stand-in, and each row gets its own number in the
gap — what the `int` converter would have written.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

STAND_IN = "918273645"
# (script prefix, URLconf, view name, kind) → a path, None (no such
# route), or a row link's text before and after the number.
_KEPT: dict[tuple[str, str, str, str], Any] = {}


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _KEPT.clear()


def _key(view_name: str, kind: str) -> tuple[str, str, str, str]:
    return (get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF), view_name, kind)


def path_or_none(view_name: str) -> str | None:
    """The path of a view without arguments, or None when no route has
    that name (an app that is not installed)."""
    key = _key(view_name, "path")
    if key not in _KEPT:
        try:
            _KEPT[key] = reverse(view_name)
        except NoReverseMatch:
            _KEPT[key] = None
    return _KEPT[key]


def row_path(view_name: str, pk: int) -> str:
    """The path of a view that takes one whole number, for that number."""
    key = _key(view_name, "row")
    shape = _KEPT.get(key)
    if shape is None:
        before, found, after = reverse(view_name, args=[int(STAND_IN)]).partition(STAND_IN)
        if not found or STAND_IN in after:
            raise ImproperlyConfigured(f"{view_name} does not take one whole number as its path's only part")
        shape = _KEPT[key] = (before, after)
    before, after = shape
    return f"{before}{int(pk)}{after}"
