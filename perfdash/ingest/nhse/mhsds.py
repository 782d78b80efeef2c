"""NHS England's Mental Health Services Monthly Statistics (MHSDS) long CSV: community 4-week waits.

Long form, one figure per line: `REPORTING_PERIOD_START,REPORTING_PERIOD_END,STATUS,BREAKDOWN,PRIMARY_LEVEL,...,
MEASURE_ID,MEASURE_NAME,MEASURE_VALUE`, dates day first. One file holds two reporting periods: a rolling quarter
for flow measures (referrals reaching a clock stop) and the month for stock measures (still waiting). The 4-week
measures read here are flow measures, stored under the quarter's last month. `*` is suppressed: missing, never 0.
Provider and ICB counts are rounded to 5 and their percentages to whole numbers; England is unrounded, so only
England's rows carry numerator and denominator (rounded counts would contradict the published percentage).
"""

from __future__ import annotations

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Importer, Parsed, Problem
from perfdash.ingest.nhse.common import (
    build_rows,
    duplicate_problems,
    head_rows,
    map_unique,
    missing_columns,
    month_of,
    never_raises,
    parse_decimals,
    read_text_cells,
)
from perfdash.ingest.nhse.published import ENGLAND_CODE
from perfdash.periods import add_months, label

NAME = "nhsd_mhsds"
START, END, STATUS = "REPORTING_PERIOD_START", "REPORTING_PERIOD_END", "STATUS"
BREAKDOWN, LEVEL, LEVEL_NAME = "BREAKDOWN", "PRIMARY_LEVEL", "PRIMARY_LEVEL_DESCRIPTION"
SECONDARY, SECONDARY_NAME = "SECONDARY_LEVEL", "SECONDARY_LEVEL_DESCRIPTION"
MEASURE, MEASURE_NAME, VALUE = "MEASURE_ID", "MEASURE_NAME", "MEASURE_VALUE"
COLUMNS = (START, END, STATUS, BREAKDOWN, LEVEL, LEVEL_NAME, SECONDARY, SECONDARY_NAME, MEASURE, MEASURE_NAME, VALUE)
SUPPRESSED = "*"
# Most of the columns present: an MHSDS file whose header was edited, refused by parse naming what it lacks.
MIN_COLUMNS_TO_RECOGNISE = 8
# metric id -> (measure giving the percentage, its numerator measure, its denominator measure)
MEASURES = {
    "cmh_4wk_seen": ("MRS01b", "MRS01a", "MRS01"),
    "cyp_4wk_seen": ("MRS08b", "MRS08a", "MRS08"),
}
METRICS = tuple(MEASURES)
READ = {measure for triple in MEASURES.values() for measure in triple}
# BREAKDOWN -> how its rows are coded; other breakdowns (sub-ICB, regions) are not read.
ENGLAND, PROVIDER, ICB = "England", "Provider", "ICB of GP Practice or Residence"
UNROUNDED = {ENGLAND}
PERCENT_TOLERANCE = 0.05  # percentage points between the published percentage and England's counts
FIX = "upload the MHSDS 4-week-wait CSV exactly as NHS England publishes it"


def matches(header: list[str]) -> bool:
    """The MHSDS long form: its period, breakdown and measure columns (parse names any that are missing)."""
    present = set(COLUMNS) & {cell.strip() for cell in header}
    return len(present) >= MIN_COLUMNS_TO_RECOGNISE


@never_raises(NAME)
def parse(text: str) -> Parsed:
    """Canonical rows for England, every provider and every ICB, for the 4-week-wait measures."""
    cells = read_text_cells(text)
    problems = missing_columns(cells.columns, COLUMNS, "an MHSDS long-form CSV")
    if problems:
        return Parsed(format=NAME, problems=problems)
    total_lines = len(cells)
    measure = cells[MEASURE].str.strip()
    cells = cells[measure.isin(READ)]
    if cells.empty:
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    f"this MHSDS file has none of the 4-week-wait measures ({', '.join(sorted(READ))})",
                    column=MEASURE,
                    fix="upload the MHSDS '4WW' (4-week waits) CSV; other MHSDS files are not read yet",
                )
            ],
        )
    breakdown = cells[BREAKDOWN].str.strip()
    secondary = cells[SECONDARY].str.strip().str.upper()
    read_breakdown = breakdown.isin([ENGLAND, PROVIDER, ICB]) & secondary.isin(["NONE", ""])
    skipped = cells.loc[~read_breakdown, BREAKDOWN].str.strip().value_counts()
    cells = cells[read_breakdown]

    months = map_unique(cells[END], month_of)
    starts = map_unique(cells[START], month_of)
    for column, parsed in ((END, months), (START, starts)):
        bad = parsed.isna() | parsed.isin(["None", "nan"])
        for line, value in head_rows(cells.loc[bad, [LINE, column]]):
            problems.append(
                Problem(
                    f"'{column}' is not a date perfdash can read",
                    line=int(line),
                    column=column,
                    value=str(value),
                    fix="dates are day first, like 30/09/2024",
                )
            )
    codes = cells[LEVEL].str.strip().str.upper().where(cells[BREAKDOWN].str.strip() != ENGLAND, ENGLAND_CODE)
    metric_of = {m: metric for metric, triple in MEASURES.items() for m in triple}
    frame = pd.DataFrame(
        {
            "period": months,
            "org_code": codes,
            "metric_id": cells[MEASURE].str.strip().map(metric_of),
            "measure": cells[MEASURE].str.strip(),
            "breakdown": cells[BREAKDOWN].str.strip(),
            "status": cells[STATUS].str.strip(),
            "quarter_start": starts,
            "line": cells[LINE],
        }
    )
    blank_code = frame["org_code"] == ""
    for (line,) in head_rows(cells.loc[blank_code, [LINE]]):
        problems.append(Problem(f"this row has no '{LEVEL}'", line=int(line), column=LEVEL, fix=FIX))
    dup_problems, first = duplicate_problems(
        frame[["period", "org_code", "measure"]], frame["line"], "this month, organisation and measure"
    )
    problems.extend(dup_problems)
    numbers = parse_decimals(cells, [VALUE], problems, signed=True, missing=("", SUPPRESSED)).values
    frame["figure"] = numbers[VALUE]
    suppressed = cells[VALUE].str.strip() == SUPPRESSED
    if any(p.severity == "error" for p in problems):
        return Parsed(format=NAME, problems=problems)

    kept = frame[first & ~blank_code]
    keys = ["period", "org_code", "metric_id", "breakdown"]
    wide = kept.groupby([*keys, "measure"])["figure"].first().unstack("measure")
    lines = kept.groupby([*keys, "measure"])["line"].first().unstack("measure")
    rows = _metric_rows(wide, lines, problems)
    notes = _notes(frame, rows, suppressed, skipped, total_lines)
    status = ", ".join(sorted(set(frame["status"]) - {""}))  # 'Performance' (final) or 'Provisional'
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes, status=status)


