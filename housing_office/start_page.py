"""The office's figures on the start page ("Kontoret i dag").

Each app contributes its own figures from its AppConfig.ready() — the
households register, the dwellings the vacancies — so the page that shows
them imports none of the apps. A figure is one query in the current scope.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OfficeFigure:
    key: str
    label: Any  # a lazy translation
    count: Callable[[datetime.date], int]
    order: int = 100


_FIGURES: dict[str, OfficeFigure] = {}


def register_office_figure(
    key: str, label: Any, count: Callable[[datetime.date], int], *, order: int = 100
) -> None:
    _FIGURES[key] = OfficeFigure(key, label, count, order)


def office_figures(today: datetime.date) -> list[tuple[str, Any, int]]:
    """(key, label, value) for every registered figure, in their order."""
    figures = sorted(_FIGURES.values(), key=lambda f: (f.order, f.key))
    return [(f.key, f.label, f.count(today)) for f in figures]
