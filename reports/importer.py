"""Import of an office's register from its spreadsheet exports (DESIGN §5.1–5.2).

Three CSV files – dwellings, households, tenancies – are read, checked and
compared with what the municipality already has, and then written in one
transaction, or not at all:

* Any bad row stops the import. Every problem is reported as
  `FILE:LINE: message` (LINE is the physical line in the file, the header
  being line 1), so the office can fix its spreadsheet and try again.
* Rows are matched by reference (households, dwellings) and by household,
  dwelling and start date (tenancies). Only changed fields are written, so
  importing the same files twice changes nothing.
* An empty cell never erases what is already registered: it means "not
  given" (defaults apply to new rows). A caseworker's later additions – a
  national identity number, an end date – survive a re-import of an old
  export.
* Rows are written with `bulk_create` / `bulk_update` in batches: a fixed
  number of queries per batch, never one per row, so a register of 100,000
  tenancies imports in minutes.

Formats accepted: UTF-8 with or without BOM; `,` or `;` as separator (taken
from the header line); decimal comma or point (with space or dot as
thousands separator when a comma is the decimal mark); dates `YYYY-MM-DD` or
`DD.MM.YYYY`; booleans ja/nei, yes/no, true/false, 1/0.

Besides the columns of §5.2 the dwellings file may carry `ownership`
(`owned`/`leased`, also `eid`/`innleid`), which KOSTRA asks for.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dwellings.models import Dwelling, DwellingCategory, EndReason, Ownership, Tenancy
from housing_office.models import Municipality
from housing_office.national_id import InvalidNationalId
from housing_office.national_id import parse as parse_national_id
from housing_office.text import fold
from tenants.models import Household, Person, PersonRole

BATCH_SIZE = 1000

Progress = Callable[[int, int, str], None]


# --------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportReport:
    municipality: str
    dry_run: bool
    municipality_created: bool = False
    written: bool = False
    counts: dict[str, Counts] = field(
        default_factory=lambda: {"dwellings": Counts(), "households": Counts(), "tenancies": Counts()}
    )
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_text(self) -> str:
        return "".join(f"{error}\n" for error in self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "dry_run": self.dry_run,
            "municipality_created": self.municipality_created,
            "written": self.written,
            "counts": {kind: counts.as_dict() for kind, counts in self.counts.items()},
            "error_count": len(self.errors),
        }


@dataclass(frozen=True)
class SourceFile:
    """One uploaded or given file: the name used in error lines, and its bytes."""

    name: str
    data: bytes


# --------------------------------------------------------------------------
# Reading the files


DWELLING_COLUMNS = {
    "required": ("dwelling_ref", "address", "postal_code", "postal_place", "rooms", "area_m2"),
    "optional": ("category", "wheelchair_accessible", "acquired_on", "disposed_on", "ownership"),
}
HOUSEHOLD_COLUMNS = {
    "required": ("household_ref", "first_name", "last_name", "adults", "children"),
    "optional": ("national_id", "address", "postal_code", "postal_place", "phone", "email"),
}
TENANCY_COLUMNS = {
    "required": ("household_ref", "dwelling_ref", "start_date", "monthly_rent"),
    "optional": ("end_date", "end_reason"),
}


class CellError(ValueError):
    """A value that cannot be read; the message is for the office."""


@dataclass
class Row:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


def _decode(source: SourceFile, errors: list[RowError]) -> str | None:
    try:
        return source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = source.data[: exc.start].count(b"\n") + 1
        errors.append(
            RowError(
                source.name,
                line,
                _("filen er ikke UTF-8. Lagre den som «CSV UTF-8» i regnearket og prøv igjen."),
            )
        )
        return None


def sniff_separator(header_line: str) -> str:
    """`;` when the header has more semicolons than commas, else `,`."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_rows(source: SourceFile, columns: dict[str, Sequence[str]], errors: list[RowError]) -> list[Row]:
    """The file's data rows as column → stripped text, with physical line
    numbers. Header problems and malformed rows go to `errors`."""
    text = _decode(source, errors)
    if text is None:
        return []
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        errors.append(
            RowError(source.name, 1, _("filen er tom eller mangler overskriftsraden på første linje."))
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_separator(first_line))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except csv.Error as exc:
        errors.append(RowError(source.name, 1, _("overskriftsraden kan ikke leses: %(e)s") % {"e": exc}))
        return []
    header_ok = True
    known = set(columns["required"]) | set(columns["optional"])
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name not in known:
            errors.append(
                RowError(
                    source.name,
                    1,
                    _("ukjent kolonne «%(c)s». Kolonnene som kan brukes er: %(k)s.")
                    % {"c": name, "k": ", ".join([*columns["required"], *columns["optional"]])},
                )
            )
            header_ok = False
        elif name in seen:
            errors.append(RowError(source.name, 1, _("kolonnen «%(c)s» står to ganger.") % {"c": name}))
            header_ok = False
        seen.add(name)
    for name in columns["required"]:
        if name not in seen:
            errors.append(RowError(source.name, 1, _("mangler kolonnen «%(c)s».") % {"c": name}))
            header_ok = False
    if not header_ok:
        return []

    rows: list[Row] = []
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(source.name, start, _("raden kan ikke leses: %(e)s") % {"e": exc}))
            break
        last_line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and not any(cell.strip() for cell in cells[len(header) :]):
            cells = cells[: len(header)]
        if len(cells) != len(header):
            errors.append(
                RowError(
                    source.name,
                    start,
                    _("raden har %(n)s felt, men overskriftsraden har %(m)s.")
                    % {"n": len(cells), "m": len(header)},
                )
            )
            continue
        rows.append(
            Row(start, {name: cell.strip() for name, cell in zip(header, cells, strict=True) if name})
        )
    return rows


