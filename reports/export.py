"""The dashboard's figures as files a spreadsheet opens: CSV and XLSX."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any


def _csv_value(value: Any) -> str:
    # Norwegian Excel reads `;`-separated files with a decimal comma.
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return f"{value}".replace(".", ",")
    return str(value)


def to_csv(sheets: dict[str, list[list[Any]]]) -> bytes:
    """One section per sheet, a blank line between; UTF-8 with BOM so that
    Excel shows æ, ø and å."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for i, (title, rows) in enumerate(sheets.items()):
        if i:
            writer.writerow([])
        writer.writerow([title])
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = max(
            12, min(60, max((len(str(r[0])) for r in rows), default=10) + 2)
        )
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
