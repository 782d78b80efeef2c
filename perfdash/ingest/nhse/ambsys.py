"""NHS England's Ambulance Quality Indicators, AmbSYS time series .xlsx (sheet `Raw`): response times by category.

The `Raw` sheet has its header on row 5 (`Year`, `Month`, `Area` and indicator codes A0, A1, ...), then one row
per month for England (`ENG`), each multi-trust region (`Y63`, ...) and each ambulance trust (`RRU`, ...), with
blank rows between the blocks and a lookup table to the right. `Year` is the financial year (`2025-26`) and
`Month` its month in capitals (`AUGUST`). Response times are in seconds; the catalogue's metrics are in minutes.
The indicator codes are named on the `Response times` sheet: A25/A26 Category 1 mean/90th centile, A31/A32
Category 2, A34/A35 Category 3, A37/A38 Category 4. A time of 0 seconds marks a month a trust did not yet report.
The file is the whole series since August 2017, so one upload loads every month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Parsed, Problem, SheetImporter
from perfdash.ingest.nhse.common import (
    ENGLAND_CODE,
    build_rows,
    count_rows,
    duplicate_problems,
    head_rows,
    missing_note,
    parse_decimals,
)
from perfdash.ingest.nhse.layout import header_problems, sheet_never_raises
from perfdash.ingest.workbook import Workbook
from perfdash.periods import MONTH_NAMES, label

NAME = "nhse_ambsys"
WHAT = "the AmbSYS time series 'Raw' sheet"
YEAR, MONTH, AREA = "Year", "Month", "Area"
# Indicator code -> catalogue metric, each a response time in seconds.
INDICATORS = {
    "A25": "amb_cat1_mean",
    "A26": "amb_cat1_p90",
    "A31": "amb_cat2_mean",
    "A32": "amb_cat2_p90",
    "A35": "amb_cat3_p90",
    "A38": "amb_cat4_p90",
}
COLUMNS = (YEAR, MONTH, AREA, *INDICATORS)
METRICS = tuple(INDICATORS.values())
SECONDS_PER_MINUTE = 60.0
HEADER_SEARCH_ROWS = 20
_INDICATOR = re.compile(r"^A\d+$")
_FINANCIAL_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_CALENDAR_MONTH_OF_NEXT_YEAR = 4  # financial years start in April: January to March fall in the second year


@dataclass(frozen=True)
class Located:
    """Where the Raw table's header is; header_row 0 when only another AmbSYS sheet was found (a wrong-sheet CSV)."""

    sheet: str
    header_row: int


def find(workbook: Workbook) -> Located | None:
    """A header row with Year, Month and Area and a run of AmbSYS indicator codes (A0, A1, ...).

    Failing that, an AmbSYS summary sheet ('Response times': an 'Indicator:' row of codes), so that a CSV saved from
    the wrong sheet is refused with what to do instead of as an unknown file.
    """
    for sheet in workbook.sheets:
        for row in range(1, min(sheet.height, HEADER_SEARCH_ROWS) + 1):
            labels = sheet.labels(row)
            lowered = {c.lower() for c in labels}
            if {"year", "month", "area"} <= lowered and sum(bool(_INDICATOR.match(c)) for c in labels) >= 20:
                return Located(sheet.name, row)
    for sheet in workbook.sheets:
        for row in range(1, min(sheet.height, HEADER_SEARCH_ROWS) + 1):
            labels = sheet.labels(row)
            if "indicator:" in {c.lower() for c in labels} and sum(bool(_INDICATOR.match(c)) for c in labels) >= 4:
                return Located(sheet.name, 0)
    return None


def period_of(year: str, month: str) -> str | None:
    """'YYYY-MM' from a financial year '2025-26' and a month name 'AUGUST', else None."""
    match = _FINANCIAL_YEAR.match(year.strip())
    number = MONTH_NAMES.get(month.strip().lower())
    if not match or number is None:
        return None
    start = int(match.group(1))
    if (start + 1) % 100 != int(match.group(2)):
        return None
    calendar_year = start + (1 if number < FIRST_CALENDAR_MONTH_OF_NEXT_YEAR else 0)
    return f"{calendar_year:04d}-{number:02d}"


