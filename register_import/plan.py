"""The plan: what the checked files would create and change in the register.

Rows are matched by reference (households, dwellings; any case) and by
household, dwelling and start date (tenancies). Only changed fields are
planned, so importing the same files twice changes nothing. An empty cell
never erases what is already registered: it means "not given" (defaults
apply to new rows), so a caseworker's later additions – a national identity
number, an end date – survive a re-import of an old export.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

from django.db import connection, connections
from django.db.models import Count, Max, Q, QuerySet

from dwellings.models import Dwelling, Tenancy
from housing_office.models import Municipality
from tenants.models import Household, Person, PersonRole

from .check import DwellingIn, HouseholdIn, TenancyIn, TenancyKey

DWELLING_FIELDS = (
    "address", "postal_code", "postal_place", "rooms", "area_m2", "category",
    "wheelchair_accessible", "ownership", "acquired_on", "disposed_on",
)  # fmt: skip
HOUSEHOLD_FIELDS = ("address", "postal_code", "postal_place", "phone", "email")
TENANCY_FIELDS = ("end_date", "end_reason", "monthly_rent")
# Members the import made: it may remove these again, never a person a
# caseworker has named.
ANONYMOUS = Q(first_name="", last_name="", national_id="", date_of_birth__isnull=True)
# The counts of a household with no persons at all.
NO_MEMBERS = dict.fromkeys(
    ("named_adults", "anonymous_adults", "other_anonymous_adults", "named_children", "anonymous_children"), 0
)


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


def _rows(queryset: QuerySet[Any], *names: str, **annotations: Any) -> Iterator[dict[str, Any]]:
    """The rows as dicts, as `values()` gives them, but made from tuples in
    C: `values()` builds each dict in Python, which at national size (a
    million and a half rows) costs more than the queries."""
    if annotations:
        # Counts and text only: read straight from the cursor, without the
        # ORM's conversion of every value, alike on every database.
        queryset = queryset.annotate(**annotations).values_list(*names, *annotations)
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows: Iterable[Any] = cursor.fetchall()
    else:
        rows = queryset.values_list(*names)
    names = (*names, *annotations)
    return (dict(zip(names, row, strict=True)) for row in rows)


def load_existing(municipality: Municipality | None) -> Existing:
    """Everything to compare with, in four queries."""
    existing = Existing()
    if municipality is None:
        return existing
    mid = municipality.pk
    for row in _rows(Dwelling.all_objects.filter(municipality_id=mid), "pk", "reference", *DWELLING_FIELDS):
        existing.dwellings[row["reference"].lower()] = row
    for row in _rows(Household.all_objects.filter(municipality_id=mid), "pk", "reference", *HOUSEHOLD_FIELDS):
        existing.households[row["reference"].lower()] = row
    # One row per household: its main person (there is at most one) and
    # its members counted, in one pass over the persons.
    adult_roles = (PersonRole.CO_APPLICANT, PersonRole.ADULT)
    main = Q(role=PersonRole.MAIN)
    for row in _rows(
        Person.all_objects.filter(household__municipality_id=mid).values("household_id").order_by(),
        "household_id",
        main_pk=Max("pk", filter=main),
        main_first_name=Max("first_name", filter=main),
        main_last_name=Max("last_name", filter=main),
        main_national_id=Max("national_id", filter=main),
        named_adults=Count("pk", filter=Q(role__in=adult_roles) & ~ANONYMOUS),
        anonymous_adults=Count("pk", filter=Q(role=PersonRole.ADULT) & ANONYMOUS),
        other_anonymous_adults=Count("pk", filter=Q(role=PersonRole.CO_APPLICANT) & ANONYMOUS),
        named_children=Count("pk", filter=Q(role=PersonRole.CHILD) & ~ANONYMOUS),
        anonymous_children=Count("pk", filter=Q(role=PersonRole.CHILD) & ANONYMOUS),
    ):
        existing.members[row["household_id"]] = row
        if row["main_pk"] is not None:
            existing.main_persons[row["household_id"]] = {
                "pk": row["main_pk"], "first_name": row["main_first_name"],
                "last_name": row["main_last_name"], "national_id": row["main_national_id"],
            }  # fmt: skip
    for row in _rows(
        Tenancy.all_objects.filter(municipality_id=mid),
        "pk", "household__reference", "dwelling__reference", "start_date", *TENANCY_FIELDS,
    ):  # fmt: skip
        key = (row["household__reference"].lower(), row["dwelling__reference"].lower(), row["start_date"])
        existing.tenancies[key] = row
    return existing


def load_existing_meanwhile(municipality: Municipality | None) -> Callable[[], Existing]:
    """Start reading the register, and return the function that waits for it.

    On PostgreSQL, outside a transaction, the queries run on a connection of
    their own in a thread while the caller reads the files: the database
    works on them (a second of scanning and joining per query at national
    size) while Python parses, instead of after it. Inside a transaction
    another connection would not see its rows (a test's, or a caller's that
    wrote first), so there, and on SQLite, the register is read when asked
    for. Either way it is read before the write's own transaction begins,
    as it always was."""
    if municipality is None or connection.vendor != "postgresql" or connection.in_atomic_block:
        return lambda: load_existing(municipality)
    outcome: dict[str, Any] = {}

    def read() -> None:
        try:
            outcome["existing"] = load_existing(municipality)
        except BaseException as exc:  # handed to the caller, who raises it
            outcome["error"] = exc
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=read, name="register-import-load", daemon=True)
    thread.start()

    def wait() -> Existing:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["existing"]

    return wait


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
    # The registered rows' keys by lower-cased reference: the writer adds
    # the new rows' keys and never reads them back.
    dwelling_pks: dict[str, int] = field(default_factory=dict)
    household_pks: dict[str, int] = field(default_factory=dict)

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


def _changes_of(current: dict[str, Any], names: tuple[str, ...], wanted: tuple[Any, ...]) -> dict[str, Any]:
    return _changes(current, dict(zip(names, wanted, strict=True)))


def _member_plan(
    incoming: HouseholdIn, main: dict[str, Any] | None, counts: dict[str, int] | None
) -> tuple[dict[str, Any] | None, int, int, bool]:
    """What to do with an existing household's persons.

    Returns (main-person changes, or {"create": True}; anonymous adults to
    add (+) or remove (−); anonymous children likewise; anything to do).
    Named members a caseworker added are never removed; anonymous members
    fill the counts up to the file's `adults` and `children`.
    """
    counts = counts or NO_MEMBERS
    if main is None:
        main_change: dict[str, Any] | None = {"create": True}
    elif (
        # As registered (the usual case), without building the comparison.
        main["first_name"] == incoming.first_name
        and main["last_name"] == incoming.last_name
        and (not incoming.national_id or main["national_id"] == incoming.national_id)
    ):
        main_change = None
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
    fixed_adults = 1 + counts["named_adults"] + counts["other_anonymous_adults"]
    want_anonymous_adults = max(0, incoming.adults - fixed_adults)
    want_anonymous_children = max(0, incoming.children - counts["named_children"])
    adults_delta = want_anonymous_adults - counts["anonymous_adults"]
    children_delta = want_anonymous_children - counts["anonymous_children"]
    return main_change, adults_delta, children_delta, bool(main_change or adults_delta or children_delta)


def make_plan(
    existing: Existing,
    dwellings: list[DwellingIn],
    households: list[HouseholdIn],
    tenancies: list[TenancyIn],
) -> Plan:
    """Compare the checked rows with the register. `tenancies` are those
    `check.cross_check` left usable: known references, each tenancy once."""
    plan = Plan(
        dwelling_pks={ref: row["pk"] for ref, row in existing.dwellings.items()},
        household_pks={ref: row["pk"] for ref, row in existing.households.items()},
    )
    # Most rows of a re-import are as registered: one comparison of tuples
    # (made in C) settles them, and only the others are compared field by field.
    in_file, registered = attrgetter(*DWELLING_FIELDS), itemgetter(*DWELLING_FIELDS)
    for d in dwellings:
        current = existing.dwellings.get(d.reference.lower())
        if current is None:
            plan.new_dwellings.append(d)
            continue
        wanted = in_file(d)
        if wanted != registered(current) and (changes := _changes_of(current, DWELLING_FIELDS, wanted)):
            plan.changed_dwellings.append((current["pk"], changes))

    in_file, registered = attrgetter(*HOUSEHOLD_FIELDS), itemgetter(*HOUSEHOLD_FIELDS)
    for h in households:
        current = existing.households.get(h.reference.lower())
        if current is None:
            plan.new_households.append(h)
            continue
        wanted = in_file(h)
        changes = _changes_of(current, HOUSEHOLD_FIELDS, wanted) if wanted != registered(current) else {}
        main_change, adults_delta, children_delta, members_change = _member_plan(
            h, existing.main_persons.get(current["pk"]), existing.members.get(current["pk"])
        )
        if changes or members_change:
            plan.changed_households.append((current["pk"], changes))
        if members_change:
            plan.member_changes.append((current["pk"], h, main_change, adults_delta, children_delta))

    in_file, registered = attrgetter(*TENANCY_FIELDS), itemgetter(*TENANCY_FIELDS)
    for t in tenancies:
        current = existing.tenancies.get(t.key)
        if current is None:
            plan.new_tenancies.append(t)
            continue
        wanted = in_file(t)
        if wanted != registered(current) and (changes := _changes_of(current, TENANCY_FIELDS, wanted)):
            plan.changed_tenancies.append((current["pk"], changes))
    return plan
