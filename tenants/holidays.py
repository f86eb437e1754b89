"""The office calendar: Norwegian public holidays, working days and meeting slots.

Pure functions with no database access, so the summons planner can be tested
(and reasoned about) on its own. Times are wall-clock times in the office's
time zone; `meeting_slots` makes them aware at the end, so a slot at 09:00
stays at 09:00 across the change to and from summer time.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from functools import lru_cache
from zoneinfo import ZoneInfo

OFFICE_OPENS = datetime.time(8, 0)
OFFICE_CLOSES = datetime.time(15, 30)


def easter_sunday(year: int) -> datetime.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian
    algorithm, also known as Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[datetime.date, str]:
    """Norway's public holidays (*offentlige høytidsdager* and the two
    statutory days, 1 and 17 May) in `year`, by date.

    Sundays are days off anyway and are not listed unless they are named
    holidays (Easter Sunday, Whit Sunday).
    """
    easter = easter_sunday(year)

    def from_easter(days: int) -> datetime.date:
        return easter + datetime.timedelta(days=days)

    days = {
        from_easter(-3): "Skjærtorsdag",
        from_easter(-2): "Langfredag",
        easter: "Første påskedag",
        from_easter(1): "Andre påskedag",
        from_easter(39): "Kristi himmelfartsdag",
        from_easter(49): "Første pinsedag",
        from_easter(50): "Andre pinsedag",
    }
    # Ascension Day can fall on 1 or 17 May; the fixed days come last so that
    # such a date keeps the fixed day's name, as calendars print it.
    days |= {
        datetime.date(year, 1, 1): "Første nyttårsdag",
        datetime.date(year, 5, 1): "Arbeidernes dag",
        datetime.date(year, 5, 17): "Grunnlovsdagen",
        datetime.date(year, 12, 25): "Første juledag",
        datetime.date(year, 12, 26): "Andre juledag",
    }
    return dict(sorted(days.items()))


def is_public_holiday(day: datetime.date) -> bool:
    return day in public_holidays(day.year)


def is_working_day(day: datetime.date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def next_working_day(
    day: datetime.date, *, is_working: Callable[[datetime.date], bool] = is_working_day
) -> datetime.date:
    """The first working day on or after `day`."""
    for _ in range(366):
        if is_working(day):
            return day
        day += datetime.timedelta(days=1)
    raise ValueError("No working day within a year")


def meeting_slots(
    first: datetime.datetime,
    length: datetime.timedelta,
    *,
    opens: datetime.time = OFFICE_OPENS,
    closes: datetime.time = OFFICE_CLOSES,
    tz: datetime.tzinfo | str = "Europe/Oslo",
    is_working: Callable[[datetime.date], bool] = is_working_day,
) -> Iterator[datetime.datetime]:
    """Yield back-to-back meeting start times from `first` on, forever.

    Every slot lies on a working day, starts at or after `opens` and ends at
    or before `closes`. A `first` outside those hours moves to the next
    opening. `first` may be naive (read as wall-clock time in `tz`) or aware.
    The yielded datetimes are aware, in `tz`.
    """
    if length <= datetime.timedelta(0):
        raise ValueError("A slot must last longer than zero minutes")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    day_length = datetime.datetime.combine(datetime.date.min, closes) - datetime.datetime.combine(
        datetime.date.min, opens
    )
    if length > day_length:
        raise ValueError("A slot must fit within the office's opening hours")
    if first.tzinfo is not None:
        first = first.astimezone(zone).replace(tzinfo=None)

    current = first
    while True:
        day = current.date()
        opening = datetime.datetime.combine(day, opens)
        closing = datetime.datetime.combine(day, closes)
        if not is_working(day) or current + length > closing:
            current = datetime.datetime.combine(
                next_working_day(day + datetime.timedelta(days=1), is_working=is_working), opens
            )
            continue
        if current < opening:
            current = opening
            continue
        yield current.replace(tzinfo=zone)
        current += length
