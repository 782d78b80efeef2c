"""NHS England's monthly diagnostics (DM01) provider sheet saved as CSV: share waiting 6+ weeks per provider.

The published sheet has a title block (Title:, Summary:, Period:, ...) above the header, which sits on row 14.
The header is found by its cells; the month comes from a 'Period:' cell in the title block (or, failing that,
the one month named in the title block), or from an optional 'Period' column. A leading empty column (Excel's
column A) and trailing empty columns are allowed. Rows whose test is 'Total' are used only for providers that
have no per-test rows, so no patient is counted twice.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Importer, Parsed, Problem
from perfdash.ingest.nhse.common import (
    build_rows,
    duplicate_problems,
    head_rows,
    map_unique,
    missing_columns,
    missing_note,
    month_of,
    month_problems,
    never_raises,
    parse_counts,
    ratio_rows,
    read_text_cells,
)
from perfdash.periods import MONTH_NAMES, label

NAME = "nhse_dm01"
REGION_CODE, REGION_NAME = "Regional Team Code", "Regional Team Name"
PROVIDER, PROVIDER_NAME = "Provider Code", "Provider Name"
TEST_ID, TEST_NAME = "Diagnostic ID", "Diagnostic Test Name"
WAITING, OVER_6, OVER_13, PERCENT_6 = (
    "Total Waiting List",
    "Number waiting 6+ Weeks",
    "Number waiting 13+ Weeks",
    "Percentage waiting 6+ weeks",
)
FIXED_COLUMNS = (
    REGION_CODE,
    REGION_NAME,
    PROVIDER,
    PROVIDER_NAME,
    TEST_ID,
    TEST_NAME,
    WAITING,
    OVER_6,
    OVER_13,
    PERCENT_6,
)
PERIOD = "Period"
# Activity columns some editions add after the weekly bands.
ACTIVITY = (
    "Planned tests / procedures",
    "Unscheduled tests / procedures",
    "Waiting list tests / procedures (excluding planned)",
)
_BAND = re.compile(r"^\d{1,3} ?<\d{1,3} weeks$|^\d{1,3}\+ weeks$", re.IGNORECASE)
_PERIOD_LABEL = re.compile(r"^period\b\s*:?\s*(.*)$", re.IGNORECASE)
_NOT_THE_PERIOD = re.compile(r"^(published|revised|next update|contact|source|status)\b", re.IGNORECASE)
_MONTH_IN_TEXT = re.compile(
    r"\b(" + "|".join(sorted(MONTH_NAMES, key=len, reverse=True)) + r")[\s\-]+(\d{4})\b", re.IGNORECASE
)
MAX_PREAMBLE = 60  # the title block is 13 rows; more than this and the header is not there
METRICS = ("dm01_6wk",)


def _trim(cells: list[str]) -> list[str]:
    """Cells without the empty ones at either end (Excel's empty column A and padding)."""
    stripped = [c.strip() for c in cells]
    while stripped and not stripped[-1]:
        stripped.pop()
    while stripped and not stripped[0]:
        stripped.pop(0)
    return stripped


def is_header(cells: list[str]) -> bool:
    """The DM01 provider header: the ten fixed columns, weekly bands, optional Period and activity columns."""
    cells = _trim(cells)
    names = set(cells)
    if len(names) != len(cells) or "" in names or not names >= set(FIXED_COLUMNS):
        return False
    rest = names - set(FIXED_COLUMNS) - {PERIOD, *ACTIVITY}
    return bool(rest) and all(_BAND.match(c) for c in rest)


def _is_title(cells: list[str]) -> bool:
    """The first line of the published title block: 'Title:' then a diagnostics title."""
    cells = [c for c in _trim(cells) if c]
    if not cells:
        return False
    if cells[0].lower() in {"title:", "title"}:
        return any("diagnostic" in c.lower() for c in cells[1:])
    return "diagnostics waiting times" in cells[0].lower()


def matches(header: list[str]) -> bool:
    """The DM01 header itself, or the first line of its title block ('Title:, ... Diagnostics ...')."""
    return is_header(header) or _is_title(header)


@never_raises(NAME)
def parse(text: str) -> Parsed:
    """Canonical dm01_6wk rows per provider: 6+ week waiters over the waiting list, summed over tests."""
    found = _find_header(text)
    if found is None:
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    f"no header row was found in the first {MAX_PREAMBLE} lines (a row with "
                    f"'{REGION_CODE}', '{PROVIDER}', '{TEST_NAME}', '{WAITING}', '{OVER_6}' and weekly bands)",
                    fix="save the 'Provider' sheet of the DM01 provider file as CSV without changing it",
                )
            ],
        )
    header_line, preamble, body = found
    cells = read_text_cells(body)
    cells[LINE] = cells[LINE] + header_line - 1  # numbered from the header; shift to lines of the whole file
    problems = missing_columns(cells.columns, FIXED_COLUMNS, "a DM01 provider file", line=header_line)
    if problems:
        return Parsed(format=NAME, problems=problems)
    notes: list[str] = []

    file_period, period_problems = _preamble_period(preamble)
    problems.extend(period_problems)
    months, has_month = _row_months(cells, file_period, problems)

    codes = cells[PROVIDER].str.strip().str.upper()
    names = cells[[REGION_CODE, REGION_NAME, PROVIDER, PROVIDER_NAME]].apply(lambda s: s.str.strip().str.upper())
    summary = names.isin({"TOTAL", "ENGLAND", "TOTAL ENGLAND", "ENGLAND TOTAL"}).any(axis=1)
    for line in cells.loc[summary, LINE]:
        notes.append(f"Skipped line {line}: the England total row (totals are recomputed from providers).")
    no_code = (codes == "") & ~summary
    problems.extend(
        Problem(
            f"this row has no '{PROVIDER}', so it is left out",
            line=int(line),
            column=PROVIDER,
            fix="fill in the provider's ODS code, or delete the row",
            severity="warning",
        )
        for (line,) in head_rows(cells.loc[no_code, [LINE]])
    )
    test_total = (cells[TEST_NAME].str.strip().str.lower().str.startswith("total")) | (
        cells[TEST_ID].str.strip().str.upper() == "TOTAL"
    )

    counts = parse_counts(cells, [WAITING, OVER_6], problems)
    waiting, over_6 = counts.values[WAITING], counts.values[OVER_6]
    problems.extend(
        Problem(
            f"'{OVER_6}' ({int(o):,}) is more than '{WAITING}' ({int(w):,})",
            line=int(line),
            column=OVER_6,
            value=str(value),
            fix="check the two columns were not swapped or mistyped",
        )
        for line, value, o, w in head_rows(
            pd.concat([cells[[LINE, OVER_6]], over_6.rename("o"), waiting.rename("w")], axis=1)[over_6 > waiting]
        )
    )
    half = waiting.notna() & over_6.isna() & (waiting > 0) & ~counts.bad[OVER_6]
    problems.extend(
        Problem(
            f"'{OVER_6}' is blank or '-' but '{WAITING}' is {int(w):,}, so this test is left out",
            line=int(line),
            column=OVER_6,
            fix="fill in the number waiting 6+ weeks",
            severity="warning",
        )
        for line, w in head_rows(pd.concat([cells[LINE], waiting.rename("w")], axis=1)[half])
    )
    test_key = cells[TEST_ID].str.strip().str.upper().where(cells[TEST_ID].str.strip() != "", cells[TEST_NAME])
    rows_of_data = ~summary & ~no_code & has_month
    keys = pd.DataFrame({"period": months, "provider": codes, "test": test_key})[rows_of_data]
    dup_problems, first = duplicate_problems(keys, cells.loc[rows_of_data, LINE], "this provider and test")
    problems.extend(dup_problems)

    usable = waiting.notna() & over_6.notna() & ~counts.any_bad([WAITING, OVER_6]) & (over_6 <= waiting)
    keep = rows_of_data & first.reindex(cells.index, fill_value=False) & usable
    frame = pd.DataFrame(
        {
            "period": months,
            "org_code": codes,
            "line": cells[LINE],
            "waiting": waiting,
            "over_6": over_6,
            "total_row": test_total,
        }
    )[keep]
    # Use per-test rows where a provider has them; its 'Total' row is then a repeat of their sum.
    has_detail = (~frame["total_row"]).groupby([frame["period"], frame["org_code"]]).transform("any")
    repeats = frame["total_row"] & has_detail
    if repeats.any():
        notes.append(
            f"Left out {int(repeats.sum()):,} provider 'Total' test rows; the per-test rows are summed instead."
        )
    frame = frame[~repeats]
    groups = frame.groupby(["period", "org_code"], sort=False)
    summed = pd.concat([groups["line"].min(), groups[["waiting", "over_6"]].sum()], axis=1).reset_index()
    rows = build_rows(
        [ratio_rows(summed[["period", "org_code", "line"]], "dm01_6wk", summed["over_6"], summed["waiting"])],
        METRICS,
    )
    if len(rows):
        periods = sorted(rows["period"].unique())
        notes.insert(
            0,
            f"Read {len(frame):,} test rows for {rows['org_code'].nunique():,} providers for "
            f"{', '.join(label(p) for p in periods)}, giving {len(rows):,} values.",
        )
    empty = int((summed["waiting"] == 0).sum())
    if empty:
        notes.append(f"{empty:,} providers had nobody on the waiting list, so no percentage was produced.")
    notes.extend(missing_note(counts.missing_total))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


