"""Follow-up's yearly figures, counted in the database.

*Persons assisted* (as Ålesund's housing adviser service reports it:
persons, adults and children, helped in the year) are the members of the
households that, in the calendar year, had a follow-up plan running on at
least one day (started on or before 31 December, not ended before
1 January) or were granted help under the boligsosial lov § 6 (a decision of
the kind `housing_help`, standing — not replaced after a complaint —,
granted in full or in part, decided in the year, local time). A person
counts once a year however many plans and decisions the household had.
Members are the household's members as registered now (the register keeps
no history of who lived where).

*Check-ins after a purchase*: made in the year (by `done_on`), and of them
those where the household still owned its home, was behind on the start
loan, or needed help again.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from decisions.kinds import HOUSING_HELP
from decisions.models import Decision, DecisionStatus, Outcome
from tenants.models import Person, PersonRole

from .models import Answer, FollowUpContact, FollowUpPlan, PostMoveCheckIn

FIGURE_LABELS: dict[str, Any] = {
    "persons_assisted": _("Personer som har fått bistand"),
    "children_assisted": _("Barn blant dem"),
    "households_in_follow_up": _("Husstander med oppfølgingsplan"),
    "follow_up_contacts": _("Kontakter og hjemmebesøk"),
    "check_ins_done": _("Oppfølginger etter kjøp gjennomført"),
    "check_ins_still_owners": _("Eier fortsatt boligen"),
    "check_ins_behind_on_loan": _("I restanse på startlånet"),
    "check_ins_needing_help": _("Trenger hjelp igjen"),
}

# Part of a year: the last day of the period as (month, day), None for all of it.
Through = tuple[int, int] | None


def period_end(year: int, through: Through) -> datetime.date:
    if through is None:
        return datetime.date(year, 12, 31)
    month, day = through
    try:
        return datetime.date(year, month, day)
    except ValueError:  # 29 February in a year without it
        return datetime.date(year, 2, 28)


def _local_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min), tz)
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min), tz
    )
    return start, end


def assisted_households(municipality_id: int, first: datetime.date, last: datetime.date) -> QuerySet:
    """The ids of the municipality's households assisted between `first` and
    `last`, both included: a plan running on one of those days, or a § 6 help
    decision granted in them (local time)."""
    plans = FollowUpPlan.all_objects.filter(municipality_id=municipality_id, start_date__lte=last).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first)
    )
    start, end = _local_bounds(first, last)
    decisions = Decision.all_objects.filter(
        municipality_id=municipality_id,
        kind=HOUSING_HELP,
        status=DecisionStatus.DECIDED,
        outcome__in=[Outcome.GRANTED, Outcome.PARTLY_GRANTED],
        decided_at__gte=start,
        decided_at__lt=end,
    )
    return plans.order_by().values("household_id").union(decisions.order_by().values("household_id"))


def persons_assisted_series(
    municipality_id: int, first_year: int, last_year: int, *, through: Through = None
) -> dict[int, dict[str, int]]:
    """{year: {"persons_assisted": n, "children_assisted": n}} for each year
    of a range (or 1 January to `through` of each): one query for any range,
    a filtered count per year over the persons of households assisted at
    some time in it.

    The persons are reached from the plans and decisions (uncorrelated sets
    of household ids, which the database hashes once), never by testing
    every person of the municipality: the register's persons outnumber the
    assisted ones a hundred to one."""
    years = range(first_year, last_year + 1)
    periods = {year: (datetime.date(year, 1, 1), period_end(year, through)) for year in years}
    aggregates: dict[str, Any] = {}
    for year, (first, last) in periods.items():
        assisted = Q(household_id__in=assisted_households(municipality_id, first, last))
        aggregates[f"p{year}"] = Count("pk", filter=assisted)
        aggregates[f"c{year}"] = Count("pk", filter=assisted & Q(role=PersonRole.CHILD))
    whole = assisted_households(
        municipality_id, datetime.date(first_year, 1, 1), period_end(last_year, through)
    )
    row = Person.all_objects.filter(household_id__in=whole).aggregate(**aggregates)
    return {
        year: {"persons_assisted": row[f"p{year}"], "children_assisted": row[f"c{year}"]} for year in years
    }


def persons_assisted(municipality_id: int, year: int, *, through: Through = None) -> dict[str, int]:
    """{"persons_assisted": n, "children_assisted": n} for one year (or
    1 January to `through`). One query."""
    return persons_assisted_series(municipality_id, year, year, through=through)[year]


def followup_series(municipality_id: int, years: Iterable[int]) -> dict[int, dict[str, int]]:
    """Every figure of FIGURE_LABELS for each of `years` (calendar years):
    four queries for any number of years."""
    years = sorted(years)
    out: dict[int, dict[str, int]] = {
        year: dict(figures)
        for year, figures in persons_assisted_series(municipality_id, years[0], years[-1]).items()
        if year in years
    }
    bounds = {year: (datetime.date(year, 1, 1), datetime.date(year, 12, 31)) for year in years}
    plans = FollowUpPlan.all_objects.filter(municipality_id=municipality_id).aggregate(
        **{
            f"h{year}": Count(
                "household",
                distinct=True,
                filter=Q(start_date__lte=last) & (Q(end_date__isnull=True) | Q(end_date__gte=first)),
            )
            for year, (first, last) in bounds.items()
        }
    )
    contacts = FollowUpContact.all_objects.filter(municipality_id=municipality_id).aggregate(
        **{f"n{year}": Count("pk", filter=Q(date__range=period)) for year, period in bounds.items()}
    )
    answers = {"done": Q(), "owners": Q(still_owner=Answer.YES), "behind": Q(behind_on_loan=Answer.YES)}
    answers["help"] = Q(needs_help=Answer.YES)
    checks = PostMoveCheckIn.all_objects.filter(municipality_id=municipality_id).aggregate(
        **{
            f"{name}{year}": Count("pk", filter=Q(done_on__range=period) & condition)
            for year, period in bounds.items()
            for name, condition in answers.items()
        }
    )
    for year in years:
        out[year].update(
            households_in_follow_up=plans[f"h{year}"],
            follow_up_contacts=contacts[f"n{year}"],
            check_ins_done=checks[f"done{year}"],
            check_ins_still_owners=checks[f"owners{year}"],
            check_ins_behind_on_loan=checks[f"behind{year}"],
            check_ins_needing_help=checks[f"help{year}"],
        )
    return out


def followup_figures(municipality_id: int, year: int) -> dict[str, int]:
    """Every figure of FIGURE_LABELS for one calendar year."""
    return followup_series(municipality_id, [year])[year]


def followup_rows(
    municipality_id: int, years: Iterable[int], by_year: dict[int, dict[str, int]] | None = None
) -> list[dict[str, Any]]:
    """One row per figure with its value in each of `years`, for the
    dashboard's and the yearly report's tables (as arrears.figures'
    prevention rows). Four queries, or none from `by_year`, the
    `followup_series` of those years counted before."""
    years = list(years)
    if by_year is None:
        by_year = followup_series(municipality_id, years)
    return [
        {"label": label, "key": key, "values": [by_year[y][key] for y in years], "decimals": 0}
        for key, label in FIGURE_LABELS.items()
    ]
