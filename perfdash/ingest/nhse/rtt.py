"""NHS England's RTT "full CSV data file": incomplete pathways (Part_2, all treatment functions) per provider."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Importer, Parsed, Problem
from perfdash.ingest.nhse.common import (
    build_rows,
    count_rows,
    head_rows,
    header_is,
    map_unique,
    missing_columns,
    missing_note,
    never_raises,
    org_codes,
    parse_counts,
    publication_period,
    ratio_rows,
    read_text_cells,
    single_period,
)
from perfdash.periods import label

NAME = "nhse_rtt"
PERIOD, PROVIDER, PART, FUNCTION = "Period", "Provider Org Code", "RTT Part Type", "Treatment Function Code"
DESCRIPTIVE = (
    PERIOD,
    "Provider Parent Org Code",
    "Provider Parent Name",
    PROVIDER,
    "Provider Org Name",
    "Commissioner Parent Org Code",
    "Commissioner Parent Name",
    "Commissioner Org Code",
    "Commissioner Org Name",
    PART,
    "RTT Part Description",
    FUNCTION,
    "Treatment Function Name",
)
# 105 weekly bands: "Gt 00 To 01 Weeks SUM 1" ... "Gt 103 To 104 Weeks SUM 1", then "Gt 104 Weeks SUM 1".
BANDS = (*(f"Gt {week:02d} To {week + 1:02d} Weeks SUM 1" for week in range(104)), "Gt 104 Weeks SUM 1")
WITHIN_18 = BANDS[:18]  # Gt 00 To 01 ... Gt 17 To 18
OVER_52 = BANDS[52:]  # Gt 52 To 53 ... Gt 104
TOTAL_ALL = "Total All"
COLUMNS = (*DESCRIPTIVE, *BANDS, "Total", "Patients with unknown clock start date", TOTAL_ALL)
WAITING_LIST_PART, ALL_FUNCTIONS = "Part_2", "C_999"
# Most bands present: an RTT extract whose header was edited, refused by parse naming what it lacks.
MIN_BANDS_TO_RECOGNISE = 100
METRICS = ("rtt_18wk_incomplete", "rtt_52wk_waiters", "rtt_52wk_pct", "rtt_waiting_list")


def matches(header: list[str]) -> bool:
    """The 121 published RTT full-extract columns; or its descriptive columns and weekly bands, so that parse can
    refuse a changed header naming the column it lacks."""
    if header_is(header, COLUMNS):
        return True
    stripped = {cell.strip() for cell in header}
    bands = sum(1 for cell in stripped if cell.startswith("Gt ") and cell.endswith("Weeks SUM 1"))
    return set(DESCRIPTIVE) <= stripped and bands >= MIN_BANDS_TO_RECOGNISE


@never_raises(NAME)
def parse(text: str) -> Parsed:
    """Canonical RTT rows per provider: Part_2 incomplete pathways, treatment function C_999, all commissioners."""
    text, line_of, total_lines = _waiting_list_lines(text)
    cells = read_text_cells(text)
    problems = missing_columns(cells.columns, COLUMNS, "an NHS England RTT full CSV data file")
    if problems:
        return Parsed(format=NAME, problems=problems)
    if line_of is not None:
        cells[LINE] = np.asarray(line_of)[cells[LINE].to_numpy() - 1]  # back to lines of the uploaded file
    # Part_2 is the waiting list; C_999 is the all-specialties total (detail rows would double count).
    used = (cells[PART].str.strip() == WAITING_LIST_PART) & (cells[FUNCTION].str.strip() == ALL_FUNCTIONS)
    ignored = total_lines - int(used.sum())
    cells = cells.loc[used]
    if cells.empty:
        problems.append(
            Problem(
                f"no rows have '{PART}' {WAITING_LIST_PART} and '{FUNCTION}' {ALL_FUNCTIONS} (the waiting list for "
                "all treatment functions)",
                fix="upload the full RTT CSV data file, or a cut of it that keeps the Part_2 / C_999 rows",
            )
        )
        return Parsed(format=NAME, problems=problems)

    codes, has_code = org_codes(cells, PROVIDER, problems)
    months = map_unique(cells[PERIOD], lambda v: publication_period(v, "RTT"))
    period, in_period, period_problems = single_period(cells, PERIOD, months, "RTT-June-2026")
    problems.extend(period_problems)
    # Blank weekly bands mean nobody waiting in that band; a blank Total All is missing.
    bands = parse_counts(cells, BANDS, problems, missing_is_zero=True)
    totals = parse_counts(cells, [TOTAL_ALL], problems)
    within_18 = bands.values[list(WITHIN_18)].sum(axis=1)
    over_52 = bands.values[list(OVER_52)].sum(axis=1)
    all_bands = bands.values.sum(axis=1)
    total_all = totals.values[TOTAL_ALL]
    problems.extend(_bands_over_total(cells, all_bands, total_all))

    keep = has_code & in_period & ~bands.bad.any(axis=1) & ~totals.bad.any(axis=1)
    frame = pd.DataFrame(
        {
            "org_code": codes,
            "line": cells[LINE],
            "within_18": within_18,
            "over_52": over_52,
            "total_all": total_all,
        }
    )[keep]
    groups = frame.groupby("org_code", sort=False)
    provider = pd.concat(
        [
            groups["line"].min(),
            groups[["within_18", "over_52"]].sum(),
            groups["total_all"].sum(min_count=1),
            groups.size().rename("commissioners"),
        ],
        axis=1,
    ).reset_index()
    keys = provider[["org_code", "line"]].assign(period=period)
    rows = build_rows(
        [
            ratio_rows(keys, "rtt_18wk_incomplete", provider["within_18"], provider["total_all"]),
            count_rows(keys, "rtt_52wk_waiters", provider["over_52"]),
            ratio_rows(keys, "rtt_52wk_pct", provider["over_52"], provider["total_all"]),
            count_rows(keys, "rtt_waiting_list", provider["total_all"]),
        ],
        METRICS,
    )

    notes = []
    if period is not None:
        notes.append(
            f"Read the waiting list (Part_2, treatment function C_999 Total) for {len(provider):,} providers in "
            f"{label(period)}, summing {int(keep.sum()):,} commissioner rows; {len(rows):,} values."
        )
    if ignored:
        notes.append(
            f"Ignored {ignored:,} rows for other RTT parts (completed pathways, new clock starts) and single "
            "treatment functions, which the C_999 total already covers."
        )
    notes.extend(missing_note(totals.missing_total))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


def _waiting_list_lines(text: str) -> tuple[str, list[int] | None, int]:
    """The header and the lines that can hold Part_2 / C_999 rows, their original line numbers, the row count."""
    # The full extract is ~80 MB and ~180,000 rows, of which a few thousand are used: a plain substring test
    # before parsing keeps the import fast. Falls back to the whole text if any quoted cell spans lines.
    lines = text.split("\n")
    data_lines = sum(1 for line in lines[1:] if line.strip())
    if any(line.count('"') % 2 for line in lines):
        return text, None, data_lines
    kept = [0] + [i for i in range(1, len(lines)) if ALL_FUNCTIONS in lines[i] and WAITING_LIST_PART in lines[i]]
    if len(kept) == len(lines):
        return text, None, data_lines
    # line_of[k] is the 1-based original line of the k-th line of the filtered text.
    return "\n".join(lines[i] for i in kept) + "\n", [i + 1 for i in kept], data_lines


def _bands_over_total(cells: pd.DataFrame, all_bands: pd.Series, total_all: pd.Series) -> list[Problem]:
    """Warnings where the weekly bands add up to more than Total All."""
    over = all_bands > total_all
    return [
        Problem(
            f"the weekly bands add up to {int(bands):,}, more than '{TOTAL_ALL}' ({int(total):,})",
            line=int(line),
            column=TOTAL_ALL,
            value=str(value),
            fix="check the row was not edited; Total All should be the bands plus unknown clock starts",
            severity="warning",
        )
        for line, value, bands, total in head_rows(
            pd.concat([cells[[LINE, TOTAL_ALL]], all_bands.rename("b"), total_all.rename("t")], axis=1)[over]
        )
    ]


IMPORTER = Importer(
    name=NAME,
    label="NHS England RTT full CSV data file (waiting list by provider)",
    matches=matches,
    parse=parse,
    metrics=METRICS,
)
