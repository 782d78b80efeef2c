"""NHS England's Cancer Waiting Times provider extract (CWT-CRS) saved as CSV: FDS, 31-day and 62-day standards.

PERIOD may be written 2025-04-01, 2025-04, 01/04/2025 (day/month/year), APR-25, Apr-2025 or April 2025; a file
may hold several months. Rows for each provider, month and standard are summed over routes, modalities and
cancer types. When a file also has NHS England's aggregate rows (TREATMENT MODALITY 'ALL MODALITIES', CANCER
TYPE 'ALL CANCERS', STAGE/ROUTE 'ALL ROUTES'), only the aggregate rows are used for that provider, month and
standard, one dimension at a time, so no patient is counted twice.
"""

from __future__ import annotations

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Importer, Parsed, Problem
from perfdash.ingest.nhse.common import (
    build_rows,
    head_rows,
    header_is,
    map_unique,
    missing_columns,
    missing_note,
    month_of,
    month_problems,
    never_raises,
    org_codes,
    parse_counts,
    ratio_rows,
    read_text_cells,
)
from perfdash.periods import label

NAME = "nhse_cwt"
PERIOD, STANDARD, ORG = "PERIOD", "STANDARD", "ORG CODE"
MODALITY, CANCER, ROUTE = "TREATMENT MODALITY", "CANCER TYPE", "STAGE/ROUTE"
TOTAL, WITHIN, BREACHES = "TOTAL", "WITHIN STANDARD", "BREACHES"
COLUMNS = (PERIOD, STANDARD, ORG, MODALITY, CANCER, ROUTE, TOTAL, WITHIN, BREACHES)
# Standard names (lower case, single spaces) -> metric id; the short codes are NHS England's newer labels.
STANDARDS = {
    "28-day fds": "cancer_fds_28d",
    "28 day fds": "cancer_fds_28d",
    "fds": "cancer_fds_28d",
    "28d": "cancer_fds_28d",
    "31-day combined": "cancer_31d",
    "31 day combined": "cancer_31d",
    "31d": "cancer_31d",
    "62-day combined": "cancer_62d",
    "62 day combined": "cancer_62d",
    "62d": "cancer_62d",
}
# Aggregate values NHS England uses for "all of this dimension", checked in this order.
AGGREGATES = ((MODALITY, "all modalities"), (CANCER, "all cancers"), (ROUTE, "all routes"))
METRICS = ("cancer_fds_28d", "cancer_31d", "cancer_62d")


def matches(header: list[str]) -> bool:
    """Exactly the nine provider-extract columns."""
    return header_is(header, COLUMNS)


def _norm(values: pd.Series) -> pd.Series:
    """Lower case with single spaces and plain hyphens, for comparing labels."""
    return values.str.strip().str.lower().str.replace(r"\s+", " ", regex=True).str.replace("\u2013", "-")


