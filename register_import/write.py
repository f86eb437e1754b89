"""Writing a checked plan to the register, in batches, all or nothing.

Rows are written with COPY (PostgreSQL) or `bulk_create`, and `bulk_update`,
in batches: a fixed number of queries per batch, never one per row, so a
register of 100,000 tenancies imports in minutes. The caller holds the
transaction, so a failure leaves nothing behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from dwellings.models import Dwelling, DwellingCategory, Ownership, Tenancy
from housing_office.models import Municipality
from tenants.models import Household, Person, PersonRole
from tenants.services import search_text_from

from .plan import ANONYMOUS, Plan

BATCH_SIZE = 1000

# done, total, message: the job page shows it.
Progress = Callable[[int, int, str], None]


def _batches(items: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    # BATCH_SIZE read at call time, so that a test may make it smaller.
    size = size or BATCH_SIZE
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Writer:
    """Writes a plan to one municipality's register, reporting progress as it goes.

    Call inside a transaction: the import is all or nothing."""

    def __init__(self, municipality: Municipality, progress: Progress | None, total: int) -> None:
        self.municipality = municipality
        self.progress = progress
        self.total = total
        self.done = 0
        self.now = timezone.now()

    def step(self, n: int, message: str) -> None:
        self.done = min(self.total, self.done + n)
        if self.progress:
            self.progress(self.done, self.total, message)

    def _bulk_update(self, model: type, changes: Sequence[tuple[int, dict[str, Any]]], **extra: Any) -> None:
        """Write each row's changed fields. bulk_update takes one field list
        per statement, so rows get their other fields' current values back."""
        changes = [(pk, c) for pk, c in changes if c]
        if not changes:
            return
        fields = set().union(*(c.keys() for _pk, c in changes))
        current = {
            row["pk"]: row
            for row in model.all_objects.filter(pk__in=[pk for pk, _c in changes]).values("pk", *fields)  # type: ignore[attr-defined]
        }
        objs = []
        for pk, c in changes:
            values = {name: current[pk][name] for name in fields}
            values.update(c)
            objs.append(model(pk=pk, **extra, **values))
        extra_fields = {name for name in extra if not name.endswith("_id")}
        model.all_objects.bulk_update(objs, sorted(fields | extra_fields))  # type: ignore[attr-defined]

    def insert(self, model: type, rows: list[dict[str, Any]], *, ids: bool = False) -> list[int]:
        """Insert new rows given as attname → value; the model's defaults
        fill the rest. Returns their primary keys when `ids`.

        On PostgreSQL the rows go in through one COPY per batch (with keys
        drawn from the table's sequence first when wanted): the ORM's
        bulk_create spends most of its time preparing each value in Python.
        Elsewhere bulk_create does it.
        """
        if not rows:
            return []
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]  # type: ignore[attr-defined]
        defaults: dict[str, Any] = {}
        for f in fields:
            if (
                getattr(f, "auto_now", False)
                or getattr(f, "auto_now_add", False)
                or f.attname == "created_at"
            ):
                defaults[f.attname] = self.now
            elif f.has_default():
                defaults[f.attname] = f.get_default()
            else:
                defaults[f.attname] = None
        if connection.vendor != "postgresql":
            objs = model.all_objects.bulk_create([model(**{**defaults, **row}) for row in rows])  # type: ignore[attr-defined]
            return [obj.pk for obj in objs]
        table = model._meta.db_table  # type: ignore[attr-defined]
        pk_column = model._meta.pk.column  # type: ignore[attr-defined]
        quote = connection.ops.quote_name
        keys: list[int] = []
        with connection.cursor() as cursor:
            if ids:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk_column, len(rows)],
                )
                keys = [row[0] for row in cursor.fetchall()]
            columns = ([quote(pk_column)] if ids else []) + [quote(f.column) for f in fields]
            attnames = [f.attname for f in fields]
            with cursor.cursor.copy(f"COPY {quote(table)} ({', '.join(columns)}) FROM STDIN") as copy:
                for i, row in enumerate(rows):
                    values = [row.get(name, defaults[name]) for name in attnames]
                    copy.write_row([keys[i], *values] if ids else values)
        return keys

    def dwellings(self, plan: Plan) -> dict[str, int]:
        mid = self.municipality.pk
        for batch in _batches(plan.changed_dwellings):
            self._bulk_update(Dwelling, batch, municipality_id=mid, updated_at=self.now)
            self.step(len(batch), _("Oppdaterer boliger"))
        for batch in _batches(plan.new_dwellings):
            self.insert(
                Dwelling,
                [
                    {
                        "municipality_id": mid, "reference": d.reference, "address": d.address,
                        "postal_code": d.postal_code, "postal_place": d.postal_place, "rooms": d.rooms,
                        "area_m2": d.area_m2, "category": d.category or DwellingCategory.GENERAL.value,
                        "wheelchair_accessible": bool(d.wheelchair_accessible),
                        "ownership": d.ownership or Ownership.OWNED.value,
                        "acquired_on": d.acquired_on, "disposed_on": d.disposed_on,
                    }
                    for d in batch
                ],
            )  # fmt: skip
            self.step(len(batch), _("Oppretter boliger"))
        return {
            ref.lower(): pk
            for pk, ref in Dwelling.all_objects.filter(municipality_id=mid).values_list("pk", "reference")
        }

    def households(self, plan: Plan) -> dict[str, int]:
        mid = self.municipality.pk
        touched: list[int] = []
        for batch in _batches(plan.changed_households):
            self._bulk_update(Household, batch, municipality_id=mid, updated_at=self.now)
            touched.extend(pk for pk, _c in batch)
        self._members(plan)
        self.step(len(plan.changed_households), _("Oppdaterer husstander"))

        for batch in _batches(plan.new_households):
            keys = self.insert(
                Household,
                [
                    {
                        "municipality_id": mid, "reference": h.reference, "address": h.address,
                        "postal_code": h.postal_code, "postal_place": h.postal_place, "phone": h.phone,
                        "email": h.email, "stage_changed_at": self.now,
                        "search_text": search_text_from(
                            h.reference, h.address, h.postal_place, [(h.first_name, h.last_name)]
                        ),
                    }
                    for h in batch
                ],
                ids=True,
            )  # fmt: skip
            persons: list[dict[str, Any]] = []
            for key, h in zip(keys, batch, strict=True):
                persons.append(
                    {"household_id": key, "role": PersonRole.MAIN.value, "first_name": h.first_name,
                     "last_name": h.last_name, "national_id": h.national_id}
                )  # fmt: skip
                persons += [{"household_id": key, "role": PersonRole.ADULT.value}] * (h.adults - 1)
                persons += [{"household_id": key, "role": PersonRole.CHILD.value}] * h.children
            self.insert(Person, persons)
            self.step(len(batch), _("Oppretter husstander"))
        self._refresh_search_text(touched)
        return {
            ref.lower(): pk
            for pk, ref in Household.all_objects.filter(municipality_id=mid).values_list("pk", "reference")
        }

    def _members(self, plan: Plan) -> None:
        for batch in _batches(plan.member_changes):
            create: list[Person] = []
            main_changes: dict[int, dict[str, Any]] = {}
            remove: dict[tuple[str, int], int] = {}
            for pk, h, main_change, adults_delta, children_delta in batch:
                if main_change and main_change.get("create"):
                    create.append(
                        Person(household_id=pk, role=PersonRole.MAIN, first_name=h.first_name,
                               last_name=h.last_name, national_id=h.national_id)
                    )  # fmt: skip
                elif main_change:
                    main_changes[pk] = main_change
                create += [
                    Person(household_id=pk, role=PersonRole.ADULT) for _i in range(max(0, adults_delta))
                ]
                create += [
                    Person(household_id=pk, role=PersonRole.CHILD) for _i in range(max(0, children_delta))
                ]
                if adults_delta < 0:
                    remove[(PersonRole.ADULT.value, pk)] = -adults_delta
                if children_delta < 0:
                    remove[(PersonRole.CHILD.value, pk)] = -children_delta
            if main_changes:
                mains = dict(
                    Person.all_objects.filter(
                        household_id__in=main_changes, role=PersonRole.MAIN
                    ).values_list("household_id", "pk")
                )
                self._bulk_update(Person, [(mains[hh], c) for hh, c in main_changes.items()])
            if remove:
                # Only anonymous members go; the newest first.
                doomed: list[int] = []
                for pk, household_id, role in (
                    Person.all_objects.filter(household_id__in={hh for _role, hh in remove})
                    .filter(ANONYMOUS, role__in=(PersonRole.ADULT, PersonRole.CHILD))
                    .order_by("-pk")
                    .values_list("pk", "household_id", "role")
                ):
                    if remove.get((role, household_id), 0) > 0:
                        remove[(role, household_id)] -= 1
                        doomed.append(pk)
                Person.all_objects.filter(pk__in=doomed).delete()
            if create:
                Person.all_objects.bulk_create(create)

    def _refresh_search_text(self, household_pks: list[int]) -> None:
        for batch in _batches(household_pks):
            names: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for household_id, first, last in (
                Person.all_objects.filter(household_id__in=batch)
                .order_by("household_id", "role", "date_of_birth", "pk")
                .values_list("household_id", "first_name", "last_name")
            ):
                names[household_id].append((first, last))
            objs = []
            for pk, reference, address, place in Household.all_objects.filter(pk__in=batch).values_list(
                "pk", "reference", "address", "postal_place"
            ):
                objs.append(
                    Household(pk=pk, search_text=search_text_from(reference, address, place, names[pk]))
                )
            Household.all_objects.bulk_update(objs, ["search_text"])

    def tenancies(self, plan: Plan, households: dict[str, int], dwellings: dict[str, int]) -> None:
        mid = self.municipality.pk
        # Updates first: they only end tenancies or change rent, so the
        # one-running-tenancy constraints hold at every statement.
        for batch in _batches(plan.changed_tenancies):
            self._bulk_update(Tenancy, batch, municipality_id=mid, updated_at=self.now)
            self.step(len(batch), _("Oppdaterer leieforhold"))
        for batch in _batches(plan.new_tenancies):
            self.insert(
                Tenancy,
                [
                    {
                        "municipality_id": mid, "household_id": households[t.household_ref.lower()],
                        "dwelling_id": dwellings[t.dwelling_ref.lower()], "start_date": t.start_date,
                        "end_date": t.end_date, "end_reason": t.end_reason, "monthly_rent": t.monthly_rent,
                    }
                    for t in batch
                ],
            )  # fmt: skip
            self.step(len(batch), _("Oppretter leieforhold"))
