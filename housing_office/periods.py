"""Periods with a start date and an end date that is empty while they run
(a tenancy, a lease): the one rule for "running on a day"."""

from __future__ import annotations

import datetime

from django.db.models import Q


def running_on(day: datetime.date, prefix: str = "") -> Q:
    """The period has begun on or before `day` and has not ended by then:
    its end date is empty or after `day` (the end date is the first day it no
    longer runs). `prefix` reaches the period through a relation, e.g.
    "tenancies__" from a household."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": day})
    )
