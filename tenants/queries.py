"""Query building blocks for the household pages: botid, current dwelling,
children and arrears computed in the database, so a list of households costs
the same few queries whatever its length."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat

from dwellings.models import RentArrears, Tenancy

from .models import Household, PathwayStage, Person, PersonRole

# The pathway in its natural order, for sorting by stage.
STAGE_ORDER = {stage.value: index for index, stage in enumerate(PathwayStage)}

DAYS_PER_YEAR = 365.25


def years_ago(today: datetime.date, years: float | Decimal | int) -> datetime.date:
    """The date `years` before `today`: whole years by the calendar (29 February
    becomes 28 February), the fraction as days."""
    whole = int(years)
    fraction = float(years) - whole
    try:
        day = today.replace(year=today.year - whole)
    except ValueError:
        day = today.replace(year=today.year - whole, day=28)
    return day - datetime.timedelta(days=round(fraction * DAYS_PER_YEAR))


def botid_years(start: datetime.date | None, today: datetime.date) -> float | None:
    """Time in the dwelling in years, as `Tenancy.years_on` computes it."""
    if start is None:
        return None
    return (today - start).days / DAYS_PER_YEAR


def running_tenancies(today: datetime.date) -> QuerySet[Tenancy]:
    """The household's running tenancy on `today`, newest first, for subqueries."""
    return Tenancy.objects.running(today).filter(household=OuterRef("pk")).order_by("-start_date", "-pk")


def stage_order_expression() -> Case:
    return Case(
        *[When(pathway_stage=value, then=Value(index)) for value, index in STAGE_ORDER.items()],
        default=Value(len(STAGE_ORDER)),
        output_field=IntegerField(),
    )


def main_person_name(household: str = "pk") -> Subquery:
    """The main person's full name; `household` names the outer household id."""
    main = Person.objects.filter(household=OuterRef(household), role=PersonRole.MAIN).annotate(
        name=Concat("first_name", Value(" "), "last_name", output_field=CharField())
    )
    return Subquery(main.values("name")[:1], output_field=CharField())


def children_count() -> Coalesce:
    children = (
        Person.objects.filter(household=OuterRef("pk"), role=PersonRole.CHILD)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(children, output_field=IntegerField()), Value(0))


def open_arrears() -> Exists:
    return Exists(RentArrears.objects.filter(tenancy__household=OuterRef("pk"), settled_on__isnull=True))


def with_overview(queryset: QuerySet[Household], today: datetime.date) -> QuerySet[Household]:
    """Annotate what the household lists show, each as one subquery:

    `current_tenancy_id`, `current_start` (botid is `today - current_start`),
    `current_dwelling_id`, `current_dwelling_reference`, `current_dwelling_address`,
    `main_name`, `children` (count), `has_open_arrears`, `stage_order`.
    """
    running = running_tenancies(today)
    return queryset.select_related("caseworker").annotate(
        current_tenancy_id=Subquery(running.values("pk")[:1]),
        current_start=Subquery(running.values("start_date")[:1]),
        current_dwelling_id=Subquery(running.values("dwelling_id")[:1]),
        current_dwelling_reference=Subquery(running.values("dwelling__reference")[:1]),
        current_dwelling_address=Subquery(running.values("dwelling__address")[:1]),
        main_name=main_person_name(),
        children=children_count(),
        has_open_arrears=open_arrears(),
        stage_order=stage_order_expression(),
    )


def with_botid_at_least(
    queryset: QuerySet[Household], today: datetime.date, years: float | Decimal | int
) -> QuerySet[Household]:
    """Keep households whose running tenancy started at least `years` ago."""
    cutoff = years_ago(today, years)
    return queryset.filter(
        Exists(running_tenancies(today).filter(start_date__lte=cutoff)),
    )


def has_children() -> Exists:
    return Exists(Person.objects.filter(household=OuterRef("pk"), role=PersonRole.CHILD))