# --------------------------------------------------------------------------
# Reading values


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NO_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_CURRENCY = re.compile(r"(?i)^kr\.?\s*|\s*(kr|,-)$")
_TRUE = {"ja", "yes", "true", "1", "j", "y", "sann"}
_FALSE = {"nei", "no", "false", "0", "n", "usann"}


def parse_date(value: str) -> datetime.date:
    """`YYYY-MM-DD` or `DD.MM.YYYY` (day and month may have one digit)."""
    # The two usual spellings without a regular expression: a register has
    # hundreds of thousands of dates.
    if len(value) == 10 and value[2] == "." and value[5] == "." and value.replace(".", "").isdigit():
        try:
            return datetime.date(int(value[6:]), int(value[3:5]), int(value[:2]))
        except ValueError:
            raise CellError(_("datoen «%(v)s» finnes ikke") % {"v": value}) from None
    if match := _ISO_DATE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _NO_DATE.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise CellError(_("«%(v)s» er ikke en dato; bruk ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ") % {"v": value})
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(_("datoen «%(v)s» finnes ikke") % {"v": value}) from None


def parse_decimal(value: str) -> Decimal:
    """A number with decimal comma or point; with a decimal comma, spaces and
    dots may group the thousands ("9 500,50", "9.500,50")."""
    if value.isdigit():
        return Decimal(value)
    text = value.replace("\u00a0", " ").replace("\u202f", " ").strip()
    text = _CURRENCY.sub("", text)
    if "," in text:
        text = text.replace(" ", "").replace(".", "").replace(",", ".")
    else:
        text = text.replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("«%(v)s» er ikke et tall") % {"v": value}) from None
    if not number.is_finite():
        raise CellError(_("«%(v)s» er ikke et tall") % {"v": value})
    return number


def parse_int(value: str) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError(_("«%(v)s» er ikke et helt tall") % {"v": value})
    return int(number)


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(
        _("«%(v)s» er verken ja eller nei (bruk ja/nei, yes/no, true/false eller 1/0)") % {"v": value}
    )


def parse_postal_code(value: str) -> str:
    text = value.replace(" ", "")
    # Spreadsheets drop the leading zero of Oslo's postal codes (0150 → 150).
    if text.isdigit() and len(text) < 4:
        text = text.zfill(4)
    if not (text.isdigit() and len(text) == 4):
        raise CellError(_("postnummeret «%(v)s» har ikke fire siffer") % {"v": value})
    return text