def _find_header(text: str) -> tuple[int, list[tuple[int, list[str]]], str] | None:
    """The header's line number, the title block lines before it (line, cells), and the text from the header on."""
    lines = io.StringIO(text).readlines()
    reader = csv.reader(lines)
    preamble: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if is_header(cells):
                return start, preamble, "".join(lines[start - 1 :])
            if any(c.strip() for c in cells):
                preamble.append((start, cells))
            if reader.line_num >= MAX_PREAMBLE:
                return None
            start = reader.line_num + 1
    except csv.Error:
        return None
    return None


def _preamble_period(preamble: list[tuple[int, list[str]]]) -> tuple[str | None, list[Problem]]:
    """The month from a 'Period:' cell in the title block, else the single month the title block names."""
    for line, cells in preamble:
        stripped = [c.strip() for c in cells]
        for i, cell in enumerate(stripped):
            match = _PERIOD_LABEL.match(cell)
            if not match:
                continue
            value = match.group(1).strip() or next((c for c in stripped[i + 1 :] if c), "")
            period = month_of(value)
            if period is None:
                return None, [
                    Problem(
                        "the 'Period:' line of the title block is not a month perfdash can read",
                        line=line,
                        column=PERIOD,
                        value=value,
                        fix="write it like 'Period: April 2025'",
                    )
                ]
            return period, []
    candidates: dict[str, int] = {}
    for line, cells in preamble:
        stripped = [c.strip() for c in cells if c.strip()]
        if not stripped or _NOT_THE_PERIOD.match(stripped[0]):
            continue
        for cell in stripped:
            month = month_of(cell)
            if month is None and (match := _MONTH_IN_TEXT.search(cell)):
                month = month_of(f"{match.group(1)} {match.group(2)}")
            if month is not None:
                candidates.setdefault(month, line)
    if len(candidates) > 1:
        named = ", ".join(f"{label(m)} (line {n})" for m, n in candidates.items())
        return None, [
            Problem(
                f"the title block names more than one month ({named}), so the month of the data is unclear",
                fix="add a line 'Period: April 2025' above the header",
            )
        ]
    return next(iter(candidates), None), []


