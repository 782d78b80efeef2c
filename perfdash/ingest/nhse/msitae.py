"""NHS England's monthly A&E provider CSV ("MSitAE"): 4-hour performance, attendances, admissions, DTA waits."""

from __future__ import annotations

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Importer, Parsed, Problem
from perfdash.ingest.nhse.common import (
    build_rows,
    count_rows,
    duplicate_problems,
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

NAME = "nhse_msitae"
PERIOD, ORG, PARENT, ORG_NAME = "Period", "Org Code", "Parent Org", "Org name"

# Attendances and over-4-hour columns, in matching order: type 1, 2, other, then booked appointments of each.
ATTENDANCES = (
    "A&E attendances Type 1",
    "A&E attendances Type 2",
    "A&E attendances Other A&E Department",
    "A&E attendances Booked Appointments Type 1",
    "A&E attendances Booked Appointments Type 2",
    "A&E attendances Booked Appointments Other Department",
)
OVER_4H = (
    "Attendances over 4hrs Type 1",
    "Attendances over 4hrs Type 2",
    "Attendances over 4hrs Other Department",
    "Attendances over 4hrs Booked Appointments Type 1",
    "Attendances over 4hrs Booked Appointments Type 2",
    "Attendances over 4hrs Booked Appointments Other Department",
)
TYPE1 = (0, 3)  # positions of Type 1 and Booked Appointments Type 1 in the tuples above
DTA_4_12 = "Patients who have waited 4-12 hs from DTA to admission"  # sic: "hs" in the published header
DTA_12 = "Patients who have waited 12+ hrs from DTA to admission"
ADMISSIONS = (
    "Emergency admissions via A&E - Type 1",
    "Emergency admissions via A&E - Type 2",
    "Emergency admissions via A&E - Other A&E department",
)
OTHER_ADMISSIONS = "Other emergency admissions"
COLUMNS = (
    PERIOD,
    ORG,
    PARENT,
    ORG_NAME,
    *ATTENDANCES,
    *OVER_4H,
    DTA_4_12,
    DTA_12,
    *ADMISSIONS,
    OTHER_ADMISSIONS,
)
METRICS = (
    "ae_4hr_all",
    "ae_4hr_type1",
    "ae_attendances",
    "emergency_admissions",
    "ae_12hr_dta_waits",
    "ae_4to12hr_dta_waits",
)


def matches(header: list[str]) -> bool:
    """The 22 published MSitAE columns, exactly."""
    return header_is(header, COLUMNS)


@never_raises(NAME)
def parse(text: str) -> Parsed:
    """Canonical rows for every provider and site in one month's MSitAE file."""
    cells = read_text_cells(text)
    problems = missing_columns(cells.columns, COLUMNS, "an NHS England MSitAE A&E file")
    if problems:
        return Parsed(format=NAME, problems=problems)
    notes: list[str] = []

    # The England TOTAL row is a sum of the providers; we recompute totals, so it is skipped, not read.
    total = (cells[[PERIOD, ORG, PARENT]].apply(lambda s: s.str.strip().str.upper()) == "TOTAL").any(axis=1)
    for line in cells.loc[total, LINE]:
        notes.append(f"Skipped line {line}: the England TOTAL row (totals are recomputed from providers).")
    cells = cells.loc[~total]
    if cells.empty:
        problems.append(Problem("the file has no provider rows", fix="upload the full MSitAE file"))
        return Parsed(format=NAME, problems=problems, notes=notes)

    codes, has_code = org_codes(cells, ORG, problems)
    months = map_unique(cells[PERIOD], lambda v: publication_period(v, "MSitAE"))
    period, in_period, period_problems = single_period(cells, PERIOD, months, "MSitAE-APRIL-2025")
    problems.extend(period_problems)
    dup_problems, first = duplicate_problems(codes.to_frame(ORG), cells[LINE], f"'{ORG}'")
    problems.extend(dup_problems)
    keep = has_code & in_period & first

    counts = parse_counts(cells, [*ATTENDANCES, *OVER_4H, DTA_4_12, DTA_12, *ADMISSIONS], problems)
    att, over = counts.values[list(ATTENDANCES)], counts.values[list(OVER_4H)]
    problems.extend(_over_more_than_attended(cells, att, over))
    keys = pd.DataFrame({"period": period, "org_code": codes, "line": cells[LINE]}, index=cells.index)[keep]

    all_num, all_den, all_ok = _four_hours(cells, att, over, range(6), counts.bad, problems)
    t1_num, t1_den, t1_ok = _four_hours(cells, att, over, TYPE1, counts.bad, problems)
    attendances = att.sum(axis=1, min_count=1).where(~counts.any_bad(ATTENDANCES))
    admissions = counts.values[list(ADMISSIONS)].sum(axis=1, min_count=1).where(~counts.any_bad(ADMISSIONS))
    parts = [
        ratio_rows(keys, "ae_4hr_all", all_num.where(all_ok), all_den),
        ratio_rows(keys, "ae_4hr_type1", t1_num.where(t1_ok), t1_den),
        count_rows(keys, "ae_attendances", attendances),
        count_rows(keys, "emergency_admissions", admissions),
        count_rows(keys, "ae_12hr_dta_waits", counts.values[DTA_12]),
        count_rows(keys, "ae_4to12hr_dta_waits", counts.values[DTA_4_12]),
    ]
    rows = build_rows(parts, METRICS)

    if period is not None:
        providers = rows["org_code"].nunique()
        notes.insert(
            0,
            f"Read {int(keep.sum()):,} provider and site rows ({providers:,} organisations) for "
            f"{label(period)}, giving {len(rows):,} values.",
        )
    no_attendances = int((keep & (all_den == 0)).sum())
    if no_attendances:
        notes.append(
            f"{no_attendances:,} organisations had no A&E attendances this month, so no 4-hour percentage "
            "was produced for them (neither 0% nor 100%)."
        )
    notes.extend(missing_note(counts.missing_total))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes)


