"""NHS England's Primary Care Dementia Data summary .xlsx, Table 4: the 65+ estimated dementia diagnosis rate.

Table 4's sheet has a title ('Table 4: Dementia: 65+ estimated diagnosis rate, ..., England, January 2025'), which
gives the month; a super-header on row 9 ('Number of patients with dementia, ages 65+', 'Diagnosis rate (%)'); the
header on row 10 (`Type, ODS Code, ONS Code, Name, Recorded, Estimated`, the rate column unlabelled under its
super-header, confidence limits); and footer lines in column A. Rows are National, NHS regions, ICBs, sub-ICB
locations, Government Office Regions and upper- and lower-tier local authorities. Each loads under its ODS code when
it has one (ENG, Y56, QMF, A3A8R) and otherwise its ONS code (boroughs: E09000012 is Hackney), which is how
config.yaml names the places. A borough listed as both upper- and lower-tier authority loads once. The rate is
Recorded over Estimated (a decimal), as a percentage; the published rate (one decimal place) checks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Parsed, Problem, SheetImporter
from perfdash.ingest.nhse.common import ENGLAND_CODE, build_rows, head_rows, parse_decimals, ratio_rows
from perfdash.ingest.nhse.layout import header_problems, month_in_text, sheet_never_raises
from perfdash.ingest.workbook import Sheet, Workbook
from perfdash.periods import label

NAME = "nhsd_dementia"
WHAT = "Table 4 of the Primary Care Dementia Data summary"
TYPE, ODS, ONS, ORG_NAME, RECORDED, ESTIMATED = "Type", "ODS Code", "ONS Code", "Name", "Recorded", "Estimated"
COLUMNS = (TYPE, ODS, ONS, ORG_NAME, RECORDED, ESTIMATED)
RATE = "Diagnosis rate (%)"
TITLE_MARK = "estimated diagnosis rate"
ENGLAND_ONS = "E92000001"
SUPPRESSED = "*"
METRIC = "dementia_dx_rate"
METRICS = (METRIC,)
SEARCH_ROWS = 30
# Another table or the title sheet of the same publication: 'Table 1: Summary Table, ...' on a sheet that speaks of
# dementia, or the title 'Primary Care Dementia Data, England, January 2025'.
_OTHER_TABLE = re.compile(r"^(table \w+:|primary care dementia data\b)", re.IGNORECASE)
# The published rate has one decimal place and is worked from an estimate the table shows to one decimal place:
# ours may differ by half a unit in the rate's last place plus what rounding the estimate by 0.05 moves it.
RATE_ROUNDING = 0.05
ESTIMATE_ROUNDING = 0.05


@dataclass(frozen=True)
class Located:
    """The sheet holding Table 4, and its title."""

    sheet: str
    title: str
    wrong_sheet: bool = False


def find(workbook: Workbook) -> Located | None:
    """The sheet whose title names the 65+ estimated diagnosis rate and which holds a table under it.

    The title sheet lists every table's title as contents, so the title alone is not enough. Failing that, another
    table of the same publication ('Table 1: ... dementia ...'), so a CSV saved from the wrong sheet is refused
    with what to do (header_row 0 in Located marks it).
    """
    for sheet in workbook.sheets:
        for row in range(1, min(sheet.height, SEARCH_ROWS) + 1):
            title = next((c for c in sheet.labels(row) if TITLE_MARK in c.lower()), None)
            if title is not None and _header_row(sheet) is not None:
                return Located(sheet.name, title)
    for sheet in workbook.sheets:
        labels = [c for row in range(1, min(sheet.height, SEARCH_ROWS) + 1) for c in sheet.labels(row) if c]
        title = next((c for c in labels if _OTHER_TABLE.match(c)), None)
        if title is not None and any("dementia" in c.lower() for c in labels):
            return Located(sheet.name, title, wrong_sheet=True)
    return None


def _header_row(sheet: Sheet) -> int | None:
    """The first row holding most of the header labels (so a renamed one is still found, then named)."""
    wanted = {c.lower() for c in COLUMNS}
    for row in range(1, min(sheet.height, SEARCH_ROWS) + 1):
        if len(wanted & {c.lower() for c in sheet.labels(row)}) >= len(COLUMNS) - 2:
            return row
    return None


def _rate_column(sheet: Sheet, header_row: int, letters: dict[str, str]) -> str | None:
    """The table column under 'Diagnosis rate (%)', which sits in the header row or the super-header above it."""
    for row in (header_row, header_row - 1):
        for index, text in enumerate(sheet.labels(row)):
            if text.lower().startswith(RATE.lower()):
                letter = next((name for name, col in letters.items() if _index(col) == index), None)
                return letter
    return None


def _index(letters: str) -> int:
    """0-based column index of Excel letters ('A' is 0)."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number - 1


