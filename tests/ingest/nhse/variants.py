"""Build variants of a real published sheet at test time: the same cells saved as .xlsx, or as CSV from Excel.

Nothing here is copied into the repo: tests pass in cells read from ../shared/data and change a few.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Container

import xlsxwriter

from perfdash.ingest.workbook import cell_text


def to_xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx holding these sheets' cells (numbers stay numbers, blanks stay blank)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells):
                if cell not in ("", None):
                    sheet.write(r, c, cell)
    book.close()
    return out.getvalue()


def to_excel_csv(rows: list[list[object]], header_row: int, percent_columns: Container[int]) -> bytes:
    """The cells as Excel's 'CSV' writes a formatted sheet: counts '9,733', percentages '4.7%', CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for r, cells in enumerate(rows, start=1):
        texts = []
        for c, cell in enumerate(cells):
            if isinstance(cell, float) and r > header_row and c in percent_columns:
                texts.append(f"{100 * cell:.1f}%")
            elif isinstance(cell, (int, float)) and r > header_row:
                texts.append(f"{int(cell):,}")
            else:
                texts.append(cell_text(cell))
        writer.writerow(texts)
    return out.getvalue().encode("utf-8")


def copy_rows(rows: list[list[object]]) -> list[list[object]]:
    """A copy that can be edited without touching the fixture."""
    return [list(r) for r in rows]
