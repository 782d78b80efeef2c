"""Read CSV text into a frame of strings that remembers each row's line in the file."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

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
    table = read_arrow_cells(text)
    if table is not None:
        return _drop_blank_rows(table).to_pandas()
    return _read_cells_pandas(text)


def read_arrow_cells(text: str) -> pa.Table | None:
    """A well-formed CSV as an Arrow table of strings with LINE; None when pandas must read it instead.

    Arrow's reader is 5x faster than pandas' string reader and makes no Python object per cell, but it
    says less about a malformed file (no line number); anything it refuses, or reads differently from
    pandas (duplicate or blank header names), goes through pandas, which explains the problem.
    """
    try:
        header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or len(text)])))
    except (StopIteration, csv.Error):
        return None
    names = [cell.strip() for cell in header]
    if not all(names) or len(set(header)) != len(header):
        return None
    try:
        table = pcsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            # Every blank line is a row of blank cells, so a row's index still gives its line number.
            parse_options=pcsv.ParseOptions(ignore_empty_lines=False, newlines_in_values='"' in text),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.large_string() for name in header}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if table.column_names != header:
        return None
    table = table.rename_columns(names)
    return table.append_column(LINE, pa.array(range(2, table.num_rows + 2), type=pa.int64()))


def _drop_blank_rows(table: pa.Table) -> pa.Table:
    """Rows with every cell blank (Excel's rows of bare commas, blank lines) are not data."""
    blank = None
    for name in table.column_names:
        if name != LINE:
            empty = pc.equal(table[name], "")
            blank = empty if blank is None else pc.and_(blank, empty)
    if blank is None or not pc.any(blank).as_py():
        return table
    return table.filter(pc.invert(blank))


def _read_cells_pandas(text: str) -> pd.DataFrame:
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
