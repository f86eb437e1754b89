"""The plan: what the checked files would create and change in the register.

Rows are matched by reference (households, dwellings; any case) and by
household, dwelling and start date (tenancies). Only changed fields are
planned, so importing the same files twice changes nothing. An empty cell
never erases what is already registered: it means "not given" (defaults
apply to new rows), so a caseworker's later additions – a national identity
number, an end date – survive a re-import of an old export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from dwellings.models import Dwelling, Tenancy
from housing_office.models import Municipality
from tenants.models import Household, Person, PersonRole

from .check import DwellingIn, HouseholdIn, TenancyIn, TenancyKey

DWELLING_FIELDS = (
    "address", "postal_code", "postal_place", "rooms", "area_m2", "category",
    "wheelchair_accessible", "ownership", "acquired_on", "disposed_on",
)  # fmt: skip
HOUSEHOLD_FIELDS = ("address", "postal_code", "postal_place", "phone", "email")
# Members the import made: it may remove these again, never a person a
# caseworker has named.
ANONYMOUS = Q(first_name="", last_name="", national_id="", date_of_birth__isnull=True)


# --------------------------------------------------------------------------
# What the municipality already has


@dataclass
class Existing:
    """The register, keyed as the files are matched: references lower-cased."""

    dwellings: dict[str, dict[str, Any]] = field(default_factory=dict)
    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    # household pk → its main person's row
    main_persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    # household pk → member counts (named and anonymous adults and children)
    members: dict[int, dict[str, int]] = field(default_factory=dict)
    tenancies: dict[TenancyKey, dict[str, Any]] = field(default_factory=dict)


def load_existing(municipality: Municipality | None) -> Existing:
    """Everything to compare with, in five queries."""
    existing = Existing()
    if municipality is None:
        return existing
    mid = municipality.pk
    for row in Dwelling.all_objects.filter(municipality_id=mid).values("pk", "reference", *DWELLING_FIELDS):
        existing.dwellings[row["reference"].lower()] = row
    for row in Household.all_objects.filter(municipality_id=mid).values("pk", "reference", *HOUSEHOLD_FIELDS):
        existing.households[row["reference"].lower()] = row
    persons = Person.all_objects.filter(household__municipality_id=mid)
    for row in persons.filter(role=PersonRole.MAIN).values(
        "pk", "household_id", "first_name", "last_name", "national_id"
    ):
        existing.main_persons[row["household_id"]] = row
    adult_roles = (PersonRole.CO_APPLICANT, PersonRole.ADULT)
    for row in (
        persons.values("household_id")
        .annotate(
            named_adults=Count("pk", filter=Q(role__in=adult_roles) & ~ANONYMOUS),
            anonymous_adults=Count("pk", filter=Q(role=PersonRole.ADULT) & ANONYMOUS),
            other_anonymous_adults=Count("pk", filter=Q(role=PersonRole.CO_APPLICANT) & ANONYMOUS),
            named_children=Count("pk", filter=Q(role=PersonRole.CHILD) & ~ANONYMOUS),
            anonymous_children=Count("pk", filter=Q(role=PersonRole.CHILD) & ANONYMOUS),
        )
        .order_by()
    ):
        existing.members[row["household_id"]] = row
    for row in Tenancy.all_objects.filter(municipality_id=mid).values(
        "pk",
        "household__reference",
        "dwelling__reference",
        "start_date",
        "end_date",
        "end_reason",
        "monthly_rent",
    ):
        key = (row["household__reference"].lower(), row["dwelling__reference"].lower(), row["start_date"])
        existing.tenancies[key] = row
    return existing


# --------------------------------------------------------------------------
# What to create and what to change


@dataclass
class Plan:
    new_dwellings: list[DwellingIn] = field(default_factory=list)
    changed_dwellings: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    new_households: list[HouseholdIn] = field(default_factory=list)
    changed_households: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Member changes for existing households: pk → (main person changes or
    # "create", anonymous adults +/-, anonymous children +/-)
    member_changes: list[tuple[int, HouseholdIn, dict[str, Any] | None, int, int]] = field(
        default_factory=list
    )
    new_tenancies: list[TenancyIn] = field(default_factory=list)
    changed_tenancies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def rows_to_write(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.new_dwellings, self.changed_dwellings, self.new_households, self.changed_households,
                self.new_tenancies, self.changed_tenancies,
            )
        )  # fmt: skip


def _changes(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The fields whose wanted value is given (not None or empty) and differs."""
    return {
        name: value
        for name, value in wanted.items()
        if value is not None and value != "" and current.get(name) != value
    }