@sheet_never_raises(NAME)
def parse(workbook: Workbook, located: object) -> Parsed:
    """dementia_dx_rate for England, regions, ICBs, sub-ICB locations and local authorities."""
    assert isinstance(located, Located)
    sheet = workbook.sheet(located.sheet)
    assert sheet is not None
    if located.wrong_sheet:
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    "this is another part of the Primary Care Dementia Data summary, not Table 4 (the 65+ estimated "
                    "diagnosis rate by area)",
                    value=located.title[:120],
                    fix="upload the summary workbook as published, or save its 'Table 4' sheet as CSV",
                    sheet=sheet.name,
                )
            ],
        )
    period = month_in_text(located.title)
    if period is None:
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    "the table's title does not name the month (expected e.g. '..., England, January 2025')",
                    value=located.title,
                    fix="upload the summary workbook exactly as published",
                    sheet=sheet.name,
                )
            ],
        )
    header_row = _header_row(sheet)
    if header_row is None:
        expected = ", ".join(f"'{c}'" for c in COLUMNS)
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    f"no header row with {expected} was found in the first {SEARCH_ROWS} rows of {WHAT}",
                    fix="upload the summary workbook exactly as published",
                    sheet=sheet.name,
                )
            ],
        )
    table = sheet.table(header_row)
    problems = header_problems(table, COLUMNS, WHAT)
    rate_column = _rate_column(sheet, header_row, table.letters)
    if rate_column is None:
        problems.append(
            Problem(
                f"expected a column '{RATE}' after '{ESTIMATED}' in {WHAT}, but there is none",
                line=header_row,
                column=RATE,
                fix="upload the summary workbook exactly as published",
                sheet=sheet.name,
            )
        )
    if problems:
        return Parsed(format=NAME, problems=problems)
    cells = table.frame.copy()
    notes: list[str] = []

    codes = cells[ODS].str.strip().str.upper()
    codes = codes.where(codes != "", cells[ONS].str.strip().str.upper())
    codes = codes.replace({ENGLAND_ONS: ENGLAND_CODE})
    number_columns = [RECORDED, ESTIMATED, rate_column]
    suppressed = cells[number_columns].apply(lambda s: s.str.strip() == SUPPRESSED)
    cells[number_columns] = cells[number_columns].mask(suppressed, "")
    footer = (codes == "") & (cells[number_columns].apply(lambda s: s.str.strip()) == "").all(axis=1)
    problems.extend(
        Problem(
            f"this row has figures but neither an '{ODS}' nor an '{ONS}'",
            line=int(line),
            column=ONS,
            fix="fill in the organisation's code, or delete the row",
        )
        for (line,) in head_rows(cells.loc[(codes == "") & ~footer, [LINE]])
    )
    numbers = parse_decimals(cells, number_columns, problems)
    recorded, estimated, published = (numbers.values[c] for c in number_columns)
    frame = pd.DataFrame(
        {"period": period, "org_code": codes, "line": cells[LINE], "recorded": recorded, "estimated": estimated}
    )[codes != ""]
    frame, repeat_problems, repeats = _once_per_code(frame)
    problems.extend(repeat_problems)
    rows = build_rows(
        [ratio_rows(frame[["period", "org_code", "line"]], METRIC, frame["recorded"], frame["estimated"])], METRICS
    )
    problems.extend(_disagrees_with_published(rows, published, cells[LINE], rate_column))

    if len(rows):
        counts = cells.loc[cells[LINE].isin(rows["line"]), TYPE].str.strip().value_counts()
        listed = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
        notes.append(
            f"Read {len(rows):,} diagnosis rates for {label(period)} ({listed}): each under its ODS code, or its ONS "
            "code where it has none (local authorities)."
        )
    if repeats:
        notes.append(
            f"{repeats:,} rows repeat an area already read (a borough is both an upper- and a lower-tier authority; "
            "England is listed twice); each area is loaded once."
        )
    if hidden := int(suppressed.to_numpy().sum()):
        notes.append(f"{hidden:,} cells were suppressed ('*') and treated as missing, not zero.")
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


def _once_per_code(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem], int]:
    """One row per code; a repeat with the same figures is dropped, one with different figures is an error."""
    repeated = frame["org_code"].duplicated(keep="first")
    first = frame[~repeated].set_index("org_code")
    problems = []
    for row in frame[repeated].itertuples():
        original = first.loc[row.org_code]
        same = np.allclose([row.recorded, row.estimated], [original["recorded"], original["estimated"]], equal_nan=True)
        if not same:
            problems.append(
                Problem(
                    f"{row.org_code} appears again with different figures (first on row {int(original['line'])})",
                    line=int(row.line),
                    column=RECORDED,
                    value=f"{row.recorded:g} of {row.estimated:g}",
                    fix="upload the summary workbook exactly as published",
                )
            )
    return frame[~repeated], problems, int(repeated.sum())


def _disagrees_with_published(
    rows: pd.DataFrame, published: pd.Series, lines: pd.Series, rate_column: str
) -> list[Problem]:
    """Warnings where Recorded / Estimated does not round to the rate the table prints."""
    shown = pd.Series(published.to_numpy(), index=lines.to_numpy())
    printed = rows["line"].map(shown)
    tolerance = RATE_ROUNDING + rows["value"] * ESTIMATE_ROUNDING / rows["denominator"] + 1e-9
    differ = printed.notna() & ((rows["value"] - printed).abs() > tolerance)
    return [
        Problem(
            f"{row.org_code}: {row.numerator:g} recorded of {row.denominator:g} estimated is {row.value:.2f}%, but "
            f"the table shows {printed[index]:g}%",
            line=int(row.line),
            column=rate_column,
            value=f"{printed[index]:g}",
            fix="check the file was not edited; perfdash uses Recorded and Estimated",
            severity="warning",
        )
        for index, row in rows[differ].head(200).iterrows()
    ]


SHEET_IMPORTER = SheetImporter(
    name=NAME,
    label="NHS England Primary Care Dementia Data summary, Table 4 (65+ estimated diagnosis rate)",
    find=find,
    parse=parse,
    metrics=METRICS,
)
