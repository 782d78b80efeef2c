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
_LINE = re.compile(r"[^\r\n]+")
_PANDAS_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class CsvShapeError(ValueError):
    """The text is not a rectangular CSV; carries the problem located by line."""

    def __init__(self, problem: Problem, others: list[Problem] | None = None) -> None:
        super().__init__(problem.describe())
        self.problem = problem
        # Every problem of the same kind (each cell with a line break), the first being `problem`.
        self.problems = [problem, *(others or [])]


def header_cells(text: str) -> list[str]:
    """The stripped cells of the first line with any content (Excel pads files with rows of bare commas)."""
    # Line by line from the start: splitlines() would make a string of every line of a million-row file first.
    for match in _LINE.finditer(text):
        raw = match.group()
        if raw.strip(" ,\t;"):
            # csv, not pandas: a line cut inside a quote (a truncated file) is still a header to show, never an error.
            try:
                cells = next(csv.reader([raw]), [])
            except csv.Error:
                cells = raw.split(",")
            return [cell.strip() for cell in cells]
    return []


def read_cells(text: str) -> pd.DataFrame:
    """All data rows as strings (blank cells are ''), column names stripped, plus a LINE column.

    Blank lines are dropped but keep numbering right: a row's LINE is the line in the file where it starts,
    also after a quoted cell that spans lines. A row with more cells than the header is refused (pandas
    would otherwise take an extra leading cell as an index and shift every column).
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
    says less about a malformed file (no line number). Anything it refuses (a row wider or narrower than
    the header), or would read or number differently (blank or repeated header names, a quoted cell spanning
    lines), goes through pandas, which explains the problem or numbers the lines.
    """
    try:
        header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or len(text)])))
        data = text.encode("utf-8")
    except (StopIteration, csv.Error, UnicodeEncodeError):
        return None
    names = [cell.strip() for cell in header]
    if not all(names) or len(set(names)) != len(names):
        return None
    try:
        table = pcsv.read_csv(
            io.BytesIO(data),
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
    # A quoted line break makes a row span lines, so row index + 2 is no longer its line number.
    if '"' in text and any(pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py() for column in table.columns):
        return None
    table = table.rename_columns(names)
    return table.append_column(LINE, pa.array(range(2, table.num_rows + 2), type=pa.int64()))


def _drop_blank_rows(table: pa.Table) -> pa.Table:
    """Rows with every cell blank (Excel's rows of bare commas) are not data."""
    blank = None
    for name in table.column_names:
        if name != LINE:
            empty = pc.equal(table[name], "")
            blank = empty if blank is None else pc.and_(blank, empty)
    if blank is None or not pc.any(blank).as_py():
        return table
    return table.filter(pc.invert(blank))


def _read_cells_pandas(text: str) -> pd.DataFrame:
    """read_cells through pandas, for files Arrow refuses: it names the line of a badly shaped row."""
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
    if record_lines:
        broken = _line_break_problems(frame, header)
        if broken:
            raise CsvShapeError(broken[0], broken[1:])
    blank = (frame.drop(columns=LINE) == "").all(axis=1)
    return frame.loc[~blank].reset_index(drop=True)


def _line_break_problems(frame: pd.DataFrame, header: list[str], most: int = 20) -> list[Problem]:
    """Cells holding a line break, each at the line where it begins (at most `most`, one a row).

    Quoted, a line break is valid CSV, but in a code, period or number it hides part of the value; it is
    refused, naming the cell. A published name ('Provider Name') may wrap harmlessly: rows keep their lines.
    """
    problems: list[Problem] = []
    broken_header = next((name for name in header if "\n" in name or "\r" in name), None)
    if broken_header is not None:
        problems.append(_line_break_problem(1, broken_header.splitlines()[0], broken_header))
    checked = [name for name in header if "name" not in name.lower()]
    if not checked:
        return problems
    wraps = frame[checked].apply(lambda column: column.str.contains("[\r\n]", regex=True)).any(axis=1)
    for index in wraps[wraps].index[:most]:
        line = int(frame[LINE].iat[index])
        for name in header:
            cell = frame[name].iat[index]
            if name in checked and ("\n" in cell or "\r" in cell):
                problems.append(_line_break_problem(line, name, cell))
                break
            line += cell.count("\n")  # an earlier cell that wraps moves this cell's line down
    return problems


def _line_break_problem(line: int, column: str, cell: str) -> Problem:
    return Problem(
        "has a line break inside the cell, so it runs onto the next line",
        line=line,
        column=column or None,
        value=cell[:40],
        fix="remove the line break (in Excel, find it with Ctrl+J) and save the file again",
    )


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


def unfinished_last_line(text: str) -> Problem | None:
    """A CSV that stops part-way through its last line (a cut download), named by that line.

    Every program that writes CSV ends the last line with a line break. Without one, a last row with fewer cells
    than the header was certainly cut short (an error); one with every cell may have lost the end of its last
    value, which only a person can check (a warning to tick).
    """
    if not text or text.endswith(("\n", "\r")):
        return None
    start = text.rfind("\n") + 1
    last = text[start:]
    if start == 0 or not last.strip(" ,\t;"):
        return None
    line = text.count("\n", 0, start) + 1
    header = header_cells(text)
    try:
        cells = next(csv.reader([last]), []) if last.count('"') % 2 == 0 else None
    except csv.Error:
        cells = None
    if cells is not None and len(cells) < len(header):
        return Problem(
            f"the file ends part-way through this line: it has {len(cells)} of the header's {len(header)} cells "
            "and no line break, so the file looks cut short",
            line=line,
            fix="download the file again; if the row really is short, end it with the missing commas and a line break",
        )
    return Problem(
        "the file's last line has no line break at its end: if the file was cut short, its last value may be "
        "incomplete",
        line=line,
        severity="warning",
        fix="check the last row against the source and tick if it is complete, or download the file again",
    )
