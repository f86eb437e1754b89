"""Closed years' figures, kept in `ClosedYearFigures` and read back.

A year is closed once the office's calendar has left it. Its figures are
counted once and kept; the triggers of `reports.figures_triggers` delete
them when a write reaches back into the year. A period of a closed year
(1 January to a day: the dashboard's "same period last year") is kept the
same way, one day's worth at a time.

The running year from 1 January through today (the dashboard's "hittil i
år") is kept too, under today's date: every figure is a function of the
rows' own dates, never of the clock, so only a write can change it — and
any write dated this year or before forgets it, as it does a closed year.
Tomorrow asks for another period, and the first keep of it prunes today's.
The running year as a whole (through 31 December, with the lettings and
ends already planned) is always counted: nobody reads it twice.

The prevention and follow-up rows of whole years (`reports.yearly_rows`)
are kept beside them, as kind ROWS, and forgotten by the same triggers;
they are kept for the running year as a whole too, which they are read for.

Only on PostgreSQL, where the triggers are: elsewhere nothing is kept.

Counting and storing race against writers; the rule is to keep figures only
when no write could have slipped in between: `begin()` before counting
notes the triggers' sequence and checks that no writer's transaction is
open, `keep()` checks both again under the lock before it stores.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.utils import timezone

from .figures_triggers import LOCK_CLASS, SEQUENCE, STATUS_LOCK_CLASS, STATUS_SEQUENCE
from .models import ClosedYearFigures, StatusFigures

# "" for whole years, "MM-DD" for 1 January to that day.
Period = str


# The sequence's value; 0 before its first advance (last_value says 1 then too).
TOKEN = "CASE WHEN is_called THEN last_value ELSE 0 END"


def period_key(through: tuple[int, int] | None) -> Period:
    return "" if through is None else f"{through[0]:02d}-{through[1]:02d}"


def enabled() -> bool:
    return connection.vendor == "postgresql"


def closed(year: int) -> bool:
    """The office's calendar has left the year (local time)."""
    return year < timezone.localdate().year


# The kinds of figures kept: the contract's, and the prevention and
# follow-up rows (`reports.yearly_rows`), whole calendar years only.
CONTRACT = ""
ROWS = "rows"


def keepable(year: int, period: Period, kind: str = CONTRACT) -> bool:
    """A closed year, whole or in part, or the running year through today.
    The rows are kept for the running year as a whole too: they are read
    for whole years only (the dashboard's this year and last, the yearly
    report's), and depend on their rows' dates as the rest do."""
    today = timezone.localdate()
    if kind == ROWS:
        return period == "" and year <= today.year
    return year < today.year or (year == today.year and period == period_key((today.month, today.day)))


def kept(
    municipality_id: int, years: list[int], period: Period, kind: str = CONTRACT
) -> dict[int, dict[str, Any]]:
    """The kept figures of those of `years` that have them. One query."""
    if not enabled() or not years:
        return {}
    rows = ClosedYearFigures.objects.filter(
        municipality_id=municipality_id, year__in=years, through=period, kind=kind
    ).values_list("year", "figures")
    return dict(rows)


def begin(municipality_id: int, *, sequence: str = SEQUENCE, lock_class: int = LOCK_CLASS) -> int | None:
    """Before counting: the triggers' sequence, or None when a writer's
    transaction that reached a keepable year is still open (its rows may or
    may not be in what is counted now, so nothing counted now is kept).
    One query: the exclusive lock is only tried, and let go at once."""
    if not enabled():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            # A sequence never advanced says last_value 1, as after its first
            # advance: is_called tells them apart.
            f"SELECT {TOKEN}, CASE WHEN pg_try_advisory_lock(%s, %s)"  # noqa: S608 - constant names
            f" THEN pg_advisory_unlock(%s, %s) ELSE false END FROM {sequence}",
            [lock_class, municipality_id, lock_class, municipality_id],
        )
        token, free = cursor.fetchone()
    return token if free else None


