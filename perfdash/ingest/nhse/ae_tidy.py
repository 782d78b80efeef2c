"""Historical A&E data in tidy long form (period, org_code, type, attendances, breaches, admissions)."""

from __future__ import annotations

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Importer, Parsed, Problem
from perfdash.ingest.nhse.common import (
    build_rows,
    count_rows,
    duplicate_problems,
    head_rows,
    header_is,
    map_unique,
    missing_columns,
    missing_note,
    month_problems,
    never_raises,
    org_codes,
    parse_counts,
    ratio_rows,
    read_text_cells,
)
from perfdash.periods import label, parse_period

NAME = "nhse_ae_tidy"
COLUMNS = ("period", "org_code", "type", "attendances", "breaches", "admissions")
TYPES = ("1", "2", "other")
METRICS = ("ae_4hr_all", "ae_4hr_type1", "ae_attendances", "emergency_admissions")


def matches(header: list[str]) -> bool:
    """Exactly the six tidy columns."""
    return header_is(header, COLUMNS)


@never_raises(NAME)
def parse(text: str) -> Parsed:
    """Canonical A&E rows per organisation and month, summed over department types."""
    cells = read_text_cells(text)
    problems = missing_columns(cells.columns, COLUMNS, "a tidy A&E file (period, org_code, type, ...)")
    if problems:
        return Parsed(format=NAME, problems=problems)

    codes, has_code = org_codes(cells, "org_code", problems)
    months = map_unique(cells["period"], parse_period)
    month_issues, has_month = month_problems(cells, "period", months, "2016-04-01 (the first day of the month)")
    problems.extend(month_issues)
    kinds = cells["type"].str.strip().str.lower()
    known = kinds.isin(TYPES)
    problems.extend(
        Problem(
            "'type' should be 1, 2 or other (the A&E department type)",
            line=int(line),
            column="type",
            value=str(value),
            fix="write 1 for major emergency departments, 2 for single-specialty, other for the rest",
        )
        for line, value in head_rows(cells.loc[~known, [LINE, "type"]])
    )
    keys = pd.DataFrame({"period": months, "org_code": codes, "type": kinds})
    dup_problems, first = duplicate_problems(keys, cells[LINE], "this period, organisation and type")
    problems.extend(dup_problems)

    counts = parse_counts(cells, ["attendances", "breaches", "admissions"], problems)
    att, breaches, admissions = (counts.values[c] for c in ("attendances", "breaches", "admissions"))
    too_many = breaches > att
    problems.extend(
        Problem(
            f"breaches ({int(b):,}) are more than attendances ({int(a):,})",
            line=int(line),
            column="breaches",
            value=str(value),
            fix="check the two columns were not swapped or mistyped",
        )
        for line, value, b, a in head_rows(
            pd.concat([cells[[LINE, "breaches"]], breaches.rename("b"), att.rename("a")], axis=1)[too_many]
        )
    )
    # Breaches missing where there were attendances would overstate performance: no 4-hour value then.
    unknown = breaches.isna() & (att > 0) & ~counts.bad["breaches"]
    problems.extend(
        Problem(
            f"breaches are blank or '-' but attendances are {int(a):,}, so the 4-hour percentage cannot be "
            "worked out for this organisation and month",
            line=int(line),
            column="breaches",
            fix="fill in the number of attendances over 4 hours",
            severity="warning",
        )
        for line, a in head_rows(pd.concat([cells[LINE], att.rename("a")], axis=1)[unknown])
    )

    keep = has_code & has_month & known & first
    frame = pd.DataFrame(
        {
            "period": months,
            "org_code": codes,
            "type": kinds,
            "line": cells[LINE],
            "att": att,
            "breaches": breaches,
            "admissions": admissions,
            # A row whose 4-hour figures cannot be trusted spoils the whole organisation-month.
            "four_hour_bad": too_many | unknown | counts.any_bad(["attendances", "breaches"]),
        }
    )[keep]
    rows = build_rows(_metric_parts(frame), METRICS)

    notes: list[str] = []
    if len(rows):
        first_month, last_month = rows["period"].min(), rows["period"].max()
        notes.append(
            f"Read {int(keep.sum()):,} rows for {rows['org_code'].nunique():,} organisations from "
            f"{label(first_month)} to {label(last_month)} ({rows['period'].nunique()} months), giving "
            f"{len(rows):,} values."
        )
    notes.extend(missing_note(counts.missing_total))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


def _metric_parts(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """Per-metric canonical frames from the kept tidy rows (vectorised group sums)."""
    groups = frame.groupby(["period", "org_code"], sort=False)
    total = pd.concat(
        [
            groups["line"].min(),
            groups[["att", "admissions"]].sum(min_count=1),
            groups["breaches"].sum(),
            groups["four_hour_bad"].any(),
        ],
        axis=1,
    ).reset_index()
    keys = total[["period", "org_code", "line"]]
    type1 = frame[frame["type"] == "1"]
    type1_keys = type1[["period", "org_code", "line"]]
    within_t1 = (type1["att"] - type1["breaches"]).where(~type1["four_hour_bad"])
    return [
        ratio_rows(
            keys,
            "ae_4hr_all",
            (total["att"] - total["breaches"]).where(~total["four_hour_bad"]),
            total["att"],
        ),
        ratio_rows(type1_keys, "ae_4hr_type1", within_t1, type1["att"]),
        count_rows(keys, "ae_attendances", total["att"]),
        count_rows(keys, "emergency_admissions", total["admissions"]),
    ]


IMPORTER = Importer(
    name=NAME,
    label="A&E attendances, tidy long form (period, org_code, type)",
    matches=matches,
    parse=parse,
    metrics=METRICS,
)
