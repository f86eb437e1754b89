"""The one writer for every file a spreadsheet opens: CSV and XLSX.

Every export (the dashboard's figures, a household's innsynslogg) goes
through here, so that no export can let a formula through. A text that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (a name such as
`=HYPERLINK("http://…","Klikk")` becomes a live link, or worse); such a text
is written with a leading apostrophe, which makes the program show it as
text. See OWASP, "CSV Injection":
https://owasp.org/www-community/attacks/CSV_Injection

Numbers stay numbers: only text is neutralised, so a negative amount is
still a number in the sheet.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

# Characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A file's sheets: title → rows, each row a sequence of cell values.
Sheets = Mapping[str, Sequence[Sequence[Any]]]

NUMBER_TYPES = (int, float, Decimal)


def neutralise(text: str) -> str:
    """`text` made safe for a spreadsheet cell: a formula-leading text gets a
    leading apostrophe, anything else is left as it is."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _is_number(value: Any) -> bool:
    return isinstance(value, NUMBER_TYPES) and not isinstance(value, bool)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if _is_number(value):
        # Norwegian Excel reads `;`-separated files with a decimal comma.
        return f"{value}".replace(".", ",") if isinstance(value, float | Decimal) else str(value)
    return neutralise(str(value))


def to_csv(sheets: Sheets) -> bytes:
    """One section per sheet, its title first and a blank line between;
    `;`-separated UTF-8 with BOM, so that Norwegian Excel shows æ, ø and å
    and splits the columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for i, (title, rows) in enumerate(sheets.items()):
        if i:
            writer.writerow([])
        writer.writerow([_csv_value(title)])
        writer.writerows([_csv_value(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if value is None or _is_number(value) or isinstance(value, datetime.date):
        return value
    return neutralise(str(value))


def to_xlsx(sheets: Sheets) -> bytes:
    """One worksheet per sheet; the first row bold and frozen. Every text
    cell is written as a string cell, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=_sheet_title(title))
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                # openpyxl takes any text starting with "=" for a formula;
                # say outright that it is text.
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING
        if rows:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = max(
            12, min(60, max((len(str(r[0])) for r in rows if r), default=10) + 2)
        )
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel allows 31 characters and none of : \ / ? * [ ].
    return "".join("_" if c in ":\\/?*[]" else c for c in str(title))[:31]