# One statement, so that in autocommit the lock lasts exactly as long as the
# insert: the lock is tried first (CASE), then the sequence is read under it.
KEEP_SQL = f"""
WITH free AS (
    SELECT CASE WHEN pg_try_advisory_xact_lock(%(lock)s, %(municipality)s)
                THEN (SELECT {TOKEN} FROM {SEQUENCE}) END AS token
), pruned AS (
    -- Only the latest day of a part-year is worth keeping.
    DELETE FROM reports_closedyearfigures
    WHERE municipality_id = %(municipality)s AND %(through)s <> '' AND through NOT IN ('', %(through)s)
      AND kind = %(kind)s AND (SELECT token FROM free) = %(token)s
)
INSERT INTO reports_closedyearfigures (municipality_id, year, through, kind, figures, computed_at)
SELECT %(municipality)s, v.year, %(through)s, %(kind)s, v.figures::jsonb, now()
FROM jsonb_to_recordset(%(rows)s::jsonb) AS v(year integer, figures jsonb), free
WHERE free.token = %(token)s
ON CONFLICT (municipality_id, year, through, kind)
DO UPDATE SET figures = EXCLUDED.figures, computed_at = EXCLUDED.computed_at
"""  # noqa: S608 - a constant name


def keep(
    municipality_id: int,
    token: int | None,
    figures: dict[int, dict[str, Any]],
    period: Period,
    kind: str = CONTRACT,
) -> None:
    """Store keepable years' figures counted since `begin()` gave `token`,
    unless a write the figures read came meanwhile (the triggers' sequence
    moved) or is under way (its shared lock is held). The lock is held to
    the end of the transaction, so a writer that comes after waits until
    the rows are visible, and then deletes them if it must. One query."""
    figures = {year: value for year, value in figures.items() if keepable(year, period, kind)}
    if token is None or not figures:
        return
    rows = [{"year": year, "figures": value} for year, value in figures.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            KEEP_SQL,
            {
                "lock": LOCK_CLASS,
                "municipality": municipality_id,
                "through": period,
                "kind": kind,
                "token": token,
                "rows": json.dumps(rows),
            },
        )


def kept_or_counted(
    municipality_id: int,
    years: list[int],
    period: Period,
    kind: str,
    count: Callable[[list[int]], dict[int, dict[str, Any]]],
) -> dict[int, dict[str, Any]]:
    """{year: figures, as they are kept} for `years`: those kept read in one
    query, the rest counted by `count(missing years)` and kept where they
    may be. The race rule in one place: `begin()` before counting, `keep()`
    after, so nothing counted while a writer wrote is kept."""
    keepable_years = [year for year in years if keepable(year, period, kind)]
    out = kept(municipality_id, keepable_years, period, kind)
    missing = [year for year in years if year not in out]
    if missing:
        # Years that are never kept (the running one as a whole) need no check.
        token = begin(municipality_id) if set(missing) & set(keepable_years) else None
        counted = count(missing)
        keep(municipality_id, token, counted, period, kind)
        out.update(counted)
    return out


# -- today's status -------------------------------------------------------------


def kept_status(municipality_id: int, day: datetime.date) -> dict[str, Any] | None:
    """Today's status as kept, if it is still today's. One query."""
    if not enabled():
        return None
    row = (
        StatusFigures.objects.filter(municipality_id=municipality_id, day=day).values_list("figures").first()
    )
    return row[0] if row else None


def begin_status(municipality_id: int) -> int | None:
    """`begin()` for today's status: its own sequence and lock."""
    return begin(municipality_id, sequence=STATUS_SEQUENCE, lock_class=STATUS_LOCK_CLASS)


KEEP_STATUS_SQL = f"""
WITH free AS (
    SELECT CASE WHEN pg_try_advisory_xact_lock(%(lock)s, %(municipality)s)
                THEN (SELECT {TOKEN} FROM {STATUS_SEQUENCE}) END AS token
)
INSERT INTO reports_statusfigures (municipality_id, day, figures)
SELECT %(municipality)s, %(day)s, %(figures)s::jsonb FROM free WHERE free.token = %(token)s
ON CONFLICT (municipality_id) DO UPDATE SET day = EXCLUDED.day, figures = EXCLUDED.figures
"""  # noqa: S608 - a constant name


def keep_status(municipality_id: int, token: int | None, day: datetime.date, figures: dict[str, Any]) -> None:
    """Store today's status counted since `begin_status()` gave `token`,
    unless a write to its tables came between. One query."""
    if token is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            KEEP_STATUS_SQL,
            {
                "lock": STATUS_LOCK_CLASS,
                "municipality": municipality_id,
                "day": day,
                "token": token,
                "figures": json.dumps(figures),
            },
        )
