"""The main menu, filled by the apps.

Each app adds its own menu items from its AppConfig.ready(), as it adds its
figures to the start page, so the layout imports none of the apps and a new
app never edits a shared template. Which item is the current page is one
rule: the item whose path is the longest prefix of the request's path (the
start page only on its own path), so exactly one item is current even where
one section's pages live under another's (the candidates under /husstander/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from .permissions import is_leader
from .reversing import path_or_none


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: Any  # a lazy translation
    url_name: str
    order: int
    leader_only: bool = False
    # Further URL names whose paths (and everything under them) belong to
    # this item, e.g. the letter templates to "Innkallinger".
    claims: tuple[str, ...] = field(default_factory=tuple)
    # The start page is current only on its own path, not on every path.
    exact: bool = False


_ITEMS: dict[str, MenuItem] = {}


def register_menu_item(
    key: str,
    label: Any,
    url_name: str,
    *,
    order: int,
    leader_only: bool = False,
    claims: tuple[str, ...] = (),
    exact: bool = False,
) -> None:
    _ITEMS[key] = MenuItem(key, label, url_name, order, leader_only, tuple(claims), exact)


def main_menu(request: HttpRequest) -> list[dict[str, Any]]:
    """The items this user sees, in order, each with its URL and whether it
    is the current page."""
    leader = is_leader(request.user)
    entries: list[tuple[MenuItem, str, list[str]]] = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.key)):
        if item.leader_only and not leader:
            continue
        # Reversed once per deployment, not on every page (housing_office.reversing).
        url = path_or_none(item.url_name)
        if url is None:
            continue
        prefixes = [url, *(p for p in map(path_or_none, item.claims) if p)]
        entries.append((item, url, prefixes))

    def match_length(item: MenuItem, prefixes: list[str]) -> int:
        if item.exact:
            return len(prefixes[0]) if request.path == prefixes[0] else -1
        return max((len(p) for p in prefixes if request.path.startswith(p)), default=-1)

    lengths = [match_length(item, prefixes) for item, _url, prefixes in entries]
    best = max(lengths, default=-1)
    current_index = lengths.index(best) if best >= 0 else None
    return [
        {"key": item.key, "label": item.label, "url": url, "current": index == current_index}
        for index, (item, url, _prefixes) in enumerate(entries)
    ]
