"""NHS England's RTT overview time series (.xlsx, sheet 'Full Time Series'): England's waiting list every month.

A title block, then a group super-header ('Year', 'Month', 'Incomplete RTT pathways', 'Admitted ...') and, on
the row below, the measures; data from the next row. `Year` is filled only on each April; `Month` is an Excel
date; `-` means not collected. Measures come in pairs: as reported, and 'with estimates for missing data' (NHS
England's estimate for trusts that did not submit). perfdash stores the reported figures, which are what the
percentages in the sheet are computed from; the estimates are mentioned in a note. `Total waiting (mil)` holds
whole counts, not millions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Parsed, Problem, SheetImporter
from perfdash.ingest.nhse.common import build_rows, count_rows, month_of, parse_decimals, ratio_rows
from perfdash.ingest.nhse.published import ENGLAND_CODE, whole
from perfdash.ingest.workbook import Sheet, Workbook, cell_text, label_text
from perfdash.periods import label

NAME = "nhse_rtt_overview"
YEAR, MONTH, GROUP = "Year", "Month", "Incomplete RTT pathways"
WITHIN_18, OVER_52, TOTAL, PERCENT_18 = (
    "No. within 18 weeks",
    "No. > 52 weeks",
    "Total waiting (mil)",
    "% within 18 weeks",
)
ESTIMATED = " with estimates for missing data"
REQUIRED = (WITHIN_18, PERCENT_18, OVER_52, TOTAL)
METRICS = ("rtt_18wk_incomplete", "rtt_52wk_waiters", "rtt_52wk_pct", "rtt_waiting_list")
# The sheet's own '% within 18 weeks' (a fraction) should equal ours to this many percentage points.
PERCENT_TOLERANCE = 0.01
FIX = "upload the RTT overview time series exactly as NHS England publishes it (sheet 'Full Time Series')"


@dataclass(frozen=True)
class Located:
    """The time-series sheet and its two header rows."""

    sheet: str
    group_row: int
    measure_row: int


def find(workbook: Workbook) -> Located | None:
    """A sheet titled Referral to Treatment whose group header has Year, Month and Incomplete RTT pathways."""
    for sheet in workbook.sheets:
        title = sheet.title_value("Title", max_rows=15) or ""
        if "referral to treatment" not in title.lower():
            continue
        row = sheet.find_row([YEAR, MONTH, GROUP], max_rows=40)
        if row is not None:
            return Located(sheet.name, row, row + 1)
    return None


def _columns(sheet: Sheet, located: Located) -> dict[str, int]:
    """Column index for each measure of the incomplete-pathways group (and Month), by label."""
    groups = sheet.labels(located.group_row)
    measures = sheet.labels(located.measure_row)
    found: dict[str, int] = {}
    current = ""
    for index in range(max(len(groups), len(measures))):
        group = groups[index] if index < len(groups) else ""
        current = group or current
        if group.lower() == MONTH.lower():
            found[MONTH] = index
        measure = measures[index] if index < len(measures) else ""
        if current.lower() == GROUP.lower() and measure:
            found.setdefault(measure, index)
    return found


def parse(workbook: Workbook, located: object) -> Parsed:
    """England's rtt_* metrics for every month the sheet has figures for."""
    assert isinstance(located, Located)
    sheet = workbook.sheet(located.sheet)
    assert sheet is not None
    columns = _columns(sheet, located)
    absent = [m for m in (MONTH, *REQUIRED) if m not in columns]
    if absent:
        found = [m for m in columns if m != MONTH]
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    f"the '{GROUP}' group has no column '{absent[0]}'"
                    + (f" (found: {', '.join(repr(m) for m in found[:10])})" if found else ""),
                    line=located.measure_row,
                    column=absent[0],
                    fix=FIX,
                    sheet=sheet.name,
                )
            ],
        )
    cells = _data_rows(sheet, located, columns)
    problems: list[Problem] = []
    # Saved as CSV from Excel, the fraction reads as shown ('60.1%'): back to a fraction.
    shown_percent = cells[PERCENT_18].str.strip().str.endswith("%")
    cells = cells.assign(**{PERCENT_18: cells[PERCENT_18].str.strip().str.rstrip("%")})
    numbers = parse_decimals(cells, list(REQUIRED), problems, signed=True, sheet=sheet.name).values
    numbers[PERCENT_18] = numbers[PERCENT_18].where(~shown_percent, numbers[PERCENT_18] / 100)
    months = cells[MONTH].map(_month)
    has_figures = numbers.notna().any(axis=1)
    for line, text in cells.loc[has_figures & months.isna(), [LINE, MONTH]].itertuples(index=False):
        problems.append(
            Problem(
                f"'{MONTH}' should be a date (the month's first day)",
                line=int(line),
                column=MONTH,
                value=text,
                fix=FIX,
                sheet=sheet.name,
            )
        )
    millions = numbers[TOTAL] < 1000  # a real England waiting list is millions of pathways, held as counts
    for line, text in cells.loc[millions, [LINE, TOTAL]].itertuples(index=False):
        problems.append(
            Problem(
                f"'{TOTAL}' should hold the whole count of pathways (as NHS England publishes it), not millions",
                line=int(line),
                column=TOTAL,
                value=text,
                fix=FIX,
                sheet=sheet.name,
            )
        )
    repeated = months.duplicated() & months.notna() & has_figures
    for line, text in cells.loc[repeated, [LINE, MONTH]].itertuples(index=False):
        problems.append(Problem("this month appears twice", line=int(line), column=MONTH, value=text, sheet=sheet.name))
    if problems:
        return Parsed(format=NAME, problems=problems)

    keep = has_figures & months.notna()
    within, over_52, total = (whole(numbers[c]) for c in (WITHIN_18, OVER_52, TOTAL))
    keys = pd.DataFrame({"period": months, "org_code": ENGLAND_CODE, "line": cells[LINE]})[keep]
    rows = build_rows(
        [
            ratio_rows(keys, "rtt_18wk_incomplete", within, total),
            count_rows(keys, "rtt_52wk_waiters", over_52),
            ratio_rows(keys, "rtt_52wk_pct", over_52, total),
            count_rows(keys, "rtt_waiting_list", total),
        ],
        METRICS,
    )
    problems.extend(_percent_check(cells, within, total, numbers[PERCENT_18], sheet.name))
    periods = sorted(rows["period"].unique())
    notes = [
        f"England's waiting list (incomplete pathways, reported figures) for {len(periods)} months, "
        f"{label(periods[0])} to {label(periods[-1])}; {len(rows):,} values stored under {ENGLAND_CODE}."
        if periods
        else "No month in the sheet has incomplete-pathway figures.",
        "Used the reported figures, not those 'with estimates for missing data' (which add NHS England's estimate "
        "for trusts that did not submit); the sheet's '% within 18 weeks' is computed from the reported ones.",
    ]
    last = rows[rows["period"] == periods[-1]] if periods else rows
    if TOTAL + ESTIMATED in columns and periods:
        line = int(last["line"].iat[0])
        estimate = pd.to_numeric(sheet.cell(line, columns[TOTAL + ESTIMATED]), errors="coerce")
        reported = last.loc[last["metric_id"] == "rtt_waiting_list", "value"]
        if pd.notna(estimate) and len(reported):
            notes.append(
                f"{label(periods[-1])}: {reported.iat[0]:,.0f} waiting as reported; {estimate:,.0f} with estimates."
            )
    notes.extend(_missing_data_notes(sheet, located))
    if rows.empty:
        problems.append(Problem("no month has incomplete-pathway figures", fix=FIX, sheet=sheet.name))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


