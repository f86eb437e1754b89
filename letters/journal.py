"""Where a new letter meets the archive's journal, without letters knowing
the archive (it sits above letters, see docs/architecture.md).

The app that keeps the journal registers a function from its
`AppConfig.ready()`; the code that makes letters calls `journal_letters`
with the letters it has just saved (still pending, so not yet rendered).
The journal registers each as an outgoing registry entry, once, and may set
its `archive_reference` (and the snapshot's) to the entry's reference, so
the letter prints the number the journal knows it by. With no journal
registered nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Journal = Callable[[Sequence[Any]], None]

_journals: list[Journal] = []


def register_journal(journal: Journal) -> None:
    if journal not in _journals:
        _journals.append(journal)


def journal_letters(letters: Sequence[Any]) -> None:
    for journal in _journals:
        journal(letters)