def _row_months(cells: pd.DataFrame, file_period: str | None, problems: list[Problem]) -> tuple[pd.Series, pd.Series]:
    """Each row's month: its Period cell when the file has that column and it is filled in, else the file's."""
    months = pd.Series(file_period, index=cells.index, dtype="str")
    if PERIOD in cells.columns:
        own = map_unique(cells[PERIOD], month_of)
        issues, _ = month_problems(cells, PERIOD, own, "April 2025 or 2025-04-01", blank_ok=True)
        problems.extend(issues)
        filled = cells[PERIOD].str.strip() != ""
        months = own.where(filled, months)
        bad = filled & own.isna()
        has_month = months.notna() & ~bad
    else:
        has_month = months.notna()
    if not has_month.any() and not any(p.column == PERIOD for p in problems):
        problems.append(
            Problem(
                "the file does not say which month it is for",
                fix="keep the title block with its 'Period: April 2025' line above the header, or add a Period column",
            )
        )
    elif (~has_month).any() and PERIOD in cells.columns and file_period is None:
        blank = cells[PERIOD].str.strip() == ""
        problems.extend(
            Problem(
                "this row's Period is blank and the title block has no 'Period:' line",
                line=int(line),
                column=PERIOD,
                fix="fill in the month, e.g. April 2025",
            )
            for (line,) in head_rows(cells.loc[blank & ~has_month, [LINE]])
        )
    return months, has_month


IMPORTER = Importer(
    name=NAME,
    label="NHS England diagnostics waiting times, DM01 provider sheet",
    matches=matches,
    parse=parse,
    metrics=METRICS,
)
