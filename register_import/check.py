"""Checking the import files: every row on its own, then the files against
each other and against what the municipality already has registered.

Any bad row stops the import. Every problem is reported as `FILE:LINE:
message` (LINE is the physical line in the file, the header being line 1),
and all of them in one go, so that the office can fix its spreadsheet and
try again. The good rows come out typed, ready for the plan.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from dwellings.models import Dwelling, DwellingCategory, EndReason, Ownership
from tenants.models import Household, Person

from .parse import (
    CATEGORY_ALIASES,
    DWELLING_COLUMNS,
    HOUSEHOLD_COLUMNS,
    NUL,
    OWNERSHIP_ALIASES,
    TENANCY_COLUMNS,
    CellError,
    Choices,
    Row,
    RowError,
    SourceFile,
    nul_message,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_email,
    parse_int,
    parse_national_id_cell,
    parse_postal_code,
    read_rows,
)

# Household, dwelling (both lower-cased) and start date: how a tenancy is
# matched with one already registered.
TenancyKey = tuple[str, str, datetime.date]


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
    key: TenancyKey = field(init=False)

    def __post_init__(self) -> None:
        self.key = (self.household_ref.lower(), self.dwelling_ref.lower(), self.start_date)


# --------------------------------------------------------------------------
# One row at a time


class _RowReader:
    """Reads one row's cells, collecting every problem instead of stopping
    at the first, so the office sees all that is wrong in one go."""

    def __init__(self, source: SourceFile, row: Row, errors: list[RowError]) -> None:
        self.source, self.row, self.errors = source, row, errors
        self.cell = row.cells.get
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
        value = self.cell(column, "")
        if NUL in value:
            self.error(nul_message(f"«{column}»"))
            return ""
        if required and not value:
            self.error(_("«%(c)s» mangler verdi") % {"c": column})
        elif max_length is not None and len(value) > max_length:
            self.error(_("«%(c)s» er lengre enn %(n)s tegn") % {"c": column, "n": max_length})
        return value

    def parsed(self, column: str, parser: Callable[[str], Any], *, required: bool = False) -> Any:
        value = self.cell(column, "")
        if not value:
            if required:
                self.error(_("«%(c)s» mangler verdi") % {"c": column})
            return None
        if NUL in value:
            self.error(nul_message(f"«{column}»"))
            return None
        try:
            return parser(value)
        except CellError as exc:
            self.error(f"«{column}»: {exc}")
            return None


def _remembered(parser: Callable[[str], Any]) -> Callable[[str], Any]:
    """`parser` remembering its answers for one file: a register repeats
    the same dates, rents, counts and postal codes on thousands of rows.
    (A value that fails raises each time; failures are not remembered.)"""
    return cache(parser)


def _rounded(number: Decimal, exponent: Decimal) -> Decimal | None:
    """`number` rounded half up to `exponent`; None when it has more digits
    than a Decimal holds (28), which no range of ours allows anyway."""
    try:
        return number.quantize(exponent, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None


class _Lengths:
    """The models' max_length per column, looked up once per file."""

    def __init__(self, model: type, **columns: str) -> None:
        self.lengths = {
            column: model._meta.get_field(name).max_length  # type: ignore[attr-defined]
            for column, name in columns.items()
        }

    def __getitem__(self, column: str) -> int:
        return self.lengths[column]


def read_dwellings(source: SourceFile, errors: list[RowError]) -> tuple[list[DwellingIn], set[str]]:
    """The good rows, and every reference in the file (bad rows too, so
    that a tenancy is not also reported for a dwelling that only has a typo)."""
    out: list[DwellingIn] = []
    refs: dict[str, int] = {}
    duplicate_label = _("boligen «%(r)s»")
    lengths = _Lengths(Dwelling, dwelling_ref="reference", address="address", postal_place="postal_place")
    category_choice = Choices(DwellingCategory, CATEGORY_ALIASES, _("kategori"))
    ownership_choice = Choices(Ownership, OWNERSHIP_ALIASES, _("eierforhold"))
    parse_postal_code_, parse_int_, parse_decimal_, parse_date_ = map(
        _remembered, (parse_postal_code, parse_int, parse_decimal, parse_date)
    )
    for row in read_rows(source, DWELLING_COLUMNS, errors):
        r = _RowReader(source, row, errors)
        reference = r.text("dwelling_ref", required=True, max_length=lengths["dwelling_ref"])
        r.unique(reference, refs, duplicate_label)
        address = r.text("address", required=True, max_length=lengths["address"])
        postal_code = r.parsed("postal_code", parse_postal_code_, required=True)
        postal_place = r.text("postal_place", required=True, max_length=lengths["postal_place"])
        rooms = r.parsed("rooms", parse_int_, required=True)
        if rooms is not None and not 1 <= rooms <= 100:
            r.error(_("«rooms» må være minst 1"))
        area = r.parsed("area_m2", parse_decimal_, required=True)
        if area is not None:
            area = _rounded(area, Decimal("0.1"))
            if area is None or not Decimal("1") <= area < Decimal("100000"):
                r.error(_("«area_m2» må være mellom 1 og 99 999 m²"))
        category = r.parsed("category", category_choice)
        wheelchair = r.parsed("wheelchair_accessible", parse_bool)
        ownership = r.parsed("ownership", ownership_choice)
        acquired = r.parsed("acquired_on", parse_date_)
        disposed = r.parsed("disposed_on", parse_date_)
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


