"""The one spreadsheet writer (housing_office.spreadsheets): formula-leading
text is neutralised in CSV and XLSX alike, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from housing_office.spreadsheets import neutralise, to_csv, to_xlsx

HOSTILE = ['=HYPERLINK("http://x","y")', "+47 99 99 99 99", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_leading_text_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Kari Nordmann", "", "'allerede sitert", "2024", "Ål–sund"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


def sheets():
    return {"=Ark": [["Navn", "Beløp", "Andel"], *[[t, -1500, Decimal("-2.5")] for t in HOSTILE]]}


def test_csv_cells_never_start_a_formula_and_numbers_stay_numbers():
    text = to_csv(sheets()).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["'=Ark"]
    assert [r[0] for r in rows[2:]] == ["'" + t for t in HOSTILE]
    assert {(r[1], r[2]) for r in rows[2:]} == {("-1500", "-2,5")}


def test_xlsx_cells_are_text_never_formulas_and_numbers_stay_numbers():
    workbook = load_workbook(io.BytesIO(to_xlsx(sheets())))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows())[1:]
    assert [r[0].value for r in rows] == ["'" + t for t in HOSTILE]
    assert {r[0].data_type for r in rows} == {"s"}
    assert {(r[1].value, r[2].value) for r in rows} == {(-1500, -2.5)}
