"""Helpers shared by the NHS England importers: numbers, months, problems and the canonical row frame."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from perfdash.ingest.csvtext import LINE, read_cells

# Importers take never_raises from here; it lives in ingest.guard so the canonical importer shares it.
from perfdash.ingest.guard import never_raises as never_raises
from perfdash.ingest.model import ROW_COLUMNS, Problem, empty_rows
from perfdash.periods import MONTH_NAMES, label, parse_month_name

# Cells meaning "no figure": NHS England writes '-' for not applicable; blank when not submitted.
MISSING_MARKERS = ("", "-")
# A whole number, optionally with thousands separators (quoted in the CSV) and a '.0' left by Excel.
_COUNT = r"(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.0+)?"
# A non-negative decimal, optionally with thousands separators: FTE days such as 30029.7635 or 1,234.5.
_DECIMAL = r"(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?|\.\d+"
# A decimal that may be negative or in Excel's exponent form (1.5E-05), for figures that are not counts.
_SIGNED_DECIMAL = r"-?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?(?:[eE]-?\d+)?"
# The code NHS England's own files use for England (AmbSYS 'Area', dementia 'ODS Code'); England rows load under it.
ENGLAND_CODE = "ENG"
# At most this many problems are listed per column; the rest are summarised in one more problem.
MAX_PROBLEMS_PER_COLUMN = 20

_PUBLICATION_PERIOD = re.compile(r"^([A-Za-z]+)-([A-Za-z]+)-(\d{4})$", re.ASCII)
# Month forms month_of accepts: 2025-04-01 or 2025-04 (ISO, optional time), 01/04/2025 (UK day/month/year,
# optional time), APR-25, Apr-2025, April 2025, April-2025, Apr25. Any day of the month reads as that month.
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$", re.ASCII)
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$", re.ASCII)
_NAMED_MONTH = re.compile(r"^([A-Za-z]+)[\s\-]*(\d{4}|\d{2})$", re.ASCII)


def read_text_cells(text: str) -> pd.DataFrame:
    """read_cells, with the cells a short row lacks read as blank (pandas leaves them missing)."""
    cells = read_cells(text)
    text_columns = [c for c in cells.columns if c != LINE]
    cells[text_columns] = cells[text_columns].fillna("")
    return cells


# --- numbers -------------------------------------------------------------------------------------------


@dataclass
class Counts:
    """Numbers read from count columns: values (NaN when missing or unreadable) and where cells were bad."""

    values: pd.DataFrame
    bad: pd.DataFrame
    missing: pd.DataFrame

    def any_bad(self, columns: Iterable[str]) -> pd.Series:
        """True for rows where any of these columns held something that is not a number."""
        return self.bad[list(columns)].any(axis=1)

    @property
    def missing_total(self) -> int:
        """How many cells were blank or '-'."""
        return int(self.missing.to_numpy().sum())


def parse_counts(
    cells: pd.DataFrame,
    columns: Sequence[str],
    problems: list[Problem],
    *,
    missing_is_zero: bool = False,
) -> Counts:
    """Read whole-number columns; blanks and '-' are missing (or zero), anything else unreadable is a problem."""
    return _parse_numbers(cells, columns, problems, _COUNT, "whole number", missing_is_zero=missing_is_zero)


def parse_decimals(
    cells: pd.DataFrame,
    columns: Sequence[str],
    problems: list[Problem],
    *,
    signed: bool = False,
    missing: Sequence[str] = MISSING_MARKERS,
    sheet: str | None = None,
) -> Counts:
    """Read columns that may hold fractions (half patients, estimates) exactly as written: never rounded.

    signed also reads negative numbers and Excel's exponent form; `missing` lists the cells meaning no figure;
    sheet names the workbook sheet in each problem.
    """
    pattern = _SIGNED_DECIMAL if signed else _DECIMAL
    return _parse_numbers(cells, columns, problems, pattern, "number", missing=missing, sheet=sheet)


def _parse_numbers(
    cells: pd.DataFrame,
    columns: Sequence[str],
    problems: list[Problem],
    pattern: str,
    what: str,
    *,
    missing_is_zero: bool = False,
    missing: Sequence[str] = MISSING_MARKERS,
    sheet: str | None = None,
) -> Counts:
    """Numbers matching pattern; `missing` cells are missing (or zero); anything else is a located problem."""
    columns = list(columns)
    index = cells.index
    if not columns or cells.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}, index=index)
        flags = pd.DataFrame({c: pd.Series(dtype=bool) for c in columns}, index=index)
        return Counts(values=empty, bad=flags, missing=flags.copy())
    # Every cell in one pass (stacked), not one pass per column: extracts have a hundred band columns.
    text = cells[columns].stack(future_stack=True).astype("str").str.strip()
    is_missing = text.isin(list(missing))
    is_number = text.str.fullmatch(pattern).astype(bool)
    number = pd.to_numeric(text.where(is_number).str.replace(",", "", regex=False), errors="coerce")
    number = number.astype("float64")
    if missing_is_zero:
        number = number.mask(is_missing, 0.0)
    bad = ~(is_missing | is_number)

    def wide(series: pd.Series) -> pd.DataFrame:
        return series.unstack()[columns].reindex(index)

    bad_frame = wide(bad).astype(bool)
    for column in columns:
        if bad_frame[column].any():
            problems.extend(_number_problems(cells, column, bad_frame[column], what, sheet, missing))
    return Counts(values=wide(number), bad=bad_frame, missing=wide(is_missing).astype(bool))


def _number_problems(
    cells: pd.DataFrame,
    column: str,
    bad: pd.Series,
    what: str = "whole number",
    sheet: str | None = None,
    missing: Sequence[str] = MISSING_MARKERS,
) -> list[Problem]:
    """One problem per unreadable cell, up to a limit, then a summary."""
    markers = "".join(f" or write '{marker}'" for marker in missing if marker)  # what this file writes for none
    lines = cells.loc[bad, LINE].tolist()
    found = cells.loc[bad, column].tolist()
    problems = [
        Problem(
            f"'{column}' should be a {what}",
            line=int(line),
            column=column,
            value=str(value),
            fix=f"write a {what} such as 1234 or 1,234{' or 126.5' if what == 'number' else ''}; leave the cell blank"
            f"{markers} if there is no figure",
            sheet=sheet,
        )
        for line, value in zip(lines[:MAX_PROBLEMS_PER_COLUMN], found[:MAX_PROBLEMS_PER_COLUMN], strict=True)
    ]
    if len(lines) > MAX_PROBLEMS_PER_COLUMN:
        rest = len(lines) - MAX_PROBLEMS_PER_COLUMN
        problems.append(
            Problem(
                f"{rest:,} more cells in '{column}' are not {what}s (lines {lines[MAX_PROBLEMS_PER_COLUMN]} "
                f"to {lines[-1]})",
                line=int(lines[MAX_PROBLEMS_PER_COLUMN]),
                column=column,
                fix="check that this column holds counts and was not shifted by a stray comma",
                sheet=sheet,
            )
        )
    return problems


def parse_shares(text: pd.Series) -> pd.Series:
    """Published shares as fractions: '0.7385' stays, '73.8%' (a CSV saved from Excel) is 0.738; else NaN."""
    text = text.str.strip()
    percent = text.str.endswith("%")
    number = pd.to_numeric(text.str.rstrip("%").str.replace(",", "", regex=False), errors="coerce")
    return number.where(~percent, number / 100.0).astype("float64")


def missing_note(count: int) -> list[str]:
    """A note saying how many cells were treated as missing, or nothing."""
    if count == 0:
        return []
    cells = "cell was" if count == 1 else "cells were"
    return [f"{count:,} {cells} blank or '-' and treated as missing (not zero)."]


# --- months --------------------------------------------------------------------------------------------


def publication_period(text: str, prefix: str) -> str | None:
    """'YYYY-MM' from a publication period cell such as 'MSitAE-APRIL-2025' or 'RTT-June-2026'."""
    match = _PUBLICATION_PERIOD.match(text.strip())
    if not match or match.group(1).lower() != prefix.lower():
        return None
    return parse_month_name(match.group(2), match.group(3))


def month_of(text: str) -> str | None:
    """'YYYY-MM' for a cell naming a month (forms listed above), else None."""
    text = text.strip()
    if match := _ISO_DATE.match(text):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        return _valid(year, month, day)
    if match := _UK_DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
        return _valid(year, month, day)
    if match := _NAMED_MONTH.match(text):
        name, year_text = match.groups()
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        if name.lower() in MONTH_NAMES:
            return _valid(year, MONTH_NAMES[name.lower()], 1)
    return None


def _valid(year: int, month: int, day: int) -> str | None:
    """'YYYY-MM' when year, month and day make a real date in a plausible range."""
    try:
        date(year, month, day)
    except ValueError:
        return None
    if not 1900 <= year <= 2200:
        return None
    return f"{year:04d}-{month:02d}"


def map_unique(values: pd.Series, parse: Callable[[str], str | None]) -> pd.Series:
    """Apply a text parser once per distinct value (files repeat the same few values many times)."""
    lookup = {value: parse(value) for value in values.unique()}
    return values.map(lookup).astype("str")


def month_problems(
    cells: pd.DataFrame, column: str, months: pd.Series, example: str, *, blank_ok: bool = False
) -> tuple[list[Problem], pd.Series]:
    """Problems for cells that are not months, and a mask of the rows whose month was read."""
    read = months.notna()
    bad = ~read
    if blank_ok:
        bad &= cells[column].str.strip() != ""
    problems = [
        Problem(
            f"'{column}' is not a month perfdash can read",
            line=int(line),
            column=column,
            value=str(value),
            fix=f"write the month like {example}",
        )
        for line, value in head_rows(cells.loc[bad, [LINE, column]])
    ]
    return problems, read


def single_period(
    cells: pd.DataFrame, column: str, months: pd.Series, example: str
) -> tuple[str | None, pd.Series, list[Problem]]:
    """The one month a monthly file is for (the most common), rows that agree with it, and problems for the rest."""
    problems, read = month_problems(cells, column, months, example)
    if not read.any():
        return None, read, problems
    counts = months[read].value_counts()
    period = str(counts.index[0])
    other = read & (months != period)
    for line, value, month in head_rows(pd.concat([cells[[LINE, column]], months.rename("_m")], axis=1)[other]):
        problems.append(
            Problem(
                f"this row is for {label(month)} but the rest of the file is for {label(period)}",
                line=int(line),
                column=column,
                value=str(value),
                fix="upload one month per file; remove rows copied in from another month's file",
            )
        )
    return period, read & ~other, problems


def head_rows(frame: pd.DataFrame) -> list[tuple]:
    """Rows as tuples, at most a few hundred so a broken file cannot flood the analyst."""
    return list(frame.head(200).itertuples(index=False, name=None))


# --- codes, duplicates and headers ---------------------------------------------------------------------


def org_codes(cells: pd.DataFrame, column: str, problems: list[Problem]) -> tuple[pd.Series, pd.Series]:
    """Upper-case stripped organisation codes and a mask of rows that have one (blank codes are problems)."""
    codes = cells[column].str.strip().str.upper()
    present = codes != ""
    for (line,) in head_rows(cells.loc[~present, [LINE]]):
        problems.append(
            Problem(
                f"this row has no '{column}'",
                line=int(line),
                column=column,
                fix="fill in the organisation's ODS code, or delete the row",
            )
        )
    return codes, present


def duplicate_problems(keys: pd.DataFrame, lines: pd.Series, what: str) -> tuple[list[Problem], pd.Series]:
    """Problems for rows repeating an earlier row's key, and a mask of the first occurrences."""
    # Rows with a blank or unreadable key part are not compared: they already have their own problem.
    complete = keys.notna().all(axis=1) & (keys != "").all(axis=1)
    repeated = keys.duplicated(keep="first") & complete
    if not repeated.any():
        return [], ~repeated
    first_line = lines.groupby([keys[c] for c in keys.columns], sort=False, dropna=False).transform("min")
    problems = [
        Problem(
            f"{what} appears more than once (first on line {int(first)})",
            line=int(line),
            value=" / ".join(str(v) for v in key),
            fix="keep one row for each and delete the repeat",
        )
        for line, first, *key in head_rows(pd.concat([lines, first_line.rename("_first"), keys], axis=1)[repeated])
    ]
    return problems, ~repeated