def read_households(source: SourceFile, errors: list[RowError]) -> tuple[list[HouseholdIn], set[str]]:
    """The good rows, and every reference in the file (bad rows too)."""
    out: list[HouseholdIn] = []
    refs: dict[str, int] = {}
    duplicate_label = _("husstanden «%(r)s»")
    lengths = _Lengths(
        Household, household_ref="reference", address="address", postal_place="postal_place", phone="phone",
        email="email",
    )  # fmt: skip
    names = _Lengths(Person, first_name="first_name", last_name="last_name")
    parse_int_, parse_postal_code_ = _remembered(parse_int), _remembered(parse_postal_code)
    max_reference, max_first, max_last = lengths["household_ref"], names["first_name"], names["last_name"]
    max_address, max_place, max_phone, max_email = (
        lengths["address"], lengths["postal_place"], lengths["phone"], lengths["email"]
    )  # fmt: skip
    for row in read_rows(source, HOUSEHOLD_COLUMNS, errors):
        # The usual row first, in one go: every value present where required,
        # short enough, no NUL, each parser content. Anything else takes the
        # reading below, cell by cell, which says what is wrong; a row taken
        # here is exactly the row that reading would give.
        cell = row.cells.get
        reference, first_name, last_name = (
            cell("household_ref", ""),
            cell("first_name", ""),
            cell("last_name", ""),
        )
        address, postal_place, phone = cell("address", ""), cell("postal_place", ""), cell("phone", "")
        national_id, adults, children = cell("national_id", ""), cell("adults", ""), cell("children", "")
        postal_code, email = cell("postal_code", ""), cell("email", "")
        key = reference.lower()
        if (
            reference and first_name and last_name and adults and children and key not in refs
            and len(reference) <= max_reference
            and len(first_name) <= max_first and len(last_name) <= max_last
            and len(address) <= max_address and len(postal_place) <= max_place and len(phone) <= max_phone
            and len(email) <= max_email
            and NUL not in "".join((reference, first_name, last_name, address, postal_place, phone, email))
        ):  # fmt: skip
            try:
                national_id = parse_national_id_cell(national_id) if national_id else ""
                adults, children = parse_int_(adults), parse_int_(children)
                postal_code = parse_postal_code_(postal_code) if postal_code else ""
                email = parse_email(email) if email else ""
            except CellError:
                pass
            else:
                if 1 <= adults <= 30 and 0 <= children <= 30:
                    refs[key] = row.line
                    out.append(
                        HouseholdIn(
                            row.line, reference, first_name, last_name, national_id, adults, children,
                            address, postal_code, postal_place, phone, email,
                        )
                    )  # fmt: skip
                    continue
        r = _RowReader(source, row, errors)
        reference = r.text("household_ref", required=True, max_length=lengths["household_ref"])
        r.unique(reference, refs, duplicate_label)
        first_name = r.text("first_name", required=True, max_length=names["first_name"])
        last_name = r.text("last_name", required=True, max_length=names["last_name"])
        national_id = r.parsed("national_id", parse_national_id_cell) or ""
        adults = r.parsed("adults", parse_int_, required=True)
        if adults is not None and not 1 <= adults <= 30:
            r.error(_("«adults» må være minst 1 (hovedpersonen)"))
        children = r.parsed("children", parse_int_, required=True)
        if children is not None and not 0 <= children <= 30:
            r.error(_("«children» må være 0 eller mer"))
        address = r.text("address", max_length=lengths["address"])
        postal_code = r.parsed("postal_code", parse_postal_code_) or ""
        postal_place = r.text("postal_place", max_length=lengths["postal_place"])
        phone = r.text("phone", max_length=lengths["phone"])
        email = r.parsed("email", parse_email) or ""
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
    reason_choice = Choices(EndReason, {}, _("sluttårsak"))
    parse_date_, parse_decimal_ = _remembered(parse_date), _remembered(parse_decimal)
    cent, top = Decimal("0.01"), Decimal("100000000")
    for row in read_rows(source, TENANCY_COLUMNS, errors):
        # The usual row in one go, as read_households does.
        cell = row.cells.get
        household_ref, dwelling_ref, start, end = (
            cell("household_ref", ""), cell("dwelling_ref", ""), cell("start_date", ""), cell("end_date", "")
        )  # fmt: skip
        reason, rent = cell("end_reason", ""), cell("monthly_rent", "")
        if household_ref and dwelling_ref and start and rent and bool(end) == bool(reason):
            try:
                start, rent = parse_date_(start), _rounded(parse_decimal_(rent), cent)
                end = parse_date_(end) if end else None
                reason = reason_choice(reason) if reason else ""
            except CellError:
                pass
            else:
                if (
                    rent is not None and 0 <= rent < top and (end is None or end >= start)
                    and NUL not in household_ref and NUL not in dwelling_ref
                ):  # fmt: skip
                    out.append(TenancyIn(row.line, household_ref, dwelling_ref, start, end, reason, rent))
                    continue
        r = _RowReader(source, row, errors)
        household_ref = r.text("household_ref", required=True)
        dwelling_ref = r.text("dwelling_ref", required=True)
        start = r.parsed("start_date", parse_date_, required=True)
        end = r.parsed("end_date", parse_date_)
        reason = r.parsed("end_reason", reason_choice) or ""
        rent = r.parsed("monthly_rent", parse_decimal_, required=True)
        if rent is not None:
            rent = _rounded(rent, Decimal("0.01"))
            if rent is None or not Decimal("0") <= rent < Decimal("100000000"):
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