class _Choices:
    """Reads a choice by its code, its Norwegian label or an alias, any case.
    The lookup table is built once per import, not per cell."""

    def __init__(self, choices: type, aliases: dict[str, str], what: str) -> None:
        self.allowed = ", ".join(c.value for c in choices)  # type: ignore[attr-defined]
        self.what = what
        self.table = {**aliases}
        for choice in choices:  # type: ignore[attr-defined]
            self.table[str(choice.label).lower()] = choice.value
            self.table[choice.value] = choice.value

    def __call__(self, value: str) -> str:
        try:
            return self.table[value.strip().lower()]
        except KeyError:
            raise CellError(
                _("ukjent %(what)s «%(v)s»; bruk en av: %(a)s")
                % {"what": self.what, "v": value, "a": self.allowed}
            ) from None


_CATEGORY_ALIASES = {"generell": "general", "omsorg": "care", "akutt": "emergency"}
_OWNERSHIP_ALIASES = {
    "eid": "owned",
    "eiet": "owned",
    "kommunalt eid": "owned",
    "innleid": "leased",
    "leid": "leased",
}


class _RowReader:
    """Reads one row's cells, collecting every problem instead of stopping
    at the first, so the office sees all that is wrong in one go."""

    def __init__(self, source: SourceFile, row: Row, errors: list[RowError]) -> None:
        self.source, self.row, self.errors = source, row, errors
        self.failed = False

    def error(self, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.source.name, self.row.line, message))

    def unique(self, reference: str, seen: dict[str, int], label: str) -> None:
        """References are unique per file, whatever their case."""
        if not reference:
            return
        key = reference.lower()
        if key in seen:
            self.error(
                _("%(what)s står også på linje %(n)s") % {"what": label % {"r": reference}, "n": seen[key]}
            )
        else:
            seen[key] = self.row.line

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self.row.get(column)
        if required and not value:
            self.error(_("«%(c)s» mangler verdi") % {"c": column})
        elif max_length is not None and len(value) > max_length:
            self.error(_("«%(c)s» er lengre enn %(n)s tegn") % {"c": column, "n": max_length})
        return value

    def parsed(self, column: str, parser: Callable[[str], Any], *, required: bool = False) -> Any:
        value = self.row.get(column)
        if not value:
            if required:
                self.error(_("«%(c)s» mangler verdi") % {"c": column})
            return None
        try:
            return parser(value)
        except CellError as exc:
            self.error(f"«{column}»: {exc}")
            return None


# --------------------------------------------------------------------------
# Typed rows


@dataclass
class DwellingIn:
    line: int
    reference: str
    address: str
    postal_code: str
    postal_place: str
    rooms: int
    area_m2: Decimal
    category: str | None
    wheelchair_accessible: bool | None
    ownership: str | None
    acquired_on: datetime.date | None
    disposed_on: datetime.date | None


@dataclass
class HouseholdIn:
    line: int
    reference: str
    first_name: str
    last_name: str
    national_id: str
    adults: int
    children: int
    address: str
    postal_code: str
    postal_place: str
    phone: str
    email: str


@dataclass
class TenancyIn:
    line: int
    household_ref: str
    dwelling_ref: str
    start_date: datetime.date
    end_date: datetime.date | None
    end_reason: str
    monthly_rent: Decimal
    # Household, dwelling (both lower-cased) and start date: how a tenancy
    # is matched with one already registered.
    key: tuple[str, str, datetime.date] = field(init=False)

    def __post_init__(self) -> None:
        self.key = (self.household_ref.lower(), self.dwelling_ref.lower(), self.start_date)


def _max_length(model: type, name: str) -> int:
    return model._meta.get_field(name).max_length  # type: ignore[return-value]


class _Lengths:
    """The models' max_length per column, looked up once per file."""

    def __init__(self, model: type, **columns: str) -> None:
        self.lengths = {column: _max_length(model, name) for column, name in columns.items()}

    def __getitem__(self, column: str) -> int:
        return self.lengths[column]


