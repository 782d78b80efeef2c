"""Small workbooks built in code, in the layouts of the real publications (never rows copied from them)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter


def xlsx(rows_by_sheet: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx written by a real Excel writer, each sheet from row 1; dates written as Excel dates."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in rows_by_sheet.items():
        sheet = book.add_worksheet(name)
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def real_bytes(shared_data: Path, folder: str, name: str) -> bytes:
    """A real published file's bytes from ../shared/data, or skip saying which file is missing."""
    path = shared_data / folder / name
    if not path.is_file():
        pytest.skip(f"real file {path} is missing")
    return path.read_bytes()
