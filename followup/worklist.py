"""The adviser's worklist: agreed actions due or overdue, households in
follow-up with no contact for a while, and the check-ins after a purchase
that are due. Each part is one query, whatever the number of households.

A check-in is on the list from the day it falls due (one or three years
after the tenancy ended `bought_own_home`) for CHECK_IN_WINDOW_DAYS days;
one not made by then has been missed and leaves the list, so that an office
that starts using this does not get every purchase of the last decade.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from dwellings.models import EndReason, Tenancy
from tenants.queries import main_person_name

from .models import CHECK_IN_YEARS, AgreedAction, FollowUpPlan, PostMoveCheckIn
from .services import add_years

# Actions due within this many days are listed with the overdue ones.
ACTIONS_AHEAD_DAYS = 7
CHECK_IN_WINDOW_DAYS = 365


def years_before(day: datetime.date, years: int) -> datetime.date:
    return add_years(day, -years)


def actions_due(today: datetime.date, adviser: Any = None) -> QuerySet[AgreedAction]:
    """Open actions of open plans due within ACTIONS_AHEAD_DAYS days or
    overdue, the oldest deadline first."""
    actions = AgreedAction.objects.filter(
        done_on__isnull=True,
        plan__end_date__isnull=True,
        due_on__lte=today + datetime.timedelta(days=ACTIONS_AHEAD_DAYS),
    )
    if adviser is not None:
        actions = actions.filter(plan__adviser=adviser)
    return (
        actions.select_related("plan__household", "plan__adviser")
        .annotate(main_name=main_person_name("plan__household"))
        .order_by("due_on", "pk")
    )


def quiet_plans(today: datetime.date, days: int, adviser: Any = None) -> QuerySet[FollowUpPlan]:
    """Open plans whose latest contact (or, with none, whose start) is more
    than `days` days ago, the longest silence first."""
    cutoff = today - datetime.timedelta(days=days)
    plans = FollowUpPlan.objects.filter(end_date__isnull=True)
    if adviser is not None:
        plans = plans.filter(adviser=adviser)
    return (
        plans.annotate(last_contact=Max("contacts__date"))
        .filter(Q(last_contact__lt=cutoff) | Q(last_contact__isnull=True, start_date__lt=cutoff))
        .select_related("household", "adviser")
        .annotate(main_name=main_person_name("household"))
        .order_by("last_contact", "start_date", "pk")
    )


@dataclass(frozen=True)
class CheckInDue:
    tenancy: Tenancy
    years_after: int
    due_on: datetime.date
    main_name: str | None


def check_ins_due(today: datetime.date) -> list[CheckInDue]:
    """The check-ins due today, the oldest first: one query per milestone."""
    due: list[CheckInDue] = []
    for years in CHECK_IN_YEARS:
        last_end = years_before(today, years)
        first_end = last_end - datetime.timedelta(days=CHECK_IN_WINDOW_DAYS)
        done = PostMoveCheckIn.all_objects.filter(tenancy=OuterRef("pk"), years_after=years)
        tenancies = (
            Tenancy.objects.filter(
                end_reason=EndReason.BOUGHT_OWN_HOME, end_date__gt=first_end, end_date__lte=last_end
            )
            .filter(~Exists(done))
            .select_related("household", "dwelling")
            .annotate(main_name=main_person_name("household"))
        )
        due += [CheckInDue(t, years, add_years(t.end_date, years), t.main_name) for t in tenancies]
    return sorted(due, key=lambda c: (c.due_on, c.tenancy.pk))