@sheet_never_raises(NAME)
def parse(workbook: Workbook, located: object) -> Parsed:
    """Category 1-4 response times in minutes for England, regions and trusts, every month of the series."""
    assert isinstance(located, Located)
    sheet = workbook.sheet(located.sheet)
    assert sheet is not None
    if located.header_row == 0:
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    "this is one of the AmbSYS summary sheets (an 'Indicator:' row of codes), not the 'Raw' sheet that "
                    "holds every area and month",
                    fix="upload the AmbSYS time series .xlsx as published, or save its 'Raw' sheet as CSV",
                    sheet=sheet.name,
                )
            ],
        )
    table = sheet.table(located.header_row)
    problems = header_problems(table, COLUMNS, WHAT, adjacent=False)
    if problems:
        return Parsed(format=NAME, problems=problems)
    cells = table.frame
    notes: list[str] = []

    area = cells[AREA].str.strip().str.upper()
    has_area = area != ""
    blank = ~has_area & (cells[YEAR].str.strip() == "") & (cells[MONTH].str.strip() == "")
    problems.extend(
        Problem(
            f"this row has a month but no '{AREA}' code",
            line=int(line),
            column=AREA,
            fix="fill in the area code (ENG, a region such as Y63, or a trust such as RRU), or delete the row",
        )
        for (line,) in head_rows(cells.loc[~has_area & ~blank, [LINE]])
    )
    lookup = {(y, m): period_of(y, m) for y, m in set(zip(cells[YEAR], cells[MONTH], strict=True))}
    months = pd.Series([lookup[(y, m)] for y, m in zip(cells[YEAR], cells[MONTH], strict=True)], index=cells.index)
    bad_month = has_area & months.isna()
    problems.extend(
        Problem(
            f"'{YEAR}' and '{MONTH}' do not name a month",
            line=int(line),
            column=YEAR,
            value=f"{year} {month}",
            fix="write the financial year like 2025-26 and the month like AUGUST",
        )
        for line, year, month in head_rows(cells.loc[bad_month, [LINE, YEAR, MONTH]])
    )
    usable = has_area & months.notna()
    keys = pd.DataFrame({"period": months, "area": area})[usable]
    repeat_problems, first = duplicate_problems(keys, cells.loc[usable, LINE], "this month and area")
    problems.extend(repeat_problems)
    keep = usable & first.reindex(cells.index, fill_value=False)

    seconds = parse_decimals(cells, list(INDICATORS), problems)
    codes = area.replace({"ENG": ENGLAND_CODE})
    base = pd.DataFrame({"period": months, "org_code": codes, "line": cells[LINE]})[keep]
    not_reported = 0
    parts = []
    for indicator, metric_id in INDICATORS.items():
        value = seconds.values[indicator][keep]
        zero = value == 0
        not_reported += int(zero.sum())
        parts.append(count_rows(base, metric_id, value.where(~zero) / SECONDS_PER_MINUTE))
    rows = build_rows(parts, METRICS)

    if len(rows):
        periods = sorted(rows["period"].unique())
        notes.append(
            f"Read {int(keep.sum()):,} monthly rows for {rows['org_code'].nunique():,} areas (England, regions and "
            f"trusts) from {label(periods[0])} to {label(periods[-1])}, giving {len(rows):,} values: the file is "
            "the whole time series, so every month in it is loaded."
        )
    if not_reported:
        notes.append(
            f"{not_reported:,} response times were 0 seconds (months before the service reported AmbSYS) and are "
            "treated as missing."
        )
    notes.extend(missing_note(int(seconds.missing.loc[keep].to_numpy().sum())))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


SHEET_IMPORTER = SheetImporter(
    name=NAME,
    label="NHS England Ambulance Quality Indicators, AmbSYS time series (Raw sheet)",
    find=find,
    parse=parse,
    metrics=METRICS,
)
