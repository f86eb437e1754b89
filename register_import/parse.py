"""Reading the import files: bytes to rows of text, and text to values.

Formats accepted (the import contract in README.md): UTF-8 with or without
BOM; `,` or `;` as separator (taken from the header line); a header row in
any column order; decimal comma or point (with space or dot as thousands
separator when a comma is the decimal mark); dates `YYYY-MM-DD` or
`DD.MM.YYYY`; booleans ja/nei, yes/no, true/false, 1/0.

Besides the contract's columns the dwellings file may carry `ownership`
(`owned`/`leased`, also `eid`/`innleid`), which Statistics Norway's KOSTRA
form 13 (*kommunalt disponerte boliger*) asks for.

Nothing here touches the database; problems go to the caller's error list
as `FILE:LINE: message`, LINE being the physical line (the header is 1).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from housing_office.national_id import InvalidNationalId
from housing_office.national_id import parse as parse_national_id


@dataclass(frozen=True)
class SourceFile:
    """One uploaded or given file: the name used in error lines, and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class CellError(ValueError):
    """A value that cannot be read; the message is for the office."""


# PostgreSQL text cannot hold the NUL character (it ends a C string), so a
# NUL would pass every check and fail only when written: it is refused while
# reading instead. The message never repeats the offending text, because the
# job's result (a jsonb column) cannot hold a NUL either.
NUL = "\x00"


def nul_message(where: str) -> str:
    return _("%(where)s inneholder et nulltegn (NUL), som ikke kan lagres") % {"where": where}


# --------------------------------------------------------------------------
# Files to rows


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
    if any(NUL in name for name in header):
        errors.append(RowError(source.name, 1, nul_message(_("overskriftsraden"))))
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
    # A header without blank names (the usual one) maps cells to columns in C.
    every_column_named = all(header)
    strip = str.strip
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
        if not "".join(cells).strip():  # every cell empty or blank
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
        if every_column_named:
            rows.append(Row(start, dict(zip(header, map(strip, cells), strict=True))))
        else:
            rows.append(
                Row(start, {name: cell.strip() for name, cell in zip(header, cells, strict=True) if name})
            )
    return rows


# --------------------------------------------------------------------------
# Text to values


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
    digits = text.isascii() and text.isdigit()  # not "٠١٥٠": any script's digits pass isdigit()
    # Spreadsheets drop the leading zero of Oslo's postal codes (0150 → 150).
    if digits and len(text) < 4:
        text = text.zfill(4)
    if not (digits and len(text) == 4):
        raise CellError(_("postnummeret «%(v)s» har ikke fire siffer") % {"v": value})
    return text


def parse_national_id_cell(value: str) -> str:
    try:
        return parse_national_id(value).number
    except InvalidNationalId as exc:
        raise CellError(str(exc)) from None


def parse_email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(_("«%(v)s» er ikke en gyldig e-postadresse") % {"v": value}) from None
    return value


class Choices:
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


CATEGORY_ALIASES = {"generell": "general", "omsorg": "care", "akutt": "emergency"}
OWNERSHIP_ALIASES = {
    "eid": "owned",
    "eiet": "owned",
    "kommunalt eid": "owned",
    "innleid": "leased",
    "leid": "leased",
}