def read_dwellings(source: SourceFile, errors: list[RowError]) -> tuple[list[DwellingIn], set[str]]:
    """The good rows, and every reference in the file (bad rows too, so
    that a tenancy is not also reported for a dwelling that only has a typo)."""
    out: list[DwellingIn] = []
    refs: dict[str, int] = {}
    duplicate_label = _("boligen «%(r)s»")
    lengths = _Lengths(Dwelling, dwelling_ref="reference", address="address", postal_place="postal_place")
    category_choice = _Choices(DwellingCategory, _CATEGORY_ALIASES, _("kategori"))
    ownership_choice = _Choices(Ownership, _OWNERSHIP_ALIASES, _("eierforhold"))
    for row in read_rows(source, DWELLING_COLUMNS, errors):
        r = _RowReader(source, row, errors)
        reference = r.text("dwelling_ref", required=True, max_length=lengths["dwelling_ref"])
        r.unique(reference, refs, duplicate_label)
        address = r.text("address", required=True, max_length=lengths["address"])
        postal_code = r.parsed("postal_code", parse_postal_code, required=True)
        postal_place = r.text("postal_place", required=True, max_length=lengths["postal_place"])
        rooms = r.parsed("rooms", parse_int, required=True)
        if rooms is not None and not 1 <= rooms <= 100:
            r.error(_("«rooms» må være minst 1"))
        area = r.parsed("area_m2", parse_decimal, required=True)
        if area is not None:
            area = area.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if not Decimal("1") <= area < Decimal("100000"):
                r.error(_("«area_m2» må være mellom 1 og 99 999 m²"))
        category = r.parsed("category", category_choice)
        wheelchair = r.parsed("wheelchair_accessible", parse_bool)
        ownership = r.parsed("ownership", ownership_choice)
        acquired = r.parsed("acquired_on", parse_date)
        disposed = r.parsed("disposed_on", parse_date)
        if acquired and disposed and disposed < acquired:
            r.error(_("«disposed_on» er før «acquired_on»"))
        if not r.failed:
            out.append(
                DwellingIn(
                    row.line, reference, address, postal_code, postal_place, rooms, area,
                    category, wheelchair, ownership, acquired, disposed,
                )
            )  # fmt: skip
    return out, set(refs)


def _national_id(value: str) -> str:
    try:
        return parse_national_id(value).number
    except InvalidNationalId as exc:
        raise CellError(str(exc)) from None


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(_("«%(v)s» er ikke en gyldig e-postadresse") % {"v": value}) from None
    return value


def read_households(source: SourceFile, errors: list[RowError]) -> tuple[list[HouseholdIn], set[str]]:
    out: list[HouseholdIn] = []
    refs: dict[str, int] = {}
    duplicate_label = _("husstanden «%(r)s»")
    lengths = _Lengths(
        Household, household_ref="reference", address="address", postal_place="postal_place", phone="phone",
        email="email",
    )  # fmt: skip
    names = _Lengths(Person, first_name="first_name", last_name="last_name")
    for row in read_rows(source, HOUSEHOLD_COLUMNS, errors):
        r = _RowReader(source, row, errors)
        reference = r.text("household_ref", required=True, max_length=lengths["household_ref"])
        r.unique(reference, refs, duplicate_label)
        first_name = r.text("first_name", required=True, max_length=names["first_name"])
        last_name = r.text("last_name", required=True, max_length=names["last_name"])
        national_id = r.parsed("national_id", _national_id) or ""
        adults = r.parsed("adults", parse_int, required=True)
        if adults is not None and not 1 <= adults <= 30:
            r.error(_("«adults» må være minst 1 (hovedpersonen)"))
        children = r.parsed("children", parse_int, required=True)
        if children is not None and not 0 <= children <= 30:
            r.error(_("«children» må være 0 eller mer"))
        address = r.text("address", max_length=lengths["address"])
        postal_code = r.parsed("postal_code", parse_postal_code) or ""
        postal_place = r.text("postal_place", max_length=lengths["postal_place"])
        phone = r.text("phone", max_length=lengths["phone"])
        email = r.parsed("email", _email) or ""
        if email and len(email) > lengths["email"]:
            r.error(_("«email» er for lang"))
        if not r.failed:
            out.append(
                HouseholdIn(
                    row.line, reference, first_name, last_name, national_id, adults, children,
                    address, postal_code, postal_place, phone, email,
                )
            )  # fmt: skip
    return out, set(refs)


