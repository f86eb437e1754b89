"""Pages of a long list whose cost does not grow with the register.

A list page shows a few dozen rows, each with columns computed from other
tables (the running tenancy, the main person, open arrears). Asked in one
query, the database has to plan those columns for every row that passes the
filter before it knows which rows the page keeps, and on a large register it
joins or hashes whole tables to do so. `ids_first_page` asks twice instead:
the page's ids from the filter and the order alone (an index often answers
that), then the columns for those ids only.

Counting is the other part that grows: an exact count of 370,000 households
reads all of them. `CappedPaginator` counts up to `COUNT_CAP` rows and then
says "over 10 000"; the first 10,000 rows can be paged through, and the page
asks the caseworker to narrow the list with a search or a filter, which is
what anyone looking for a household among that many does anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property

# How many rows a list counts exactly before it says "over".
COUNT_CAP = 10_000


def count_to_cap(rows: QuerySet | ChainedIds | list[Any]) -> tuple[int, bool]:
    """How many `rows` there are, reading no more than `COUNT_CAP` + 1 of
    them: (the count, at most the cap; whether there are more)."""
    if isinstance(rows, list):
        found = len(rows)
    elif isinstance(rows, ChainedIds):
        found = rows.count_to(COUNT_CAP + 1)
    else:
        found = rows.order_by()[: COUNT_CAP + 1].count()
    return min(found, COUNT_CAP), found > COUNT_CAP


class CappedPaginator(Paginator):
    """A paginator whose count reads at most `COUNT_CAP` + 1 rows. Past the
    cap, `count` is the cap (so the pages are the first `COUNT_CAP` rows) and
    `capped` is true; the templates then say "over" the count."""

    _capped = False

    @cached_property
    def count(self) -> int:
        count, self._capped = count_to_cap(self.object_list)
        return count

    @property
    def capped(self) -> bool:
        self.count  # noqa: B018 - counting is what sets it
        return self._capped


class ChainedIds:
    """Ordered id lists read one after the other as one: the ids of the
    first, then those of the second. For an order the database can follow
    down an index for some rows only — households by the start of their
    running tenancy, then those without one — each part keeps its own plan,
    and a page reads only as far into each as it reaches."""

    def __init__(self, *parts: QuerySet, whole: QuerySet | None = None) -> None:
        self.parts = [part.values_list("pk", flat=True) for part in parts]
        # The rows of all the parts in one queryset, when there is one that
        # is cheaper to count than the parts (no join, no order).
        self.whole = whole

    def count_to(self, limit: int) -> int:
        """How many ids there are, counting no further than `limit`."""
        if self.whole is not None:
            return self.whole.order_by()[:limit].count()
        total = 0
        for part in self.parts:
            total += part.order_by()[: limit - total].count()
            if total >= limit:
                break
        return total

    def __getitem__(self, window: slice) -> list[Any]:
        start, stop = window.start or 0, window.stop
        found: list[Any] = []
        for part in self.parts:
            if stop is not None and stop <= 0:
                break
            ids = list(part[start:stop])
            found += ids
            # How many ids this part holds up to the window's end: all of
            # them when it ran out inside the window, else counted to `start`.
            before = len(ids) + start if ids else part.order_by()[:start].count()
            start = max(0, start - before)
            stop = None if stop is None else stop - before
        return found


def ids_first_page(
    ordered: QuerySet | ChainedIds,
    per_page: int,
    number: object,
    rows: Callable[[Sequence[Any]], QuerySet],
    one_query: bool = False,
) -> Page:
    """Page `number` of `ordered` (filtered and ordered), its objects taken
    from `rows(ids)` in the order of `ordered`. `one_query` reads the ordered
    ids up to the cap at once and counts them in Python: for a filter that
    costs the same to count as to order (vacancies, candidates), one pass
    instead of two."""
    ids_in_order = ordered if isinstance(ordered, ChainedIds) else ordered.values_list("pk", flat=True)
    if one_query:
        ids_in_order = list(ids_in_order[: COUNT_CAP + 1])
    paginator = CappedPaginator(ids_in_order, per_page)
    page = paginator.get_page(number)
    ids = list(page.object_list)
    found: dict[Any, Model] = {row.pk: row for row in rows(ids)}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page
