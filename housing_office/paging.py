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
from django.db import connections
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property

# How many rows a list counts exactly before it says "over".
COUNT_CAP = 10_000


def count_to_cap(rows: QuerySet | ChainedIds | list[Any]) -> tuple[int, bool]:
    """How many `rows` there are, reading no more than `COUNT_CAP` + 1 of
    them: (the count, at most the cap; whether there are more)."""
    if isinstance(rows, list):
        found = len(rows)
    elif isinstance(rows, ChainedIds | CountedIds):
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


# The ordered ids numbered as the order gives them (up to the cap + 1: the
# query's own LIMIT), their number and one window of them.
_NUMBERED = """
WITH numbered AS MATERIALIZED (
    SELECT ids.pk, row_number() OVER () AS n FROM ({ids}) AS ids (pk)
)
SELECT (SELECT count(*) FROM numbered),
       ARRAY(SELECT pk FROM numbered WHERE n > %s AND n <= %s ORDER BY n)
"""


class CountedIds:
    """The ids of an ordered queryset up to the cap, counted, with the
    window a page asks for, in one statement. For a filter that costs as
    much to count as to order (vacancies, candidates) that is one pass over
    the rows, as reading all their ids was, but only the page's ids leave
    the database: ten thousand ids cost the page more to fetch and convert
    than the rest of its queries. `window` is the slice the page is
    expected to ask for; another (a page number past the end) takes one
    more statement."""

    def __init__(self, ordered: QuerySet, window: slice) -> None:
        self.ids = ordered.values_list("pk", flat=True)[: COUNT_CAP + 1]
        self.window = window
        self._count: int | None = None
        self._read: tuple[int, int, list[Any]] | None = None

    def _fetch(self, start: int, stop: int) -> None:
        sql, params = self.ids.query.sql_with_params()
        with connections[self.ids.db].cursor() as cursor:
            cursor.execute(_NUMBERED.format(ids=sql), (*params, start, stop))
            count, ids = cursor.fetchone()
        self._count, self._read = count, (start, stop, list(ids or []))

    def count_to(self, limit: int) -> int:
        if self._count is None:
            self._fetch(self.window.start or 0, self.window.stop)
        assert self._count is not None
        return min(self._count, limit)

    def __getitem__(self, window: slice) -> list[Any]:
        start, stop = window.start or 0, window.stop
        if stop is None:
            stop = self.count_to(COUNT_CAP + 1)
        read = self._read
        # The rows read are those numbered start < n <= stop that exist: a
        # slice inside them, or running past the last row, is served.
        if read is None or not (read[0] <= start and min(stop, self._count or 0) <= read[1]):
            self._fetch(start, stop)
            read = self._read
            assert read is not None
        return read[2][start - read[0] : stop - read[0]]


def _window(number: object, per_page: int) -> slice:
    """The rows of page `number` as `Paginator.get_page` reads it: a whole
    number as it is, anything else the first page. Below 1 or past the end
    get_page shows the last page, which takes `CountedIds` one more
    statement."""
    try:
        page = max(int(str(number)), 1)
    except (TypeError, ValueError):
        page = 1
    return slice((page - 1) * per_page, page * per_page)


def ids_first_page(
    ordered: QuerySet | ChainedIds,
    per_page: int,
    number: object,
    rows: Callable[[Sequence[Any]], QuerySet],
    one_query: bool = False,
) -> Page:
    """Page `number` of `ordered` (filtered and ordered), its objects taken
    from `rows(ids)` in the order of `ordered`. `one_query` counts the
    ordered ids up to the cap and reads the page's in one statement
    (`CountedIds`): for a filter that costs the same to count as to order
    (vacancies, candidates), one pass instead of two."""
    ids_in_order: QuerySet | ChainedIds | CountedIds | list[Any]
    if isinstance(ordered, ChainedIds):
        ids_in_order = ordered
    elif one_query and connections[ordered.db].vendor == "postgresql":
        ids_in_order = CountedIds(ordered, _window(number, per_page))
    else:
        ids_in_order = ordered.values_list("pk", flat=True)
        if one_query:
            # Elsewhere (SQLite) all the ids up to the cap, counted here.
            ids_in_order = list(ids_in_order[: COUNT_CAP + 1])
    paginator = CappedPaginator(ids_in_order, per_page)
    page = paginator.get_page(number)
    ids = list(page.object_list)
    found: dict[Any, Model] = {row.pk: row for row in rows(ids)}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page
