"""Query building blocks for the household pages: botid, current dwelling,
children and arrears computed in the database, so a list of households costs
the same few queries whatever its length.

Tenancies belong to the dwellings app and arrears cases to the arrears app,
both built on this one: they are reached here only through the household's
own relations (`tenancies`, `tenancies__arrears_cases`), never by importing
those apps."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.core.paginator import Page
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat

from housing_office.dates import DAYS_PER_YEAR
from housing_office.paging import ChainedIds, ids_first_page
from housing_office.periods import running_on
from housing_office.scoping import current_scope

from .models import Household, PathwayStage, Person, PersonRole

# The pathway in its natural order, for sorting by stage.
STAGE_ORDER = {stage.value: index for index, stage in enumerate(PathwayStage)}


def years_ago(today: datetime.date, years: float | Decimal | int) -> datetime.date:
    """The date `years` before `today`: whole years by the calendar (29 February
    becomes 28 February), the fraction as days."""
    whole = int(years)
    fraction = float(years) - whole
    try:
        day = today.replace(year=today.year - whole)
    except ValueError:
        day = today.replace(year=today.year - whole, day=28)
    return day - datetime.timedelta(days=round(fraction * float(DAYS_PER_YEAR)))


def botid_years(start: datetime.date | None, today: datetime.date) -> float | None:
    """Time in the dwelling in years, as `Tenancy.years_on` computes it."""
    if start is None:
        return None
    return (today - start).days / float(DAYS_PER_YEAR)


def with_current_tenancy(queryset: QuerySet[Household], today: datetime.date) -> QuerySet[Household]:
    """Join the household's tenancy running on `today` once, as `current`
    (empty when it has none). A household has at most one tenancy running on
    a day (the letting rules and the database see to it), so the join never
    repeats a household."""
    return queryset.alias(current=FilteredRelation("tenancies", condition=running_on(today, "tenancies__")))


def _tenancies() -> QuerySet:
    """All tenancies, unscoped: for subqueries correlated with a household
    that is itself scoped. Reached through the relation's model, since
    tenancies belong to the dwellings app above this one; a subquery from
    the tenancy table does not join the household table again, as one
    through `Household.all_objects` would."""
    return Household._meta.get_field("tenancies").related_model.all_objects.all()


def stage_order_expression() -> Case:
    return Case(
        *[When(pathway_stage=value, then=Value(index)) for value, index in STAGE_ORDER.items()],
        default=Value(len(STAGE_ORDER)),
        output_field=IntegerField(),
    )


def main_person_name(household: str = "pk") -> Subquery:
    """The main person's full name; `household` names the outer household id."""
    # A household has one main person; Person's default ordering would join
    # households (it orders by the household's reference) for nothing.
    main = (
        Person.objects.filter(household=OuterRef(household), role=PersonRole.MAIN)
        .order_by()
        .annotate(name=Concat("first_name", Value(" "), "last_name", output_field=CharField()))
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
    """Whether the household has an open arrears case (the arrears app's
    record, read through the relation's name: tenants imports neither app)."""
    return Exists(
        _tenancies().filter(
            household=OuterRef("pk"), arrears_cases__isnull=False, arrears_cases__closed_on__isnull=True
        )
    )


def with_overview(queryset: QuerySet[Household], today: datetime.date) -> QuerySet[Household]:
    """Annotate what the household lists show, each as one subquery:

    `current_tenancy_id`, `current_start` (botid is `today - current_start`),
    `current_dwelling_id`, `current_dwelling_reference`, `current_dwelling_address`,
    `main_name`, `children` (count), `has_open_arrears`, `stage_order`.
    """
    return with_current_tenancy(queryset.select_related("caseworker"), today).annotate(
        current_tenancy_id=F("current__pk"),
        current_start=F("current__start_date"),
        current_dwelling_id=F("current__dwelling_id"),
        current_dwelling_reference=F("current__dwelling__reference"),
        current_dwelling_address=F("current__dwelling__address"),
        main_name=main_person_name(),
        children=children_count(),
        has_open_arrears=open_arrears(),
        stage_order=stage_order_expression(),
    )


def overview_page(
    queryset: QuerySet[Household] | ChainedIds,
    today: datetime.date,
    per_page: int,
    number: object,
    annotate: Callable[[QuerySet[Household]], QuerySet[Household]] | None = None,
    one_query: bool = False,
) -> Page:
    """One page of `queryset` (filtered and ordered on the household's own
    columns, or the `ChainedIds` of `by_botid`), annotated as
    `with_overview` does and then by `annotate`: the overview's joins and
    subqueries run for the page's rows alone (`housing_office.paging`)."""

    def rows(ids: Sequence[int]) -> QuerySet[Household]:
        annotated = with_overview(Household.objects.filter(pk__in=ids), today)
        return annotate(annotated) if annotate is not None else annotated

    return ids_first_page(queryset, per_page, number, rows, one_query=one_query)


def by_botid(households: QuerySet[Household], today: datetime.date, longest_first: bool) -> ChainedIds:
    """The ids of `households` by time in the dwelling: those with a running
    tenancy by its start (the longest or the shortest first), then those
    without one by reference.

    One query with the running tenancy left-joined had to join and sort the
    whole municipality for the first page; in two parts, the first follows
    the tenancies' index on (municipality, start) and stops at the page."""
    condition = running_on(today, "tenancies__")
    municipality_id = current_scope().municipality_id
    if municipality_id is not None:
        # The same municipality as the household's, said of the tenancy so
        # that the index on (municipality, start) can give the order.
        condition &= Q(tenancies__municipality_id=municipality_id)
    start = F("botid_tenancy__start_date")
    with_tenancy = (
        households.alias(botid_tenancy=FilteredRelation("tenancies", condition=condition))
        .filter(botid_tenancy__isnull=False)
        .order_by(start.asc() if longest_first else start.desc(), "reference", "pk")
    )
    without = households.exclude(
        Exists(_tenancies().filter(running_on(today), household=OuterRef("pk")))
    ).order_by("reference", "pk")
    # The two parts split `households`: counting those needs no join.
    return ChainedIds(with_tenancy, without, whole=households)


def with_botid_at_least(
    queryset: QuerySet[Household], today: datetime.date, years: float | Decimal | int
) -> QuerySet[Household]:
    """Keep households whose running tenancy started at least `years` ago."""
    cutoff = years_ago(today, years)
    return queryset.filter(
        Exists(_tenancies().filter(running_on(today), household=OuterRef("pk"), start_date__lte=cutoff))
    )


def has_children() -> Exists:
    return Exists(Person.objects.filter(household=OuterRef("pk"), role=PersonRole.CHILD))
