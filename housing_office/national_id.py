"""Norwegian national identity numbers (fødselsnummer, D-nummer, H-nummer).

Rules from Skatteetaten's description of the national identity number
(skatteetaten.no, "Fødselsnummer"), fnrinfo.no and python-stdnum:

* 11 digits: ddmmyy, three individual digits, two check digits k1 and k2.
* D-nummer: day + 40. H-nummer: month + 40. First digit 8 or 9: an
  FH-number, which carries no date.
* Numbers issued from 1 January 2032 may use k1 with a remainder of 0–3
  (the weighted sum including k1 is 0, 1, 2 or 3 mod 11); k2 is unchanged.
  Such numbers encode neither sex nor, reliably, century.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


class Kind(StrEnum):
    FODSELSNUMMER = "fnr"
    D_NUMBER = "d"
    H_NUMBER = "h"
    FH_NUMBER = "fh"


@dataclass(frozen=True)
class NationalId:
    number: str
    kind: Kind
    birth_date: datetime.date | None
    # True when k1 only passes under the 2032 rule (remainder 1–3).
    new_scheme: bool


class InvalidNationalId(ValueError):
    """Raised with a Norwegian message saying what is wrong."""


def _century(year2: int, individual: int) -> int | None:
    if individual <= 499:
        return 1900
    if 500 <= individual <= 749 and year2 >= 54:
        return 1800
    if individual >= 500 and year2 < 40:
        return 2000
    if individual >= 900 and year2 >= 40:
        return 1900
    return None


def _invalid_date() -> InvalidNationalId:
    # Built only on failure: translating the message costs more than the check.
    return InvalidNationalId(str(_("Fødselsnummeret har ingen gyldig fødselsdato.")))


def compact(value: str) -> str:
    """Strip the spaces and dots people type into numbers."""
    text = str(value)
    if text.isdigit():
        # The usual spelling, nothing to strip (an import checks hundreds
        # of thousands).
        return text
    return "".join(ch for ch in text if ch not in " .-")


def parse(value: str) -> NationalId:
    """Return the parsed number, or raise InvalidNationalId with the reason."""
    number = compact(value)
    # ASCII digits only: "²" and other Unicode digits pass isdigit() but
    # are no digit of a national identity number (and int() refuses some).
    if len(number) != 11 or not number.isascii() or not number.isdigit():
        raise InvalidNationalId(str(_("Fødselsnummeret må ha 11 siffer.")))
    d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10 = map(int, number)

    # The weights W1 and W2, written out: the register import checks every
    # number of the national register with this.
    k1_remainder = (3 * d0 + 7 * d1 + 6 * d2 + d3 + 8 * d4 + 9 * d5 + 4 * d6 + 5 * d7 + 2 * d8 + d9) % 11
    if k1_remainder > 3:
        raise InvalidNationalId(str(_("Kontrollsifrene stemmer ikke.")))
    k2_sum = 5 * d0 + 4 * d1 + 3 * d2 + 2 * d3 + 7 * d4 + 6 * d5 + 5 * d6 + 4 * d7 + 3 * d8 + 2 * d9 + d10
    if k2_sum % 11 != 0:
        raise InvalidNationalId(str(_("Kontrollsifrene stemmer ikke.")))
    new_scheme = k1_remainder != 0

    if d0 >= 8:
        return NationalId(number, Kind.FH_NUMBER, None, new_scheme)

    day = d0 * 10 + d1
    month = d2 * 10 + d3
    year2 = d4 * 10 + d5
    individual = d6 * 100 + d7 * 10 + d8
    kind = Kind.FODSELSNUMMER
    # Each offset is undone on its own, as python-stdnum does; a number with
    # both is classed by its day.
    if month > 40:
        kind, month = Kind.H_NUMBER, month - 40
    if day > 40:
        kind, day = Kind.D_NUMBER, day - 40

    if new_scheme:
        # From 2032 the individual digits no longer tell the century: check
        # the day and month only (against a leap year) and leave the birth
        # date to the Folkeregister.
        try:
            datetime.date(2000, month, day)
        except ValueError:
            raise _invalid_date() from None
        return NationalId(number, kind, None, new_scheme)

    century = _century(year2, individual)
    if century is None:
        raise _invalid_date()
    try:
        birth_date = datetime.date(century + year2, month, day)
    except ValueError:
        raise _invalid_date() from None
    return NationalId(number, kind, birth_date, new_scheme)


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidNationalId:
        return False
    return True


def validate_national_id(value: str) -> None:
    """Django field validator."""
    if not value:
        return
    try:
        parse(value)
    except InvalidNationalId as exc:
        raise ValidationError(str(exc), code="invalid_national_id") from exc


def mask(value: str) -> str:
    """The form lists show: birth date part kept, the personal part hidden."""
    number = compact(value)
    if not number:
        return ""
    if len(number) != 11:
        return "•" * len(number)
    return f"{number[:6]} •••••"


def check_digits(first_nine: str) -> str | None:
    """The two check digits for nine digits under the classic rule, or None
    when no valid number exists for them (a remainder of 10). Used by the
    demo generator and the tests."""
    digits = [int(c) for c in first_nine]
    k1 = 11 - sum(w * d for w, d in zip(W1, digits, strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10:
        return None
    k2 = 11 - sum(w * d for w, d in zip(W2, [*digits, k1], strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    if k2 == 10:
        return None
    return f"{k1}{k2}"
