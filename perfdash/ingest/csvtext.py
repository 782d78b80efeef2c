"""Read CSV text into a frame of strings that remembers each row's line in the file."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from perfdash.ingest.model import Problem

LINE = "__line__"
_PANDAS_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class CsvShapeError(ValueError):
    """The text is not a rectangular CSV; carries the problem located by line."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


def header_cells(text: str) -> list[str]:
    """The stripped cells of the first line with any content (Excel pads files with rows of bare commas)."""
    for raw in text.splitlines():
        if raw.strip(" ,\t;"):
            frame = pd.read_csv(io.StringIO(raw), header=None, dtype=str, keep_default_na=False)
            return [str(cell).strip() for cell in frame.iloc[0].tolist()]
    return []


def read_cells(text: str) -> pd.DataFrame:
    """All data rows as strings (blank cells are ''), column names stripped, plus a LINE column.

    Blank lines are dropped but keep numbering right: a row's LINE is the line in the file where it starts,
    also after a quoted cell that spans lines. A row with more cells than the header is refused (pandas
    would otherwise take an extra leading cell as an index and shift every column).
    """
    if not text.strip():
        raise CsvShapeError(Problem("The file is empty.", fix="Upload a CSV with a header row and data rows."))
    record_lines = _record_lines(text)
    try:
        # header=None: the header is row 0, so every data row must fit its width or the parser says where.
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as error:
        match = _PANDAS_LINE.search(str(error))
        if match:
            expected, record, seen = (int(g) for g in match.groups())
            line = record_lines[record - 1] if record_lines and record <= len(record_lines) else record
            raise CsvShapeError(
                Problem(
                    f"this row has {seen} cells but the header has {expected}",
                    line=line,
                    fix="check for an unquoted comma in a value, an extra cell at the start, "
                    "or a row from another file pasted in",
                )
            ) from None
        raise CsvShapeError(Problem(f"The file cannot be read as CSV: {str(error)[:200]}")) from None
    header = [str(c).strip() for c in frame.iloc[0].fillna("").tolist()]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise CsvShapeError(
            Problem(
                f"the header names {', '.join(repr(n) for n in repeated)} more than once",
                line=1,
                fix="keep one column of each name",
            )
        )
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = header
    # A row with fewer cells than the header leaves NaN; treat those cells as blank like any other.
    frame = frame.fillna("")
    lines = record_lines[1 : len(frame) + 1] if record_lines else range(2, len(frame) + 2)
    frame[LINE] = list(lines) if record_lines else lines
    blank = (frame.drop(columns=LINE) == "").all(axis=1)
    return frame.loc[~blank].reset_index(drop=True)


def _record_lines(text: str) -> list[int] | None:
    """The line each CSV record starts on, when a quoted cell spans lines (None when none does)."""
    if '"' not in text:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, previous_end = [], 0
    try:
        for _ in reader:
            starts.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error:
        return None  # a stray carriage return: the parser below reports the file's shape
    # No multi-line record: record n is simply on line n.
    return None if previous_end == len(starts) else starts
