"""Deadlines of the way in, as pure functions."""

from __future__ import annotations

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the month's last day where it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def provisional_reply_due_on(received_on: datetime.date) -> datetime.date:
    """Forvaltningsloven § 11 a third paragraph: an application that cannot
    be answered within a month gets a provisional reply. It is due when a
    month has passed since the application was received."""
    return add_months(received_on, 1)
