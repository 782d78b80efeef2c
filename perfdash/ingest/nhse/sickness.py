"""NHS Digital's monthly NHS Sickness Absence Rates CSV: wf_sickness for every organisation in it.

One row per organisation and month: DATE (the month's last day, day first: 31/01/2025), region, ICS,
ORG_CODE, ORG_NAME, ORG_TYPE, FTE_DAYS_LOST, FTE_DAYS_AVAILABLE and SICKNESS_ABSENCE_RATE_PERCENT (rounded to
2 decimals). The rate is FTE days lost over FTE days available, computed here from the unrounded FTE days; the
published rate only checks it. An ICB's own row is its own staff, not its system, so it is left out: a system
figure is rolled up from its trusts. There is no England row to check sums against.
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
    missing_note,
    month_of,
    never_raises,
    org_codes,
    parse_decimals,
    ratio_rows,
    read_text_cells,
    single_period,
)
from perfdash.periods import label

NAME = "nhsd_sickness"
DATE, ICS_CODE, ORG, ORG_TYPE = "DATE", "ICS_CODE", "ORG_CODE", "ORG_TYPE"
LOST, AVAILABLE, RATE = "FTE_DAYS_LOST", "FTE_DAYS_AVAILABLE", "SICKNESS_ABSENCE_RATE_PERCENT"
COLUMNS = (
    DATE,
    "NHSE_REGION_CODE",
    "NHSE_REGION_NAME",
    ICS_CODE,
    "ICS_NAME",
    ORG,
    "ORG_NAME",
    ORG_TYPE,
    LOST,
    AVAILABLE,
    RATE,
)
REQUIRED = (DATE, ICS_CODE, ORG, ORG_TYPE, LOST, AVAILABLE, RATE)
METRICS = ("wf_sickness",)
# The published rate is rounded to 2 decimals: ours may differ from it by half a hundredth, no more.
RATE_TOLERANCE = 0.005 + 1e-9
ICB_TYPE = "integrated care board"


def _names(header: list[str]) -> list[str]:
    return [c.strip().upper() for c in header]


def matches(header: list[str]) -> bool:
    """Most of the published columns, including the FTE days or the rate (so a renamed column can be named)."""
    names = set(_names(header))
    return len(names & set(COLUMNS)) >= len(COLUMNS) - 3 and bool(names & {LOST, AVAILABLE, RATE})


@never_raises(NAME)
def parse(text: str) -> Parsed:
    """Canonical wf_sickness rows (FTE days lost / FTE days available) for every organisation but the ICBs."""
    cells = read_text_cells(text)
    cells.columns = [c if c == LINE else c.strip().upper() for c in cells.columns]
    absent = [c for c in REQUIRED if c not in cells.columns]
    if absent:
        unknown = [c for c in cells.columns if c not in COLUMNS and c != LINE]
        found = f"; it has {', '.join(repr(c) for c in unknown)} instead" if unknown else ""
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    "this does not look like NHS Digital's Sickness Absence Rates CSV as published: the header has no "
                    + ", ".join(f"'{c}'" for c in absent)
                    + found,
                    line=1,
                    column=absent[0],
                    value=", ".join(unknown),
                    fix="upload the file exactly as NHS Digital publishes it",
                )
            ],
        )
    problems: list[Problem] = []
    notes: list[str] = []
    codes, has_code = org_codes(cells, ORG, problems)
    months = map_unique(cells[DATE], month_of)
    period, in_period, period_problems = single_period(cells, DATE, months, "31/01/2025")
    problems.extend(period_problems)
    dup_problems, first = duplicate_problems(codes.to_frame(ORG), cells[LINE], f"'{ORG}'")
    problems.extend(dup_problems)
    # An ICB's row is the ICB's own staff; under its code it would replace the system's roll-up of its trusts.
    icb = (cells[ORG_TYPE].str.strip().str.lower() == ICB_TYPE) | (codes == cells[ICS_CODE].str.strip().str.upper())
    keep = has_code & in_period & first & ~icb

    days = parse_decimals(cells, [LOST, AVAILABLE, RATE], problems)
    lost, available = days.values[LOST], days.values[AVAILABLE]
    problems.extend(_inconsistent(cells, lost, available, days.values[RATE]))
    keys = pd.DataFrame({"period": period, "org_code": codes, "line": cells[LINE]}, index=cells.index)[keep]
    rows = build_rows([ratio_rows(keys, "wf_sickness", lost.where(lost <= available), available)], METRICS)

    if period is not None:
        notes.append(
            f"Read {int(keep.sum()):,} organisations for {label(period)}, giving {len(rows):,} values: FTE days "
            "lost over FTE days available, unrounded (the file's rounded rate only checks it)."
        )
    if icb.any():
        notes.append(
            f"Left out {int(icb.sum()):,} ICB rows: they count each ICB's own staff, not its system's trusts, whose "
            "figure perfdash rolls up from the trusts."
        )
    counted = has_code & in_period & first & lost.notna() & available.notna()
    if counted.any():
        # Not a check: NHS Digital publishes no England row in this file to compare with.
        total_lost, total_available = lost[counted].sum(), available[counted].sum()
        notes.append(
            f"The file has no England row, so no total could be checked. For information, all "
            f"{int(counted.sum()):,} organisations in it (ICBs included) lost {total_lost:,.0f} of "
            f"{total_available:,.0f} FTE days = {100 * total_lost / total_available:.2f}%."
        )
    notes.extend(missing_note(days.missing_total))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


def _inconsistent(cells: pd.DataFrame, lost: pd.Series, available: pd.Series, rate: pd.Series) -> list[Problem]:
    """Rows losing more days than were available, or whose published rate is not their FTE days' ratio."""
    problems = [
        Problem(
            f"'{LOST}' ({days_lost:,.2f}) is more than '{AVAILABLE}' ({days_available:,.2f})",
            line=int(line),
            column=LOST,
            fix="check the two columns were not swapped or mistyped",
        )
        for line, days_lost, days_available in head_rows(
            pd.concat([cells[LINE], lost, available], axis=1)[lost > available]
        )
    ]
    ours = 100 * lost / available.where(available > 0)
    wrong = rate.notna() & ours.notna() & ((rate - ours).abs() > RATE_TOLERANCE) & (lost <= available)
    problems.extend(
        Problem(
            f"the file's own '{RATE}' is {published:.2f} but its FTE days give {days_lost:,.2f} / "
            f"{days_available:,.2f} = {computed:.3f}%",
            line=int(line),
            column=RATE,
            fix="upload the file exactly as published; the FTE days or the rate were changed",
        )
        for line, published, days_lost, days_available, computed in head_rows(
            pd.concat([cells[LINE], rate, lost, available, ours], axis=1)[wrong]
        )
    )
    return problems


IMPORTER = Importer(
    name=NAME,
    label="NHS Digital NHS Sickness Absence Rates, monthly CSV",
    matches=matches,
    parse=parse,
    metrics=METRICS,
)