def missing_columns(found: Iterable[str], required: Iterable[str], what: str, line: int = 1) -> list[Problem]:
    """A problem naming the columns a file lacks (when parse is called on the wrong file)."""
    absent = [c for c in required if c not in set(found)]
    if not absent:
        return []
    names = ", ".join(f"'{c}'" for c in absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
    return [
        Problem(
            f"this does not look like {what}: the header has no {names}",
            line=line,
            fix=f"upload the file exactly as NHS England publishes it ({what})",
        )
    ]


def header_is(cells: Sequence[str], expected: Iterable[str]) -> bool:
    """True when the header has exactly these columns (any order, each once, surrounding spaces ignored)."""
    stripped = [c.strip() for c in cells]
    wanted = set(expected)
    return len(stripped) == len(wanted) and set(stripped) == wanted


# --- canonical rows ------------------------------------------------------------------------------------


def count_rows(keys: pd.DataFrame, metric_id: str, value: pd.Series) -> pd.DataFrame:
    """Canonical rows for a count metric (value only); rows without a value are left out."""
    value = value.reindex(keys.index)
    frame = keys.assign(metric_id=metric_id, value=value, numerator=np.nan, denominator=np.nan)
    return frame[frame["value"].notna()]


def ratio_rows(keys: pd.DataFrame, metric_id: str, numerator: pd.Series, denominator: pd.Series) -> pd.DataFrame:
    """Canonical rows for a percentage (0-100) with numerator and denominator; zero denominators give no row."""
    numerator, denominator = numerator.reindex(keys.index), denominator.reindex(keys.index)
    keep = numerator.notna() & (denominator > 0)
    frame = keys.assign(
        metric_id=metric_id,
        value=100.0 * numerator / denominator.where(keep),
        numerator=numerator,
        denominator=denominator,
    )
    return frame[keep]


def build_rows(parts: Sequence[pd.DataFrame], metric_order: Sequence[str]) -> pd.DataFrame:
    """One canonical frame from per-metric parts, in file order then metric order, with the model's dtypes."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_rows()
    frame = pd.concat([p[ROW_COLUMNS] for p in parts], ignore_index=True)
    order = {metric: i for i, metric in enumerate(metric_order)}
    frame = frame.assign(_order=frame["metric_id"].map(order)).sort_values(["line", "_order"], kind="stable")
    frame = frame.drop(columns="_order").reset_index(drop=True)
    return frame.astype(
        {
            "period": "str",
            "org_code": "str",
            "metric_id": "str",
            "value": "float64",
            "numerator": "float64",
            "denominator": "float64",
            "line": "int64",
        }
    )