def read_tenancies(source: SourceFile, errors: list[RowError]) -> list[TenancyIn]:
    out: list[TenancyIn] = []
    reason_choice = _Choices(EndReason, {}, _("sluttårsak"))
    for row in read_rows(source, TENANCY_COLUMNS, errors):
        r = _RowReader(source, row, errors)
        household_ref = r.text("household_ref", required=True)
        dwelling_ref = r.text("dwelling_ref", required=True)
        start = r.parsed("start_date", parse_date, required=True)
        end = r.parsed("end_date", parse_date)
        reason = r.parsed("end_reason", reason_choice) or ""
        rent = r.parsed("monthly_rent", parse_decimal, required=True)
        if rent is not None:
            rent = rent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if not Decimal("0") <= rent < Decimal("100000000"):
                r.error(_("«monthly_rent» kan ikke være negativ"))
        if end and not reason and not r.row.get("end_reason"):
            r.error(_("«end_reason» må fylles ut når «end_date» er fylt ut"))
        if reason and not end and not r.row.get("end_date"):
            r.error(_("«end_reason» kan bare fylles ut når leieforholdet har en «end_date»"))
        if start and end and end < start:
            r.error(
                _("sluttdatoen %(e)s er før startdatoen %(s)s")
                % {"e": f"{end:%d.%m.%Y}", "s": f"{start:%d.%m.%Y}"}
            )
        if not r.failed:
            out.append(TenancyIn(row.line, household_ref, dwelling_ref, start, end, reason, rent))
    return out


def _duplicates(
    source: SourceFile, items: Iterable[Any], key: Callable[[Any], Any], label: Callable[[Any], str],
    errors: list[RowError],
) -> None:  # fmt: skip
    first_line: dict[Any, int] = {}
    for item in items:
        k = key(item)
        if k in first_line:
            errors.append(
                RowError(
                    source.name,
                    item.line,
                    _("%(what)s står også på linje %(n)s") % {"what": label(item), "n": first_line[k]},
                )
            )
        else:
            first_line[k] = item.line


# --------------------------------------------------------------------------
# What the municipality already has


@dataclass
class Existing:
    dwellings: dict[str, dict[str, Any]] = field(default_factory=dict)
    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    # household pk → its main person's row
    main_persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    # household pk → member counts (see `_member_counts`)
    members: dict[int, dict[str, int]] = field(default_factory=dict)
    tenancies: dict[tuple[str, str, datetime.date], dict[str, Any]] = field(default_factory=dict)


DWELLING_FIELDS = (
    "address", "postal_code", "postal_place", "rooms", "area_m2", "category",
    "wheelchair_accessible", "ownership", "acquired_on", "disposed_on",
)  # fmt: skip
HOUSEHOLD_FIELDS = ("address", "postal_code", "postal_place", "phone", "email")
ANONYMOUS = Q(first_name="", last_name="", national_id="", date_of_birth__isnull=True)


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
# The plan: what to create and what to change


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


@dataclass
class _Interval:
    start: datetime.date
    end: datetime.date | None
    line: int | None  # None: already registered, not in the file
    reference: str


def _check_overlaps(
    groups: dict[str, list[_Interval]], source: SourceFile, what_running: str, what_overlap: str,
    errors: list[RowError],
) -> None:  # fmt: skip
    far = datetime.date.max
    for intervals in groups.values():
        intervals.sort(key=lambda i: (i.start, i.end or far))
        running = [i for i in intervals if i.end is None]
        for extra in running[1:]:
            other = running[0]
            if extra.line is not None or other.line is not None:
                line = extra.line if extra.line is not None else other.line
                where = (
                    _("linje %(n)s") % {"n": other.line if line == extra.line else extra.line}
                    if (other.line is not None and extra.line is not None)
                    else _("et leieforhold som alt er registrert")
                )
                errors.append(
                    RowError(source.name, line, what_running % {"ref": extra.reference, "other": where})
                )  # type: ignore[arg-type]
        widest: _Interval | None = None
        for interval in intervals:
            if widest is not None and (widest.end is None or interval.start < widest.end):
                both_running = widest.end is None and interval.end is None
                if not both_running and (interval.line is not None or widest.line is not None):
                    line = interval.line if interval.line is not None else widest.line
                    other = widest if line == interval.line else interval
                    where = (
                        _("linje %(n)s") % {"n": other.line}
                        if other.line is not None
                        else _("et registrert leieforhold fra %(d)s") % {"d": f"{other.start:%d.%m.%Y}"}
                    )
                    errors.append(
                        RowError(
                            source.name, line, what_overlap % {"ref": interval.reference, "other": where}
                        )
                    )  # type: ignore[arg-type]
            if (
                widest is None
                or widest.end is not None
                and (interval.end is None or interval.end > widest.end)
            ):
                widest = interval


