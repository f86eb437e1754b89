"""The national identity number validator: Skatteetaten's rules as
python-stdnum implements them, and the numbers issued from 2032."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer as oracle

from housing_office.national_id import (
    W1,
    W2,
    InvalidNationalId,
    Kind,
    check_digits,
    is_valid,
    mask,
    parse,
    validate_national_id,
)


def make(first_nine: str) -> str:
    digits = check_digits(first_nine)
    assert digits is not None, first_nine
    return first_nine + digits


def test_known_valid_fodselsnummer():
    parsed = parse("15108695088")
    assert parsed.kind is Kind.FODSELSNUMMER
    assert parsed.birth_date == datetime.date(1986, 10, 15)
    assert parsed.new_scheme is False


def test_spaces_and_dots_are_ignored():
    assert is_valid("151086 95088")
    assert is_valid("15.10.86 950 88")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1510869508", "11 siffer"),
        ("1510869508a", "11 siffer"),
        ("15108695089", "Kontrollsifrene"),
        ("", "11 siffer"),
        # Digits outside ASCII pass str.isdigit(): a superscript two (which
        # int() refuses) and Arabic-Indic digits (which it reads) alike.
        ("1510869508\u00b2", "11 siffer"),
        ("\u0661\u0665\u0661\u0660\u0668\u0666\u0669\u0665\u0660\u0668\u0668", "11 siffer"),
    ],
)
def test_invalid_numbers_say_why_in_norwegian(value, message):
    with pytest.raises(InvalidNationalId, match=message):
        parse(value)


def test_d_number_has_day_plus_40():
    number = make("551086950")
    parsed = parse(number)
    assert parsed.kind is Kind.D_NUMBER
    assert parsed.birth_date == datetime.date(1986, 10, 15)


def test_h_number_has_month_plus_40():
    number = make("155086950")
    parsed = parse(number)
    assert parsed.kind is Kind.H_NUMBER
    assert parsed.birth_date == datetime.date(1986, 10, 15)


def test_fh_number_has_no_date():
    number = make("812345678") if check_digits("812345678") else make("812345679")
    parsed = parse(number)
    assert parsed.kind is Kind.FH_NUMBER
    assert parsed.birth_date is None


@pytest.mark.parametrize(
    ("first_nine", "born"),
    [
        ("010190499", datetime.date(1990, 1, 1)),  # 000–499: 1900s
        ("010160600", datetime.date(1860, 1, 1)),  # 500–749 with year ≥ 54: 1800s
        ("010110600", datetime.date(2010, 1, 1)),  # 500–999 with year < 40: 2000s
        ("010150950", datetime.date(1950, 1, 1)),  # 900–999 with year ≥ 40: 1900s
    ],
)
def test_century_follows_the_individual_digits(first_nine, born):
    candidates = [first_nine[:6] + f"{int(first_nine[6:9]) + i:03d}" for i in range(0, 40)]
    number = next(make(c) for c in candidates if check_digits(c) and _same_band(c, first_nine))
    assert parse(number).birth_date == born


def _same_band(candidate: str, original: str) -> bool:
    bands = [(0, 499), (500, 749), (750, 899), (900, 999)]
    ind_c, ind_o = int(candidate[6:9]), int(original[6:9])
    return any(lo <= ind_c <= hi and lo <= ind_o <= hi for lo, hi in bands)


def test_individual_digits_outside_every_century_band_are_invalid():
    # 750–899 with a year ≥ 40 belongs to no century.
    number = next(make(f"010150{i:03d}") for i in range(750, 900) if check_digits(f"010150{i:03d}"))
    with pytest.raises(InvalidNationalId, match="fødselsdato"):
        parse(number)


def test_impossible_date_is_invalid():
    number = next(make(f"310286{i:03d}") for i in range(100, 200) if check_digits(f"310286{i:03d}"))
    with pytest.raises(InvalidNationalId, match="fødselsdato"):
        parse(number)


def _with_k1_remainder(first_nine: str, remainder: int) -> str | None:
    """A number whose k1 leaves `remainder` (the 2032 scheme allows 0–3)."""
    digits = [int(c) for c in first_nine]
    for k1 in range(10):
        if (sum(w * d for w, d in zip(W1, digits, strict=True)) + k1) % 11 != remainder:
            continue
        k2 = 11 - sum(w * d for w, d in zip(W2, [*digits, k1], strict=True)) % 11
        k2 = 0 if k2 == 11 else k2
        if k2 == 10:
            return None
        return f"{first_nine}{k1}{k2}"
    return None


@pytest.mark.parametrize("remainder", [1, 2, 3])
def test_numbers_from_2032_may_use_k1_remainders_up_to_3(remainder):
    number = next(
        n for i in range(100, 400) if (n := _with_k1_remainder(f"150132{i:03d}", remainder)) is not None
    )
    parsed = parse(number)
    assert parsed.new_scheme is True
    # From 2032 the number no longer tells the century: the date is left to
    # the population register.
    assert parsed.birth_date is None


def test_k1_remainder_4_is_invalid_even_from_2032():
    number = next(n for i in range(100, 400) if (n := _with_k1_remainder(f"150132{i:03d}", 4)) is not None)
    with pytest.raises(InvalidNationalId):
        parse(number)


def test_django_validator_raises_validation_error():
    validate_national_id("")  # empty is allowed: the number is optional
    validate_national_id("15108695088")
    with pytest.raises(ValidationError) as excinfo:
        validate_national_id("15108695089")
    assert "Kontrollsifrene" in excinfo.value.messages[0]


def test_mask_never_shows_the_personal_part():
    assert mask("15108695088") == "151086 •••••"
    assert "95088" not in mask("15108695088")
    assert mask("") == ""


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_agrees_with_python_stdnum_on_classic_numbers(number):
    """python-stdnum knows the classic rules; where k1 is classic the two agree.

    Two differences are deliberate: stdnum refuses FH-numbers (they carry no
    date, but they are issued and valid) and future birth dates (left to the
    forms)."""
    ours = is_valid(number)
    if ours and parse(number).new_scheme:
        return
    theirs = oracle.is_valid(number)
    if theirs != ours:
        parsed = parse(number)
        assert parsed.kind is Kind.FH_NUMBER or parsed.birth_date > datetime.date.today()


@settings(max_examples=500, deadline=None)
@given(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)),
    st.integers(min_value=0, max_value=499),
)
def test_every_generated_number_round_trips(born, individual):
    first_nine = f"{born:%d%m%y}{individual:03d}"
    digits = check_digits(first_nine)
    if digits is None:
        return
    parsed = parse(first_nine + digits)
    assert parsed.birth_date == born
    assert parsed.kind is Kind.FODSELSNUMMER
