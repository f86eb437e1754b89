"""Integer lookups that cannot overflow: a value no column can hold matches nothing.

Python's sqlite3 refuses an int beyond 64 bits ("Python int too large to
convert to SQLite INTEGER") and PostgreSQL refuses one beyond its column's
type ("value out of range", `NumericValueOutOfRange`). Django 5.0 made
`exact`, `gt`, `gte`, `lt` and `lte` on an IntegerField answer "no rows"
instead (https://code.djangoproject.com/ticket/27397), but not `in`, and not
the lookups through a foreign key (`caseworker_id=…`, `household__in=…`),
so one hostile id in a query string still reached the database as a 500.

`register()` (called from `HousingOfficeConfig.ready`) adds the same guard
to those lookups through Django's public `register_lookup`: out-of-range
values are dropped from an `in` list (an empty list matches nothing), and an
out-of-range `exact` through a foreign key matches nothing. Negated lookups
(`exclude`) follow from Django's own handling of `EmptyResultSet`.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In

Bounds = tuple[int | None, int | None]


def column_bounds(field: Field, connection: Any) -> Bounds:
    """The smallest and largest value the integer column behind `field` holds
    on this database; (None, None) for anything else."""
    path_infos = getattr(field, "path_infos", None)
    target = path_infos[-1].target_fields[-1] if path_infos else field
    if not isinstance(target, IntegerField):
        return None, None
    try:
        return connection.ops.integer_field_range(target.get_internal_type())
    except KeyError:
        return None, None


def out_of_range(value: Any, bounds: Bounds) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    low, high = bounds
    return (low is not None and value < low) or (high is not None and value > high)


class IntegerFieldIn(In):
    """`in`: leave out the values the column cannot hold."""

    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value():
            bounds = column_bounds(self.lhs.output_field, connection)
            kept = [value for value in self.rhs if not out_of_range(value, bounds)]
            if len(kept) < len(self.rhs):
                # A copy: the lookup itself stays as it was built, for other connections.
                lookup = copy.copy(self)
                lookup.rhs = kept
                return super(IntegerFieldIn, lookup).process_rhs(compiler, connection)
        return super().process_rhs(compiler, connection)


class RelatedInWithinRange(IntegerFieldIn, RelatedIn):
    """`in` through a foreign key, the same way (RelatedIn prepares, IntegerFieldIn filters)."""


class RelatedExactWithinRange(RelatedExact):
    """`exact` through a foreign key: a value the column cannot hold matches nothing."""

    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value() and out_of_range(
            self.rhs, column_bounds(self.lhs.output_field, connection)
        ):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(RelatedInWithinRange)
    ForeignObject.register_lookup(RelatedExactWithinRange)