def _month(text: str) -> str | None:
    """The month of a Month cell: an Excel date ('2022-10-01', with or without a time) or as shown ('Oct-22')."""
    if not text:
        return None
    return month_of(text) or month_of(text.split(" ")[0])


def _data_rows(sheet: Sheet, located: Located, columns: dict[str, int]) -> pd.DataFrame:
    """Text of the Month and measure cells of every row below the header, LINE the Excel row."""
    wanted = {name: columns[name] for name in (MONTH, *REQUIRED)}
    records = []
    for line in range(located.measure_row + 1, sheet.height + 1):
        cells = sheet.rows[line - 1]
        record = {name: cell_text(cells[i]).strip() if i < len(cells) else "" for name, i in wanted.items()}
        record[LINE] = line
        records.append(record)
    return pd.DataFrame(records, columns=[*wanted, LINE]).astype({name: "str" for name in wanted})


def _percent_check(
    cells: pd.DataFrame, within: pd.Series, total: pd.Series, published: pd.Series, sheet: str
) -> list[Problem]:
    """Warnings where our 18-week share differs from the sheet's own '% within 18 weeks' (a fraction)."""
    ours = 100 * within / total.where(total > 0)
    differs = published.notna() & ours.notna() & ((ours - 100 * published).abs() > PERCENT_TOLERANCE)
    return [
        Problem(
            f"{within[i]:,.0f} / {total[i]:,.0f} = {ours[i]:.3f}%, but '{PERCENT_18}' says {100 * published[i]:.3f}%",
            line=int(cells.at[i, LINE]),
            column=PERCENT_18,
            severity="warning",
            fix="check the sheet was not edited; tick to load the counts as published",
            sheet=sheet,
        )
        for i in cells.index[differs][:20]
    ]


def _missing_data_notes(sheet: Sheet, located: Located) -> list[str]:
    """The title block's 'Missing Data for ...' lines (trusts that did not submit), as notes."""
    notes = []
    for row in range(1, located.group_row):
        for text in sheet.labels(row):
            if label_text(text).lower().startswith("missing data"):
                notes.append(f"The sheet says: {text}")
    return notes


IMPORTER = SheetImporter(
    name=NAME,
    label="NHS England RTT overview time series (England, every month)",
    find=find,
    parse=parse,
    metrics=METRICS,
)
