"""Writing a checked plan to the register, all or nothing.

On PostgreSQL new rows go in through one COPY per table, with their keys
drawn from the table's sequence first, so nothing is read back; changed rows
are copied into a temporary table and written with one `UPDATE … FROM` per
table, which touches only rows that still differ. The import's cost is then
a fixed number of statements per table, whatever the register's size (the
ORM's bulk_create and bulk_update spend most of their time preparing each
value in Python, and bulk_update's CASE per row grows with the batch).
Elsewhere (SQLite: the demo) `bulk_create` and `bulk_update` do it in
batches. The caller holds the transaction, so a failure leaves nothing
behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from dwellings.models import Dwelling, DwellingCategory, Ownership, Tenancy
from housing_office.models import Municipality
from housing_office.text import fold
from tenants.models import Household, Person, PersonRole
from tenants.services import search_text_from

from .plan import ANONYMOUS, Plan

BATCH_SIZE = 1000
# Rows between two progress reports while one COPY streams a whole table.
PROGRESS_EVERY = 20_000

# done, total, message: the job page shows it.
Progress = Callable[[int, int, str], None]


def _batches(items: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    # BATCH_SIZE read at call time, so that a test may make it smaller.
    size = size or BATCH_SIZE
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _search_text_maker() -> Callable[[str, str, str, str, str], str]:
    """`tenants.services.search_text_from` for one main person, folding each
    part once per import: a register repeats its addresses, places and
    names on thousands of households, and folding (Unicode normalisation
    character by character) is most of the cost. Folding the parts one by
    one gives the same text as folding them joined, since a space stands
    between every two parts and folding never reaches across a space."""
    folded = cache(fold)

    def search_text(reference: str, address: str, postal_place: str, first_name: str, last_name: str) -> str:
        parts = (
            folded(reference),
            folded(address),
            folded(postal_place),
            folded(f"{first_name} {last_name}"),
        )
        return " ".join(part for part in parts if part)

    return search_text


class Writer:
    """Writes a plan to one municipality's register, reporting progress as it goes.

    Call inside a transaction: the import is all or nothing."""

    def __init__(self, municipality: Municipality, progress: Progress | None, total: int) -> None:
        self.municipality = municipality
        self.progress = progress
        self.total = total
        self.done = 0
        self.now = timezone.now()

    @contextmanager
    def checking_as_it_goes(self) -> Iterator[None]:
        """Foreign keys checked as each row goes in, not all at the commit.

        Django makes every foreign key DEFERRABLE INITIALLY DEFERRED, so
        PostgreSQL would check the million keys of a national register one
        by one at the commit, after Python has finished; checked at once,
        the database does that work while Python is still formatting the
        next rows. The writer inserts parents before children, so every
        check passes when it is made. Back to deferred afterwards: that is
        the constraints' initial mode (no constraint here is created
        DEFERRABLE INITIALLY IMMEDIATE). When the writing fails, the
        rollback of the transaction, or of its savepoint, restores the mode."""
        if not _postgresql():
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def step(self, n: int, message: str) -> None:
        self.done = min(self.total, self.done + n)
        if self.progress:
            self.progress(self.done, self.total, message)

    # -- changed rows ----------------------------------------------------------

    def update(self, model: type, changes: Sequence[tuple[int, dict[str, Any]]], message: str | None) -> None:
        """Write each row's changed fields (a change is never None or empty:
        an empty cell keeps what is registered), and `updated_at` where the
        model has it."""
        changes = [(pk, c) for pk, c in changes if c]
        if not changes:
            return
        if not _postgresql():
            for batch in _batches(changes):
                self._bulk_update(model, batch)
                if message:
                    self.step(len(batch), message)
            return
        meta = model._meta  # type: ignore[attr-defined]
        fields = sorted(set().union(*(c.keys() for _pk, c in changes)))
        columns = [meta.get_field(name).column for name in fields]
        quote = connection.ops.quote_name
        # pg_temp named outright, so that no permanent table of that name is ever touched.
        table, stage = quote(meta.db_table), f"pg_temp.{quote(f'import_stage_{meta.db_table}')}"
        # None stands for "unchanged": COALESCE keeps the registered value.
        assignments = [f"{quote(c)} = COALESCE(s.{quote(c)}, t.{quote(c)})" for c in columns]
        differs = " OR ".join(
            f"t.{quote(c)} IS DISTINCT FROM COALESCE(s.{quote(c)}, t.{quote(c)})" for c in columns
        )
        params: list[Any] = []
        if any(f.attname == "updated_at" for f in meta.concrete_fields):
            assignments.append(f"{quote('updated_at')} = %s")
            params.append(self.now)
        column_list = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608 - names from the model
                f"SELECT id, {column_list} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY {stage} (id, {column_list}) FROM STDIN") as copy:
                for pk, c in changes:
                    copy.write_row([pk, *(c.get(name) for name in fields)])
            cursor.execute(
                f"UPDATE {table} AS t SET {', '.join(assignments)} FROM {stage} AS s "  # noqa: S608
                f"WHERE t.id = s.id AND ({differs})",
                params,
            )
            cursor.execute(f"DROP TABLE {stage}")
        if message:
            self.step(len(changes), message)

    def _bulk_update(self, model: type, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """bulk_update takes one field list per statement, so rows get their
        other fields' current values back."""
        fields = set().union(*(c.keys() for _pk, c in changes))
        current = {
            row["pk"]: row
            for row in model.all_objects.filter(pk__in=[pk for pk, _c in changes]).values("pk", *fields)  # type: ignore[attr-defined]
        }
        objs = []
        has_updated_at = any(f.attname == "updated_at" for f in model._meta.concrete_fields)  # type: ignore[attr-defined]
        for pk, c in changes:
            values = {name: current[pk][name] for name in fields}
            values.update(c)
            obj = model(pk=pk, **values)
            if has_updated_at:
                obj.updated_at = self.now
            objs.append(obj)
        model.all_objects.bulk_update(objs, sorted(fields | ({"updated_at"} if has_updated_at else set())))  # type: ignore[attr-defined]

    # -- new rows --------------------------------------------------------------

    def _defaults(self, model: type, given: Sequence[str]) -> dict[str, Any]:
        """The value of every other column of a new row: the model's default
        (`created_at` and the auto_now fields: the import's time)."""
        defaults: dict[str, Any] = {}
        for f in model._meta.concrete_fields:  # type: ignore[attr-defined]
            if f.primary_key or f.attname in given:
                continue
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
        return defaults

    def insert(
        self, model: type, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, ids: bool = False,
        message: str | None = None,
    ) -> list[int]:  # fmt: skip
        """Insert new rows given as tuples of `columns` (attnames); the
        model's defaults fill the rest. Returns their primary keys when `ids`,
        in order. Reports progress under `message` when given."""
        if not rows:
            return []
        defaults = self._defaults(model, columns)
        if not _postgresql():
            keys: list[int] = []
            for batch in _batches(rows):
                objs = model.all_objects.bulk_create(  # type: ignore[attr-defined]
                    [model(**defaults, **dict(zip(columns, row, strict=True))) for row in batch]
                )
                keys += [obj.pk for obj in objs] if ids else []
                if message:
                    self.step(len(batch), message)
            return keys
        meta = model._meta  # type: ignore[attr-defined]
        table, pk_column = meta.db_table, meta.pk.column
        quote = connection.ops.quote_name
        fields = {f.attname: f.column for f in meta.concrete_fields}
        constant = tuple(defaults.values())
        names = [fields[name] for name in (*columns, *defaults)]
        keys = []
        with connection.cursor() as cursor:
            if ids:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk_column, len(rows)],
                )
                keys = [row[0] for row in cursor.fetchall()]
                names.insert(0, pk_column)
            # One COPY for the table: PostgreSQL stores rows while Python
            # formats the next ones, which batches of separate statements
            # would not allow.
            with cursor.cursor.copy(
                f"COPY {quote(table)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
            ) as copy:
                write = copy.write_row
                for i, row in enumerate(rows):
                    write((keys[i], *row, *constant) if ids else (*row, *constant))
                    if message and (i + 1) % PROGRESS_EVERY == 0:
                        self.step(PROGRESS_EVERY, message)
        if message:
            self.step(len(rows) % PROGRESS_EVERY, message)
        return keys

    def dwellings(self, plan: Plan) -> dict[str, int]:
        """Returns every dwelling's key by lower-cased reference."""
        self.update(Dwelling, plan.changed_dwellings, _("Oppdaterer boliger"))
        new, mid = plan.new_dwellings, self.municipality.pk
        general, owned = DwellingCategory.GENERAL.value, Ownership.OWNED.value
        keys = self.insert(
            Dwelling,
            ("municipality_id", "reference", "address", "postal_code", "postal_place", "rooms", "area_m2",
             "category", "wheelchair_accessible", "ownership", "acquired_on", "disposed_on"),
            [
                (mid, d.reference, d.address, d.postal_code, d.postal_place, d.rooms, d.area_m2,
                 d.category or general, bool(d.wheelchair_accessible), d.ownership or owned, d.acquired_on,
                 d.disposed_on)
                for d in new
            ],
            ids=True,
            message=_("Oppretter boliger"),
        )  # fmt: skip
        return {**plan.dwelling_pks, **{d.reference.lower(): key for d, key in zip(new, keys, strict=True)}}

    def households(self, plan: Plan) -> dict[str, int]:
        """Returns every household's key by lower-cased reference."""
        self.update(Household, plan.changed_households, None)
        self._members(plan)
        self.step(len(plan.changed_households), _("Oppdaterer husstander"))

        new, mid, now = plan.new_households, self.municipality.pk, self.now
        search_text = _search_text_maker()
        keys = self.insert(
            Household,
            ("municipality_id", "reference", "address", "postal_code", "postal_place", "phone", "email",
             "stage_changed_at", "search_text"),
            [
                (mid, h.reference, h.address, h.postal_code, h.postal_place, h.phone, h.email,
                 now, search_text(h.reference, h.address, h.postal_place, h.first_name, h.last_name))
                for h in new
            ],
            ids=True,
            message=_("Oppretter husstander"),
        )  # fmt: skip
        # The main person from the row's names, and anonymous further members.
        main, adult, child = PersonRole.MAIN.value, PersonRole.ADULT.value, PersonRole.CHILD.value
        persons: list[tuple[Any, ...]] = []
        add = persons.append
        for key, h in zip(keys, new, strict=True):
            add((key, main, h.first_name, h.last_name, h.national_id))
            for _i in range(h.adults - 1):
                add((key, adult, "", "", ""))
            for _i in range(h.children):
                add((key, child, "", "", ""))
        self.insert(Person, ("household_id", "role", "first_name", "last_name", "national_id"), persons)
        self._refresh_search_text([pk for pk, _c in plan.changed_households])
        return {**plan.household_pks, **{h.reference.lower(): key for h, key in zip(new, keys, strict=True)}}

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
                self.update(Person, [(mains[hh], c) for hh, c in main_changes.items()], None)
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
        # Updates first: they only end tenancies or change rent, so the
        # one-running-tenancy constraints hold at every statement.
        self.update(Tenancy, plan.changed_tenancies, _("Oppdaterer leieforhold"))
        mid = self.municipality.pk
        self.insert(
            Tenancy,
            ("municipality_id", "household_id", "dwelling_id", "start_date", "end_date", "end_reason",
             "monthly_rent"),
            [
                (mid, households[t.household_ref.lower()], dwellings[t.dwelling_ref.lower()], t.start_date,
                 t.end_date, t.end_reason, t.monthly_rent)
                for t in plan.new_tenancies
            ],
            message=_("Oppretter leieforhold"),
        )  # fmt: skip