def _four_hours(
    cells: pd.DataFrame,
    att: pd.DataFrame,
    over: pd.DataFrame,
    positions: range | tuple[int, ...],
    bad: pd.DataFrame,
    problems: list[Problem],
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Within-4-hours numerator, attendance denominator and which rows can be trusted, for some types."""
    a = att.iloc[:, list(positions)]
    o = over.iloc[:, list(positions)]
    # Booked appointments are counted in addition to walk-in attendances, as NHS England publishes.
    denominator = a.sum(axis=1, min_count=1)
    numerator = denominator - o.sum(axis=1)
    # An over-4-hours figure missing where there were attendances would overstate performance.
    unknown = (a.fillna(0).to_numpy() > 0) & o.isna().to_numpy() & ~bad[list(o.columns)].to_numpy()
    invalid = bad[[*a.columns, *o.columns]].any(axis=1) | (o.to_numpy() > a.to_numpy()).any(axis=1)
    for row, col in zip(*unknown.nonzero(), strict=True):
        warning = Problem(
            f"'{o.columns[col]}' is blank or '-' but '{a.columns[col]}' is {int(a.iat[row, col]):,}, so the "
            "4-hour percentage cannot be worked out for this organisation",
            line=int(cells[LINE].iat[row]),
            column=str(o.columns[col]),
            value=str(cells[o.columns[col]].iat[row]),
            fix="fill in the number of attendances over 4 hours",
            severity="warning",
        )
        if warning not in problems:
            problems.append(warning)
    return numerator, denominator, ~(invalid | unknown.any(axis=1))


def _over_more_than_attended(cells: pd.DataFrame, att: pd.DataFrame, over: pd.DataFrame) -> list[Problem]:
    """Problems where more attendances waited over 4 hours than attended."""
    worse = over.to_numpy() > att.to_numpy()
    return [
        Problem(
            f"'{OVER_4H[col]}' ({int(over.iat[row, col]):,}) is more than '{ATTENDANCES[col]}' "
            f"({int(att.iat[row, col]):,})",
            line=int(cells[LINE].iat[row]),
            column=OVER_4H[col],
            value=str(cells[OVER_4H[col]].iat[row]),
            fix="check the two columns were not swapped or mistyped",
        )
        for row, col in zip(*worse.nonzero(), strict=True)
    ]


IMPORTER = Importer(
    name=NAME,
    label="NHS England A&E monthly provider file (MSitAE)",
    matches=matches,
    parse=parse,
    metrics=METRICS,
)
