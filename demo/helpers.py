"""Dates and random picks shared by the generator's parts."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable

from django.utils import timezone

DAY = datetime.timedelta(days=1)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def weekday_before(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day -= DAY
    return day


def workday_near(rng: random.Random, day: datetime.date, latest: datetime.date) -> datetime.date:
    """A weekday close to `day`, not after `latest`: Saturdays move back,
    Sundays forward, so that Fridays do not collect the weekends' work."""
    if day.weekday() == 5:
        day -= rng.choice((1, 2)) * DAY
    elif day.weekday() == 6:
        day += rng.choice((1, 2)) * DAY
    return day if day <= latest else weekday_before(latest)


def weekday_after(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += DAY
    return day


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    if last <= first:
        return first
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def weighted(rng: random.Random, pairs: Iterable[tuple[str, float]]) -> str:
    items = list(pairs)
    return rng.choices([k for k, _w in items], weights=[w for _k, w in items])[0]


def round_to(value: float, step: int) -> int:
    return int(round(value / step) * step)


def random_phone(rng: random.Random) -> str:
    return f"{rng.choice('49')}{rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 999):03d}"
