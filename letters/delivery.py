"""Where a rendered letter meets the dispatch step (SvarUt or print),
without letters knowing the app that sends (it sits above letters, see
docs/architecture.md), the way `letters.journal` meets the archive.

The dispatch app registers one `Delivery` from its `AppConfig.ready()`:

- `dispatch(letters)` is called with the letters that have just been
  rendered (inside the renderer's transaction): it decides, per letter,
  digital or print and queues the sending for after the commit;
- `take_for_print(letters, batch)` is asked, when a summons batch writes its
  print file, which of the batch's rendered letters go in it (those going out
  on paper), and records that they are in that file;
- `summaries(letters)` tells, for the letters of a page, how each went out
  and where it is, in one query; `counts(batch)` how many of a batch's
  letters went digitally and how many on paper (one aggregate).

With none registered every letter is printed, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DeliverySummary:
    """How a letter went out, for a table cell: "Digitalt – lest", or
    "Papir – i utskriftsfil 12" (text), and a page that says more (url)."""

    text: str
    url: str = ""
    digital: bool = False


@dataclass(frozen=True)
class Delivery:
    dispatch: Callable[[Sequence[Any]], None]
    take_for_print: Callable[[Any, Any], Any]
    summaries: Callable[[Sequence[Any]], dict[int, DeliverySummary]]
    counts: Callable[[Any], dict[str, int]]


_deliveries: list[Delivery] = []


def register_delivery(delivery: Delivery) -> None:
    if _deliveries and _deliveries[0] != delivery:
        raise ValueError("A letter delivery is already registered")
    if not _deliveries:
        _deliveries.append(delivery)


def dispatch_letters(letters: Sequence[Any]) -> None:
    for delivery in _deliveries:
        delivery.dispatch(letters)


def letters_for_print(letters: Any, batch: Any) -> Any:
    """The letters of `letters` (a queryset of the batch's rendered letters)
    that go in the batch's print file."""
    for delivery in _deliveries:
        letters = delivery.take_for_print(letters, batch)
    return letters


def delivery_summaries(letters: Sequence[Any]) -> dict[int, DeliverySummary]:
    found: dict[int, DeliverySummary] = {}
    for delivery in _deliveries:
        found.update(delivery.summaries(letters))
    return found


def delivery_counts(batch: Any) -> dict[str, int] | None:
    """{"digital": n, "print": n, ...} for the batch page, or None when no
    delivery is registered (every letter is printed)."""
    for delivery in _deliveries:
        return delivery.counts(batch)
    return None