def make_plan(
    existing: Existing,
    dwellings: list[DwellingIn],
    households: list[HouseholdIn],
    tenancies: list[TenancyIn],
    sources: dict[str, SourceFile],
    errors: list[RowError],
    file_refs: dict[str, set[str]] | None = None,
) -> Plan:
    """Compare the files with the register and check them against each other.

    `file_refs` holds every reference in the dwellings and households files,
    bad rows included; by default the references of the good rows."""
    plan = Plan()
    dw_source, tn_source = sources["dwellings"], sources["tenancies"]
    _duplicates(tn_source, tenancies, lambda t: t.key,
                lambda t: _("det samme leieforholdet (husstand, bolig og startdato)"), errors)  # fmt: skip

    for d in dwellings:
        wanted = {
            "address": d.address, "postal_code": d.postal_code, "postal_place": d.postal_place,
            "rooms": d.rooms, "area_m2": d.area_m2, "category": d.category,
            "wheelchair_accessible": d.wheelchair_accessible, "ownership": d.ownership,
            "acquired_on": d.acquired_on, "disposed_on": d.disposed_on,
        }  # fmt: skip
        current = existing.dwellings.get(d.reference.lower())
        if current is None:
            plan.new_dwellings.append(d)
            continue
        changes = _changes(current, wanted)
        acquired = changes.get("acquired_on", current["acquired_on"])
        disposed = changes.get("disposed_on", current["disposed_on"])
        if acquired and disposed and disposed < acquired:
            errors.append(
                RowError(dw_source.name, d.line, _("«disposed_on» blir før «acquired_on» som er registrert"))
            )
        if changes:
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

    # Tenancies: references, then the final state checked for overlaps.
    file_refs = file_refs or {
        "households": {h.reference.lower() for h in households},
        "dwellings": {d.reference.lower() for d in dwellings},
    }
    file_households, file_dwellings = file_refs["households"], file_refs["dwellings"]
    by_dwelling: dict[str, list[_Interval]] = defaultdict(list)
    by_household: dict[str, list[_Interval]] = defaultdict(list)
    in_file: set[tuple[str, str, datetime.date]] = set()
    for t in tenancies:
        hh, dw = t.household_ref.lower(), t.dwelling_ref.lower()
        bad = False
        if hh not in file_households and hh not in existing.households:
            errors.append(
                RowError(
                    tn_source.name,
                    t.line,
                    _("ukjent husstand «%(r)s»: den står verken i husstandsfilen eller i registeret")
                    % {"r": t.household_ref},
                )
            )
            bad = True
        if dw not in file_dwellings and dw not in existing.dwellings:
            errors.append(
                RowError(
                    tn_source.name,
                    t.line,
                    _("ukjent bolig «%(r)s»: den står verken i boligfilen eller i registeret")
                    % {"r": t.dwelling_ref},
                )
            )
            bad = True
        if bad or t.key in in_file:
            continue
        in_file.add(t.key)
        current = existing.tenancies.get(t.key)
        end = t.end_date
        if current is None:
            plan.new_tenancies.append(t)
        else:
            changes = _changes(
                current, {"end_date": t.end_date, "end_reason": t.end_reason, "monthly_rent": t.monthly_rent}
            )
            if end is None:
                end = current["end_date"]
            if changes:
                plan.changed_tenancies.append((current["pk"], changes))
        by_dwelling[dw].append(_Interval(t.start_date, end, t.line, t.dwelling_ref))
        by_household[hh].append(_Interval(t.start_date, end, t.line, t.household_ref))
    for key, row in existing.tenancies.items():
        if key in in_file:
            continue
        hh, dw, start = key
        by_dwelling[dw].append(_Interval(start, row["end_date"], None, row["dwelling__reference"]))
        by_household[hh].append(_Interval(start, row["end_date"], None, row["household__reference"]))
    _check_overlaps(
        by_dwelling, tn_source,
        _("boligen «%(ref)s» får mer enn ett løpende leieforhold (se også %(other)s)"),
        _("leieforholdet overlapper i tid med et annet i boligen «%(ref)s» (%(other)s)"),
        errors,
    )  # fmt: skip
    _check_overlaps(
        by_household, tn_source,
        _("husstanden «%(ref)s» får mer enn ett løpende leieforhold (se også %(other)s)"),
        _("husstanden «%(ref)s» har et annet leieforhold i samme tidsrom (%(other)s)"),
        errors,
    )  # fmt: skip
    return plan