@never_raises(NAME)
def parse(text: str) -> Parsed:
    """Canonical cancer rows per provider, month and standard."""
    cells = read_text_cells(text)
    problems = missing_columns(cells.columns, COLUMNS, "an NHS England cancer waiting times provider extract")
    if problems:
        return Parsed(format=NAME, problems=problems)
    notes: list[str] = []

    codes, has_code = org_codes(cells, ORG, problems)
    months = map_unique(cells[PERIOD], month_of)
    month_issues, has_month = month_problems(cells, PERIOD, months, "2025-04-01, 01/04/2025, Apr-25 or April 2025")
    problems.extend(month_issues)
    standard = _norm(cells[STANDARD])
    metric = standard.map(STANDARDS).astype("str")
    blank_standard = standard == ""
    problems.extend(
        Problem(
            f"this row has no '{STANDARD}'",
            line=int(line),
            column=STANDARD,
            fix="write 28-day FDS, 31-day Combined or 62-day Combined",
        )
        for (line,) in head_rows(cells.loc[blank_standard, [LINE]])
    )
    other = metric.isna() & ~blank_standard
    if other.any():
        listed = "; ".join(
            f"{name} ({n:,})" for name, n in cells.loc[other, STANDARD].str.strip().value_counts().items()
        )
        notes.append(f"Skipped {int(other.sum()):,} rows for standards perfdash does not track: {listed}.")

    counts = parse_counts(cells, [TOTAL, WITHIN, BREACHES], problems)
    total, within, breaches = (counts.values[c] for c in (TOTAL, WITHIN, BREACHES))
    problems.extend(_consistency(cells, total, within, breaches))
    half = (total.isna() != within.isna()) & ~counts.any_bad([TOTAL, WITHIN])
    problems.extend(
        Problem(
            f"only one of '{TOTAL}' and '{WITHIN}' is filled in, so this row is left out",
            line=int(line),
            column=WITHIN if pd.isna(w) else TOTAL,
            fix="fill in both, or neither if there is no activity",
            severity="warning",
        )
        for line, w in head_rows(pd.concat([cells[LINE], within.rename("w")], axis=1)[half])
    )

    usable = total.notna() & within.notna() & ~counts.any_bad([TOTAL, WITHIN]) & (within <= total)
    keep = has_code & has_month & metric.notna() & usable
    frame = pd.DataFrame(
        {
            "period": months,
            "org_code": codes,
            "metric_id": metric,
            "line": cells[LINE],
            "total": total,
            "within": within,
            **{column: _norm(cells[column]) for column, _ in AGGREGATES},
        }
    )[keep]
    frame, dropped = _one_level(frame)
    if dropped:
        notes.append(
            f"Left out {dropped:,} detail rows because the file also has NHS England's aggregate rows (ALL "
            "MODALITIES / ALL CANCERS / ALL ROUTES) for the same provider, month and standard; adding both "
            "would count patients twice."
        )
    groups = frame.groupby(["period", "org_code", "metric_id"], sort=False)
    summed = pd.concat([groups["line"].min(), groups[["total", "within"]].sum()], axis=1).reset_index()
    parts = [
        ratio_rows(part[["period", "org_code", "line"]], metric_id, part["within"], part["total"])
        for metric_id, part in summed.groupby("metric_id", sort=False)
    ]
    rows = build_rows(parts, METRICS)

    if len(rows):
        periods = sorted(rows["period"].unique())
        span = label(periods[0]) + (f" to {label(periods[-1])}" if len(periods) > 1 else "")
        notes.insert(
            0,
            f"Read {len(frame):,} rows for {rows['org_code'].nunique():,} providers ({span}), giving "
            f"{len(rows):,} values.",
        )
    no_activity = int((summed["total"] == 0).sum())
    if no_activity:
        notes.append(f"{no_activity:,} provider-month-standard totals were zero, so no percentage was produced.")
    notes.extend(missing_note(counts.missing_total))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


def _one_level(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep only aggregate rows in each dimension where a provider-month-standard has them."""
    before = len(frame)
    for column, aggregate in AGGREGATES:
        is_aggregate = frame[column] == aggregate
        has_aggregate = is_aggregate.groupby([frame["period"], frame["org_code"], frame["metric_id"]]).transform("any")
        frame = frame[is_aggregate | ~has_aggregate]
    return frame, before - len(frame)


def _consistency(cells: pd.DataFrame, total: pd.Series, within: pd.Series, breaches: pd.Series) -> list[Problem]:
    """Errors where more were within the standard than in total; warnings where the three do not add up."""
    problems = [
        Problem(
            f"'{WITHIN}' ({int(w):,}) is more than '{TOTAL}' ({int(t):,})",
            line=int(line),
            column=WITHIN,
            value=str(value),
            fix="check the two columns were not swapped or mistyped",
        )
        for line, value, w, t in head_rows(
            pd.concat([cells[[LINE, WITHIN]], within.rename("w"), total.rename("t")], axis=1)[within > total]
        )
    ]
    mismatch = (within <= total) & breaches.notna() & (total != within + breaches)
    problems.extend(
        Problem(
            f"'{TOTAL}' ({int(t):,}) is not '{WITHIN}' ({int(w):,}) plus '{BREACHES}' ({int(b):,})",
            line=int(line),
            column=BREACHES,
            value=str(value),
            fix="check the row was not edited; perfdash uses TOTAL and WITHIN STANDARD",
            severity="warning",
        )
        for line, value, t, w, b in head_rows(
            pd.concat([cells[[LINE, BREACHES]], total.rename("t"), within.rename("w"), breaches.rename("b")], axis=1)[
                mismatch
            ]
        )
    )
    return problems


IMPORTER = Importer(
    name=NAME,
    label="NHS England cancer waiting times provider extract (CWT-CRS)",
    matches=matches,
    parse=parse,
    metrics=METRICS,
)