def _member_plan(
    incoming: HouseholdIn, main: dict[str, Any] | None, counts: dict[str, int] | None
) -> tuple[dict[str, Any] | None, int, int, bool]:
    """What to do with an existing household's persons.

    Returns (main-person changes, or {"create": True}; anonymous adults to
    add (+) or remove (−); anonymous children likewise; anything to do).
    Named members a caseworker added are never removed; anonymous members
    fill the counts up to the file's `adults` and `children`.
    """
    counts = counts or {}
    if main is None:
        main_change: dict[str, Any] | None = {"create": True}
    else:
        main_change = (
            _changes(
                main,
                {
                    "first_name": incoming.first_name,
                    "last_name": incoming.last_name,
                    "national_id": incoming.national_id,
                },
            )
            or None
        )
    fixed_adults = 1 + counts.get("named_adults", 0) + counts.get("other_anonymous_adults", 0)
    want_anonymous_adults = max(0, incoming.adults - fixed_adults)
    want_anonymous_children = max(0, incoming.children - counts.get("named_children", 0))
    adults_delta = want_anonymous_adults - counts.get("anonymous_adults", 0)
    children_delta = want_anonymous_children - counts.get("anonymous_children", 0)
    return main_change, adults_delta, children_delta, bool(main_change or adults_delta or children_delta)


def make_plan(
    existing: Existing,
    dwellings: list[DwellingIn],
    households: list[HouseholdIn],
    tenancies: list[TenancyIn],
) -> Plan:
    """Compare the checked rows with the register. `tenancies` are those
    `check.cross_check` left usable: known references, each tenancy once."""
    plan = Plan()
    for d in dwellings:
        current = existing.dwellings.get(d.reference.lower())
        if current is None:
            plan.new_dwellings.append(d)
            continue
        wanted = {
            "address": d.address, "postal_code": d.postal_code, "postal_place": d.postal_place,
            "rooms": d.rooms, "area_m2": d.area_m2, "category": d.category,
            "wheelchair_accessible": d.wheelchair_accessible, "ownership": d.ownership,
            "acquired_on": d.acquired_on, "disposed_on": d.disposed_on,
        }  # fmt: skip
        if changes := _changes(current, wanted):
            plan.changed_dwellings.append((current["pk"], changes))

    for h in households:
        current = existing.households.get(h.reference.lower())
        if current is None:
            plan.new_households.append(h)
            continue
        changes = _changes(current, {f: getattr(h, f) for f in HOUSEHOLD_FIELDS})
        main_change, adults_delta, children_delta, members_change = _member_plan(
            h, existing.main_persons.get(current["pk"]), existing.members.get(current["pk"])
        )
        if changes or members_change:
            plan.changed_households.append((current["pk"], changes))
        if members_change:
            plan.member_changes.append((current["pk"], h, main_change, adults_delta, children_delta))

    for t in tenancies:
        current = existing.tenancies.get(t.key)
        if current is None:
            plan.new_tenancies.append(t)
            continue
        changes = _changes(
            current, {"end_date": t.end_date, "end_reason": t.end_reason, "monthly_rent": t.monthly_rent}
        )
        if changes:
            plan.changed_tenancies.append((current["pk"], changes))
    return plan
