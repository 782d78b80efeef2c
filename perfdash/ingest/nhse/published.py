"""Helpers for publications read from workbooks: England's code, decimal figures, and title-block facts."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Problem
from perfdash.ingest.nhse.common import ENGLAND_CODE, MAX_PROBLEMS_PER_COLUMN, MISSING_MARKERS
from perfdash.ingest.workbook import Sheet

__all__ = ["ENGLAND_CODE", "parse_numbers"]
# A decimal number, optionally with thousands separators; Excel leaves float noise such as 123853.000001.
_DECIMAL = re.compile(r"^-?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?(?:[eE]-?\d+)?$")
# Counts further than this from a whole number are not counts.
WHOLE_TOLERANCE = 1e-3


def parse_numbers(
    cells: pd.DataFrame,
    columns: Sequence[str],
    problems: list[Problem],
    *,
    sheet: str | None = None,
    missing: Sequence[str] = MISSING_MARKERS,
) -> pd.DataFrame:
    """Read number columns as floats; `missing` markers give NaN, anything else unreadable is a problem."""
    # One pass over every cell (stacked) rather than one per column: workbooks have a hundred band columns.
    columns = list(columns)
    stacked = cells[columns].astype("str").stack(future_stack=True).str.strip()
    is_missing = stacked.isin(list(missing))
    is_number = stacked.str.fullmatch(_DECIMAL.pattern).fillna(False).astype(bool)
    numbers = pd.to_numeric(stacked.where(is_number).str.replace(",", "", regex=False), errors="coerce")
    values = numbers.astype("float64").unstack()[columns] if len(stacked) else cells[columns].astype("float64")
    bad = ~(is_missing | is_number)
    if bad.any():
        for column in columns:
            rows = bad.xs(column, level=1)
            if rows.any():
                problems.extend(_number_problems(cells, column, rows[rows].index, sheet))
    return values.reindex(cells.index)


def _number_problems(cells: pd.DataFrame, column: str, index: pd.Index, sheet: str | None) -> list[Problem]:
    """One problem per unreadable cell, up to a limit, then a summary."""
    lines = cells.loc[index, LINE].tolist()
    found = cells.loc[index, column].tolist()
    problems = [
        Problem(
            f"'{column}' should be a number",
            line=int(line),
            column=column,
            value=str(value),
            fix="upload the file exactly as published; a number here may have been overtyped",
            sheet=sheet,
        )
        for line, value in list(zip(lines, found, strict=True))[:MAX_PROBLEMS_PER_COLUMN]
    ]
    if len(lines) > MAX_PROBLEMS_PER_COLUMN:
        problems.append(
            Problem(
                f"{len(lines) - MAX_PROBLEMS_PER_COLUMN:,} more cells in '{column}' are not numbers",
                line=int(lines[MAX_PROBLEMS_PER_COLUMN]),
                column=column,
                sheet=sheet,
            )
        )
    return problems


def whole(values: pd.Series) -> pd.Series:
    """Counts with Excel's float noise removed (123853.000001 is 123853); NaN stays NaN."""
    rounded = values.round()
    return rounded.where((values - rounded).abs() <= WHOLE_TOLERANCE, values)


TITLE_KEYS = ("Title", "Summary", "Period", "Basis", "Status", "Revised")


def title_facts(sheet: Sheet, keys: Sequence[str] = TITLE_KEYS) -> dict[str, str]:
    """The title block's values by key ('Basis' -> 'Provider'); keys the sheet lacks are left out."""
    facts = {}
    for key in keys:
        value = sheet.title_value(key, max_rows=15)
        if value is not None:
            facts[key] = value
    return facts


def expected_sequence(found: Sequence[str], start: int, expected: Sequence[str]) -> tuple[str, str, str] | None:
    """The first place where `found` from `start` departs from `expected`: (expected, after, found), or None."""
    for offset, wanted in enumerate(expected):
        index = start + offset
        actual = found[index] if index < len(found) else "(no more columns)"
        if actual.lower() != wanted.lower():
            after = found[index - 1] if index > 0 else "(the first column)"
            return wanted, after, actual
    return None
