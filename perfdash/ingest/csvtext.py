"""Read CSV text into a frame of strings that remembers each row's line in the file."""

from __future__ import annotations

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

    Blank lines are dropped but keep numbering right: a row's LINE is its 1-based line in the file.
    """
    if not text.strip():
        raise CsvShapeError(Problem("The file is empty.", fix="Upload a CSV with a header row and data rows."))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as error:
        match = _PANDAS_LINE.search(str(error))
        if match:
            expected, line, seen = (int(g) for g in match.groups())
            raise CsvShapeError(
                Problem(
                    f"this row has {seen} cells but the header has {expected}",
                    line=line,
                    fix="check for an unquoted comma in a value, or a row from another file pasted in",
                )
            ) from None
        raise CsvShapeError(Problem(f"The file cannot be read as CSV: {error}")) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    # A row with fewer cells than the header leaves NaN; treat those cells as blank like any other.
    frame = frame.fillna("")
    frame[LINE] = range(2, len(frame) + 2)
    blank = (frame.drop(columns=LINE) == "").all(axis=1)
    return frame.loc[~blank].reset_index(drop=True)