# --------------------------------------------------------------------------
# Writing


def _batches(items: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _search_text(reference: str, address: str, postal_place: str, names: Iterable[tuple[str, str]]) -> str:
    """As `tenants.services.search_text_for`, from values already at hand."""
    parts = [reference, address, postal_place, *(f"{first} {last}" for first, last in names)]
    return fold(" ".join(p for p in parts if p))


class _Writer:
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
                        "search_text": _search_text(
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
                objs.append(Household(pk=pk, search_text=_search_text(reference, address, place, names[pk])))
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


# --------------------------------------------------------------------------
# The entry point


def import_register(
    municipality_number: str,
    *,
    dwellings: SourceFile,
    households: SourceFile,
    tenancies: SourceFile,
    dry_run: bool = False,
    municipality_name: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check the three files and, unless `dry_run` or anything is wrong,
    write them to the municipality's register in one transaction.

    Returns the report: counts created/updated/unchanged per kind (what was
    written, or for a dry run what would be) and every error found.
    """
    report = ImportReport(municipality=municipality_number, dry_run=dry_run)
    errors = report.errors
    sources = {"dwellings": dwellings, "households": households, "tenancies": tenancies}

    def tell(done: int, total: int, message: str) -> None:
        if progress:
            progress(done, total, message)

    tell(0, 0, _("Leser filene"))
    dwelling_rows, dwelling_refs = read_dwellings(dwellings, errors)
    household_rows, household_refs = read_households(households, errors)
    tenancy_rows = read_tenancies(tenancies, errors)
    rows_total = len(dwelling_rows) + len(household_rows) + len(tenancy_rows)

    municipality = Municipality.objects.filter(number=municipality_number).first()
    tell(0, 0, _("Sammenligner med registeret"))
    existing = load_existing(municipality)
    plan = make_plan(
        existing, dwelling_rows, household_rows, tenancy_rows, sources, errors,
        {"dwellings": dwelling_refs, "households": household_refs},
    )  # fmt: skip
    # By file and line; a line's problems stay in the order of its columns.
    file_order = {source.name: i for i, source in enumerate(sources.values())}
    errors.sort(key=lambda e: (file_order.get(e.file, len(file_order)), e.line))

    counts = report.counts
    counts["dwellings"] = Counts(
        len(plan.new_dwellings), len(plan.changed_dwellings),
        len(dwelling_rows) - len(plan.new_dwellings) - len(plan.changed_dwellings),
    )  # fmt: skip
    counts["households"] = Counts(
        len(plan.new_households), len(plan.changed_households),
        len(household_rows) - len(plan.new_households) - len(plan.changed_households),
    )  # fmt: skip
    unique_tenancies = len({t.key for t in tenancy_rows})
    counts["tenancies"] = Counts(
        len(plan.new_tenancies), len(plan.changed_tenancies),
        max(0, unique_tenancies - len(plan.new_tenancies) - len(plan.changed_tenancies)),
    )  # fmt: skip
    if errors or dry_run:
        tell(rows_total, rows_total, _("Kontrollen er ferdig"))
        return report

    to_write = sum(len(x) for x in (
        plan.new_dwellings, plan.changed_dwellings, plan.new_households, plan.changed_households,
        plan.new_tenancies, plan.changed_tenancies,
    ))  # fmt: skip
    with transaction.atomic():
        if municipality is None:
            municipality = Municipality.objects.create(
                number=municipality_number, name=municipality_name or municipality_number
            )
            report.municipality_created = True
        writer = _Writer(municipality, progress, to_write)
        dwelling_pks = writer.dwellings(plan)
        household_pks = writer.households(plan)
        writer.tenancies(plan, household_pks, dwelling_pks)
    report.written = True
    tell(to_write, to_write, _("Importen er ferdig"))
    return report
