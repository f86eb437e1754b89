"""The waiting list and the households that fit a vacant dwelling.

The waiting list holds the granted applications not yet housed, ordered by
the most important of their allocation criteria (the lowest priority
number; an application without criteria comes after those with) and then
by waiting time since the grant. Everything is annotated in the database, so
a page of the list is a fixed number of queries.

Fit for a dwelling (`fitting_applications`):
* the household needs no wheelchair access, or the dwelling has it;
* the dwelling has at least the rooms the application asks for;
* not overcrowded: at most two persons per room;
* not far too large: at most one room more than the household has persons.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tenants.models import Person

from .models import Application, ApplicationStatus, Offer

# Persons per room, at most (the fit rule's crowding limit).
PERSONS_PER_ROOM = 2
# Rooms beyond the household's persons, at most.
SPARE_ROOMS = 1
NO_CRITERION = 10_000


def waiting_list() -> QuerySet[Application]:
    """Granted, not housed applications, best first, with `best_priority`,
    `persons` and `has_open_offer` annotated."""
    members = (
        Person.objects.filter(household=OuterRef("household"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Application.objects.filter(status=ApplicationStatus.GRANTED)
        .select_related("household")
        .annotate(
            best_priority=Coalesce(
                Min("criteria__priority", filter=Q(criteria__active=True)),
                Value(NO_CRITERION),
                output_field=IntegerField(),
            ),
            persons=Coalesce(Subquery(members, output_field=IntegerField()), Value(1)),
            has_open_offer=Exists(Offer.objects.filter(application=OuterRef("pk"), answer="")),
        )
        .order_by("best_priority", "decided_on", "received_on", "pk")
    )


def waiting_list_size(today: datetime.date | None = None) -> int:
    """The start page's figure: granted applications not yet housed."""
    return Application.objects.filter(status=ApplicationStatus.GRANTED).count()


def fitting_applications(dwelling) -> QuerySet[Application]:
    """The waiting list's applications that fit `dwelling`, best first,
    leaving out those with an offer waiting for an answer."""
    qs = waiting_list().filter(has_open_offer=False)
    if not dwelling.wheelchair_accessible:
        qs = qs.filter(wheelchair_needed=False)
    return qs.filter(
        Q(rooms_needed__isnull=True) | Q(rooms_needed__lte=dwelling.rooms),
        persons__lte=dwelling.rooms * PERSONS_PER_ROOM,
        persons__gte=dwelling.rooms - SPARE_ROOMS,
    ).order_by(F("best_priority").asc(), "decided_on", "received_on", "pk")


@dataclass(frozen=True)
class Fit:
    application: Application
    reasons: list[str]


def fit_reasons(application: Application, dwelling, today: datetime.date) -> list[str]:
    """Why `application` fits `dwelling`, in words for the caseworker."""
    reasons = []
    if application.wheelchair_needed:
        reasons.append(_("Trenger tilgjengelig bolig, og boligen er tilgjengelig for rullestol."))
    persons = getattr(application, "persons", 1)
    reasons.append(
        _("%(p)s personer i husstanden passer til %(r)s rom.") % {"p": persons, "r": dwelling.rooms}
    )
    if application.rooms_needed:
        reasons.append(_("Søkt om minst %(n)s rom.") % {"n": application.rooms_needed})
    if getattr(application, "best_priority", NO_CRITERION) != NO_CRITERION:
        names = ", ".join(c.name for c in application.criteria.all() if c.active)
        reasons.append(_("Tildelingskriterier: %(c)s.") % {"c": names})
    if application.decided_on:
        reasons.append(
            _("Har ventet %(d)s dager siden innvilgelsen.") % {"d": (today - application.decided_on).days}
        )
    if application.area_wishes:
        reasons.append(_("Ønsket område: %(a)s.") % {"a": application.area_wishes})
    return reasons


def fits_for(dwelling, today: datetime.date, limit: int = 20) -> list[Fit]:
    """The best fitting applications with their reasons: two queries."""
    rows = list(fitting_applications(dwelling).prefetch_related("criteria")[:limit])
    return [Fit(row, fit_reasons(row, dwelling, today)) for row in rows]
