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
- `with_delivery(letters)` adds what `summaries(letters)` needs to a page's
  query (no query of its own), and `summaries` tells how each letter went
  out and where it is; `aggregates(batch)` are the aggregate expressions
  that count a batch's letters by how they went out, added to the batch
  page's own count query.

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
    with_delivery: Callable[[Any], Any]
    summaries: Callable[[Sequence[Any]], dict[int, DeliverySummary]]
    aggregates: Callable[[Any], dict[str, Any]]


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


def with_delivery(letters: Any) -> Any:
    for delivery in _deliveries:
        letters = delivery.with_delivery(letters)
    return letters


def delivery_summaries(letters: Sequence[Any]) -> dict[int, DeliverySummary]:
    found: dict[int, DeliverySummary] = {}
    for delivery in _deliveries:
        found.update(delivery.summaries(letters))
    return found


def delivery_aggregates(batch: Any) -> dict[str, Any]:
    """Aggregate expressions over a batch's letters, keyed by name
    ("digital", "print", "in_batch_print_file", "waiting"); empty when no
    delivery is registered (every letter is printed)."""
    found: dict[str, Any] = {}
    for delivery in _deliveries:
        found.update(delivery.aggregates(batch))
    return found