# --------------------------------------------------------------------------
# The files against each other and against the register


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
        if len(intervals) < 2:  # most households have had one tenancy: nothing to overlap
            continue
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


def cross_check(
    dwellings: list[DwellingIn],
    tenancies: list[TenancyIn],
    sources: Mapping[str, SourceFile],
    errors: list[RowError],
    *,
    file_refs: Mapping[str, Container[str]],
    registered_dwellings: Mapping[str, Mapping[str, Any]],
    registered_households: Container[str],
    registered_tenancies: Mapping[TenancyKey, Mapping[str, Any]],
) -> list[TenancyIn]:
    """Check the good rows against each other and against the register.

    `file_refs` holds every lower-cased reference in the dwellings and
    households files, bad rows included; the `registered_*` mappings are
    keyed as the plan keys them (references lower-cased). Returns the
    tenancies the plan may use: known household and dwelling, each
    tenancy once.
    """
    dw_source, tn_source = sources["dwellings"], sources["tenancies"]
    _duplicates(tn_source, tenancies, lambda t: t.key,
                lambda t: _("det samme leieforholdet (husstand, bolig og startdato)"), errors)  # fmt: skip

    # An empty cell keeps the registered date, so the pair is checked as it will be stored.
    for d in dwellings:
        current = registered_dwellings.get(d.reference.lower())
        if current is None:
            continue
        acquired = d.acquired_on if d.acquired_on is not None else current["acquired_on"]
        disposed = d.disposed_on if d.disposed_on is not None else current["disposed_on"]
        if acquired and disposed and disposed < acquired:
            errors.append(
                RowError(dw_source.name, d.line, _("«disposed_on» blir før «acquired_on» som er registrert"))
            )

    # Tenancies: references, then the final state checked for overlaps.
    file_households, file_dwellings = file_refs["households"], file_refs["dwellings"]
    by_dwelling: dict[str, list[_Interval]] = defaultdict(list)
    by_household: dict[str, list[_Interval]] = defaultdict(list)
    usable: dict[TenancyKey, TenancyIn] = {}
    for t in tenancies:
        hh, dw = t.household_ref.lower(), t.dwelling_ref.lower()
        bad = False
        if hh not in file_households and hh not in registered_households:
            errors.append(
                RowError(
                    tn_source.name,
                    t.line,
                    _("ukjent husstand «%(r)s»: den står verken i husstandsfilen eller i registeret")
                    % {"r": t.household_ref},
                )
            )
            bad = True
        if dw not in file_dwellings and dw not in registered_dwellings:
            errors.append(
                RowError(
                    tn_source.name,
                    t.line,
                    _("ukjent bolig «%(r)s»: den står verken i boligfilen eller i registeret")
                    % {"r": t.dwelling_ref},
                )
            )
            bad = True
        if bad or t.key in usable:
            continue
        usable[t.key] = t
        # As with the dwellings' dates, an empty end date keeps the registered one.
        current = registered_tenancies.get(t.key)
        end = t.end_date if t.end_date is not None or current is None else current["end_date"]
        by_dwelling[dw].append(_Interval(t.start_date, end, t.line, t.dwelling_ref))
        by_household[hh].append(_Interval(t.start_date, end, t.line, t.household_ref))
    for key, row in registered_tenancies.items():
        if key in usable:
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
    return list(usable.values())
