"""Pages of a long list whose cost does not grow with the register.

A list page shows a few dozen rows, each with columns computed from other
tables (the running tenancy, the main person, open arrears). Asked in one
query, the database has to plan those columns for every row that passes the
filter before it knows which rows the page keeps, and on a large register it
joins or hashes whole tables to do so. `ids_first_page` asks twice instead:
the page's ids from the filter and the order alone (an index often answers
that), then the columns for those ids only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet


def ids_first_page(
    ordered: QuerySet,
    per_page: int,
    number: object,
    rows: Callable[[Sequence[Any]], QuerySet],
    counted: QuerySet | None = None,
) -> Page:
    """Page `number` of `ordered` (filtered and ordered), its objects taken
    from `rows(ids)` in the order of `ordered`. `counted`, when the order
    needs a join the filter does not, is the same rows without it, to count
    them cheaper."""
    paginator = Paginator(ordered.values_list("pk", flat=True), per_page)
    if counted is not None:
        paginator.count = counted.count()  # a cached_property: once set, it is not computed
    page = paginator.get_page(number)
    ids = list(page.object_list)
    found: dict[Any, Model] = {row.pk: row for row in rows(ids)}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page