def _metric_rows(wide: pd.DataFrame, lines: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """One row per period, organisation and metric: the published percentage, with England's counts."""
    parts = []
    for metric, (percent, numerator, denominator) in MEASURES.items():
        if metric not in wide.index.get_level_values("metric_id"):
            continue
        block = wide.xs(metric, level="metric_id").reindex(columns=[percent, numerator, denominator])
        measure_lines = lines.xs(metric, level="metric_id").reindex(index=block.index)
        # A row is located at its percentage's line, else at the first of its counts' lines.
        block_lines = measure_lines.reindex(columns=[percent, numerator, denominator]).bfill(axis=1)[percent]
        block_lines = block_lines.fillna(measure_lines.min(axis=1))
        england = block.index.get_level_values("breakdown").isin(list(UNROUNDED))
        value = block[percent]
        counts_ok = england & block[numerator].notna() & (block[denominator] > 0)
        computed = 100 * block[numerator] / block[denominator].where(counts_ok)
        # England's published percentage must agree with its own counts; else the counts are wrong or moved.
        disagree = counts_ok & value.notna() & ((value - computed).abs() > PERCENT_TOLERANCE)
        for index in block.index[disagree][:20]:
            problems.append(
                Problem(
                    f"England's {percent} is {value[index]:g}% but {numerator} / {denominator} = "
                    f"{block.at[index, numerator]:g} / {block.at[index, denominator]:g} = {computed[index]:.3f}%",
                    line=int(block_lines[index]),
                    column=VALUE,
                    fix=FIX,
                )
            )
        value = value.where(value.notna(), computed)
        part = pd.DataFrame(
            {
                "period": block.index.get_level_values("period"),
                "org_code": block.index.get_level_values("org_code"),
                "metric_id": metric,
                "value": value.to_numpy(),
                "numerator": block[numerator].where(counts_ok).to_numpy(),
                "denominator": block[denominator].where(counts_ok).to_numpy(),
                "line": block_lines.to_numpy(),
            }
        )
        parts.append(part[part["value"].notna()])
    return build_rows(parts, METRICS)


def _notes(
    frame: pd.DataFrame, rows: pd.DataFrame, suppressed: pd.Series, skipped: pd.Series, total_lines: int
) -> list[str]:
    """What was read, the reporting periods and status, suppression, and what was left out."""
    notes = []
    for (period, start), group in frame.groupby(["period", "quarter_start"]):
        span = label(start) if start == period else f"{label(start)} to {label(period)}"
        status = ", ".join(sorted(set(group["status"])))
        kind = "a rolling quarter" if start == add_months(period, -2) else "a reporting period"
        notes.append(
            f"Reporting period {span} ({kind}), status {status}: stored under {label(period)}, the period's last month."
        )
    for breakdown, what in ((ENGLAND, "England"), (PROVIDER, "providers"), (ICB, "ICBs")):
        count = rows.loc[rows["org_code"].isin(frame.loc[frame["breakdown"] == breakdown, "org_code"]), "org_code"]
        if count.nunique():
            notes.append(f"{count.nunique():,} {what} with a 4-week-wait figure.")
    if suppressed.any():
        no_figure = []
        for metric, (percent, _, _) in MEASURES.items():
            hidden = frame.loc[suppressed & (frame["measure"] == percent), "org_code"]
            no_figure.append(f"{metric} for {hidden.nunique():,}")
        notes.append(
            f"{int(suppressed.sum()):,} cells of the 4-week measures were suppressed ('*'): missing, not zero. "
            f"No figure for {'; '.join(no_figure)} organisations."
        )
    notes.append(
        "Provider and ICB percentages are NHS England's whole numbers; their counts are rounded to 5 and are not "
        "stored. England's are unrounded and carry the counts."
    )
    if len(skipped):
        notes.append("Not read: breakdowns " + ", ".join(f"{name} ({n:,} lines)" for name, n in skipped.items()) + ".")
    notes.append(f"Read {len(frame):,} of the file's {total_lines:,} lines (the 4-week-wait measures).")
    return notes


IMPORTER = Importer(
    name=NAME,
    label="NHS England MHSDS monthly statistics, 4-week waits (long CSV)",
    matches=matches,
    parse=parse,
    metrics=METRICS,
)
