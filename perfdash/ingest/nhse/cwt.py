"""NHS England's Cancer Waiting Times provider extract (CWT-CRS), as published (.xlsx) or saved as CSV.

One sheet, header `PERIOD, YEAR, MONTH, STANDARD, ORG CODE, STAGE/ROUTE, TREATMENT MODALITY, CANCER TYPE, TOTAL
TREATED, WITHIN STANDARD, BREACHES`, several months per file, PERIOD an Excel date. The 28-day Faster Diagnosis
Standard rows are summed over routes and cancer types. The 31- and 62-day rows come twice, as two cross-cuts
(ALL MODALITIES by each cancer type, and each modality by ALL CANCERS): one cut is summed and the other only checks
it, so no patient is counted twice. 62-day rows hold half patients (0.5: a pathway shared by two providers); they
are kept as decimals, never rounded. England is the sum over every provider, loaded under ENGLAND_CODE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Parsed, Problem, SheetImporter
from perfdash.ingest.nhse.common import (
    ENGLAND_CODE,
    build_rows,
    duplicate_problems,
    head_rows,
    map_unique,
    month_of,
    month_problems,
    org_codes,
    parse_decimals,
    ratio_rows,
)
from perfdash.ingest.nhse.layout import file_status, header_problems, sheet_never_raises
from perfdash.ingest.workbook import Workbook
from perfdash.periods import label

NAME = "nhse_cwt"
WHAT = "the NHS England cancer waiting times provider extract (CWT-CRS)"
PERIOD, YEAR, MONTH, STANDARD, ORG = "PERIOD", "YEAR", "MONTH", "STANDARD", "ORG CODE"
ROUTE, MODALITY, CANCER = "STAGE/ROUTE", "TREATMENT MODALITY", "CANCER TYPE"
TOTAL, WITHIN, BREACHES = "TOTAL TREATED", "WITHIN STANDARD", "BREACHES"
COLUMNS = (PERIOD, YEAR, MONTH, STANDARD, ORG, ROUTE, MODALITY, CANCER, TOTAL, WITHIN, BREACHES)
# Standard names (lower case, single spaces, plain hyphens) -> metric id.
STANDARDS = {
    "28-day fds": "cancer_fds_28d",
    "31-day combined": "cancer_31d",
    "62-day combined": "cancer_62d",
}
ALL_MODALITIES, ALL_CANCERS = "all modalities", "all cancers"
METRICS = ("cancer_fds_28d", "cancer_31d", "cancer_62d")
# A header row is recognised when it has most of the published labels, so a renamed column is still found and named.
MIN_LABELS_TO_RECOGNISE = 7
HEADER_SEARCH_ROWS = 20
KEY = ["period", "org_code", "metric_id"]
# Codes an edition might use for an England total row: checked against the sum over providers, never loaded as one.
ENGLAND_TOTAL_CODES = {ENGLAND_CODE, "ENGLAND", "NATIONAL", "TOTAL", "E92000001"}


@dataclass(frozen=True)
class Located:
    """Where the extract's header is."""

    sheet: str
    header_row: int


def find(workbook: Workbook) -> Located | None:
    """The first sheet with a header row holding most of the extract's column labels."""
    wanted = {c.lower() for c in COLUMNS}
    for sheet in workbook.sheets:
        for row in range(1, min(sheet.height, HEADER_SEARCH_ROWS) + 1):
            if len(wanted & {c.lower() for c in sheet.labels(row)}) >= MIN_LABELS_TO_RECOGNISE:
                return Located(sheet.name, row)
    return None


def _norm(values: pd.Series) -> pd.Series:
    """Lower case with single spaces and plain hyphens, for comparing labels (once per distinct label: fast)."""
    return values.map({value: " ".join(value.lower().replace("\u2013", "-").split()) for value in values.unique()})


@sheet_never_raises(NAME)
def parse(workbook: Workbook, located: object) -> Parsed:
    """Canonical cancer rows per provider (and England), month and standard."""
    assert isinstance(located, Located)
    sheet = workbook.sheet(located.sheet)
    assert sheet is not None
    table = sheet.table(located.header_row)
    problems = header_problems(table, COLUMNS, WHAT)
    if problems:
        return Parsed(format=NAME, problems=problems)
    cells = table.frame
    notes: list[str] = []

    codes, has_code = org_codes(cells, ORG, problems)
    months = map_unique(cells[PERIOD], month_of)
    month_issues, has_month = month_problems(cells, PERIOD, months, "2024-09-01 (an Excel date), 01/09/2024 or Sep-24")
    problems.extend(month_issues)
    standard = _norm(cells[STANDARD])
    metric = standard.map(STANDARDS)
    other = metric.isna()
    if other.any():
        listed = "; ".join(f"{name} ({n:,})" for name, n in cells.loc[other, STANDARD].value_counts().items())
        notes.append(f"Skipped {int(other.sum()):,} rows for standards perfdash does not track: {listed}.")

    numbers = parse_decimals(cells, [TOTAL, WITHIN, BREACHES], problems)
    total, within, breaches = (numbers.values[c] for c in (TOTAL, WITHIN, BREACHES))
    problems.extend(_consistency(cells, total, within, breaches))
    readable = total.notna() & within.notna() & ~numbers.any_bad([TOTAL, WITHIN]) & (within <= total)
    problems.extend(
        Problem(
            f"'{TOTAL}' or '{WITHIN}' is blank, so this row is left out",
            line=int(line),
            column=TOTAL if pd.isna(t) else WITHIN,
            fix="fill in both; NHS England's extract always has both",
            severity="warning",
        )
        for line, t in head_rows(
            pd.concat([cells[LINE], total.rename("t")], axis=1)[
                (total.isna() | within.isna()) & ~numbers.any_bad([TOTAL, WITHIN])
            ]
        )
    )
    tracked = has_code & has_month & metric.notna()
    keys = pd.DataFrame(
        {"period": months, "org_code": codes, "standard": standard}
        | {c: _norm(cells[c]) for c in (ROUTE, MODALITY, CANCER)}
    )[tracked]
    repeat_problems, first = duplicate_problems(
        keys, cells.loc[tracked, LINE], "this month, provider, standard and row"
    )
    problems.extend(repeat_problems)

    frame = pd.DataFrame(
        {
            "period": months,
            "org_code": codes,
            "metric_id": metric,
            "line": cells[LINE],
            "total": total,
            "within": within,
            "all_modalities": _norm(cells[MODALITY]) == ALL_MODALITIES,
            "all_cancers": _norm(cells[CANCER]) == ALL_CANCERS,
        }
    )[tracked & readable & first.reindex(cells.index, fill_value=False)]
    chosen, cut_notes, cut_problems = _one_cut(frame)
    notes.extend(cut_notes)
    problems.extend(cut_problems)

    groups = chosen.groupby(KEY, sort=False)
    summed = pd.concat([groups["line"].min(), groups[["total", "within"]].sum()], axis=1).reset_index()
    published = summed["org_code"].isin(ENGLAND_TOTAL_CODES)
    summed, published = summed[~published], summed[published]
    england = summed.groupby(["period", "metric_id"], sort=False).agg(
        line=("line", "min"), total=("total", "sum"), within=("within", "sum")
    )
    problems.extend(_england_disagrees(england, published))
    england = england.reset_index().assign(org_code=ENGLAND_CODE)
    both = pd.concat([summed, england], ignore_index=True)
    parts = [
        ratio_rows(part[["period", "org_code", "line"]], metric_id, part["within"], part["total"])
        for metric_id, part in both.groupby("metric_id", sort=False)
    ]
    rows = build_rows(parts, METRICS)

    if len(rows):
        periods = sorted(rows["period"].unique())
        span = label(periods[0]) + (f" to {label(periods[-1])}" if len(periods) > 1 else "")
        notes.insert(
            0,
            f"Read {len(chosen):,} rows for {summed['org_code'].nunique():,} providers ({span}), giving "
            f"{len(rows):,} values, England ({ENGLAND_CODE}) included as the sum over providers.",
        )
    halves = int(((total.fillna(0) % 1 != 0) | (within.fillna(0) % 1 != 0))[tracked].sum())
    if halves:
        notes.append(
            f"{halves:,} rows hold part patients (0.5: a pathway shared between two providers); they are kept as "
            "decimals in the numerator and denominator, not rounded."
        )
    status = file_status(workbook.member, workbook.file_name)
    if status:
        notes.append(f"The file is marked '{status}' in its name: these are NHS England's {status.lower()} figures.")
    no_activity = int((summed["total"] == 0).sum())
    if no_activity:
        notes.append(f"{no_activity:,} provider-month-standard totals were zero, so no percentage was produced.")
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes, status=(status or "").lower())


def _one_cut(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[Problem]]:
    """For each provider, month and standard, the rows of one cross-cut only; the other cut checks its sums.

    Preference: a grand-total row (ALL MODALITIES and ALL CANCERS), else the ALL MODALITIES cut (one row per cancer
    type), else the ALL CANCERS cut (one row per modality), else every row (the FDS, which has no cuts).
    """
    grand = frame["all_modalities"] & frame["all_cancers"]
    by_type = frame["all_modalities"] & ~frame["all_cancers"]
    by_modality = frame["all_cancers"] & ~frame["all_modalities"]
    detail = ~frame["all_modalities"] & ~frame["all_cancers"]
    group = [frame[k] for k in KEY]
    has = {name: mask.groupby(group).transform("any") for name, mask in (("grand", grand), ("by_type", by_type))}
    has["by_modality"] = by_modality.groupby(group).transform("any")
    use = np.select(
        [has["grand"], has["by_type"], has["by_modality"]],
        [grand, by_type, by_modality],
        default=detail,
    )
    chosen = frame[use.astype(bool)]
    notes: list[str] = []
    left_out = len(frame) - len(chosen)
    if left_out:
        notes.append(
            f"Left out {left_out:,} rows of the second cross-cut (each modality x ALL CANCERS, or detail rows under "
            "a total): the 31- and 62-day figures sum the ALL MODALITIES x cancer type rows only, so no patient is "
            "counted twice."
        )
    problems = _cuts_disagree(frame[by_type], frame[by_modality])
    return chosen, notes, problems


def _cuts_disagree(by_type: pd.DataFrame, by_modality: pd.DataFrame) -> list[Problem]:
    """Warnings where the two cross-cuts of a provider's month and standard do not add up to the same totals."""
    if by_type.empty or by_modality.empty:
        return []
    a = by_type.groupby(KEY)[["total", "within"]].sum()
    b = by_modality.groupby(KEY)[["total", "within"]].sum()
    joined = a.join(b.add_suffix("_modality"), how="inner").rename(
        columns={"total": "total_type", "within": "within_type"}
    )
    differ = (joined["total_type"] - joined["total_modality"]).abs().gt(1e-6) | (
        joined["within_type"] - joined["within_modality"]
    ).abs().gt(1e-6)
    lines = by_type.groupby(KEY)["line"].min()
    return [
        Problem(
            f"{org} {metric} for {label(period)}: the cancer-type rows add up to {row.within_type:g} of "
            f"{row.total_type:g} but the modality rows to {row.within_modality:g} of {row.total_modality:g}; perfdash "
            "uses the cancer-type rows",
            line=int(lines.loc[(period, org, metric)]),
            column=TOTAL,
            fix="check the file was not edited; NHS England's two cross-cuts always agree",
            severity="warning",
        )
        for (period, org, metric), row in joined[differ].head(200).iterrows()
    ]


def _england_disagrees(england: pd.DataFrame, published: pd.DataFrame) -> list[Problem]:
    """Errors where a published England total row differs from the sum over providers perfdash loads."""
    problems = []
    for row in published.itertuples():
        ours = england.loc[(row.period, row.metric_id)] if (row.period, row.metric_id) in england.index else None
        if ours is not None and abs(ours["total"] - row.total) < 1e-6 and abs(ours["within"] - row.within) < 1e-6:
            continue
        problems.append(
            Problem(
                f"the England total row ({row.org_code}) for {label(row.period)} {row.metric_id} says {row.within:g} "
                f"of {row.total:g}, but the providers add up to "
                + ("nothing" if ours is None else f"{ours['within']:g} of {ours['total']:g}"),
                line=int(row.line),
                column=ORG,
                value=row.org_code,
                fix="check no provider rows were deleted or edited; NHS England's totals equal the sum of providers",
            )
        )
    return problems


def _consistency(cells: pd.DataFrame, total: pd.Series, within: pd.Series, breaches: pd.Series) -> list[Problem]:
    """Errors where more were within the standard than in total; warnings where the three do not add up."""
    problems = [
        Problem(
            f"'{WITHIN}' ({w:g}) is more than '{TOTAL}' ({t:g})",
            line=int(line),
            column=WITHIN,
            value=str(value),
            fix="check the two columns were not swapped or mistyped",
        )
        for line, value, w, t in head_rows(
            pd.concat([cells[[LINE, WITHIN]], within.rename("w"), total.rename("t")], axis=1)[within > total]
        )
    ]
    mismatch = (within <= total) & breaches.notna() & ((total - within - breaches).abs() > 1e-6)
    problems.extend(
        Problem(
            f"'{TOTAL}' ({t:g}) is not '{WITHIN}' ({w:g}) plus '{BREACHES}' ({b:g})",
            line=int(line),
            column=BREACHES,
            value=str(value),
            fix=f"check the row was not edited; perfdash uses '{TOTAL}' and '{WITHIN}'",
            severity="warning",
        )
        for line, value, t, w, b in head_rows(
            pd.concat([cells[[LINE, BREACHES]], total.rename("t"), within.rename("w"), breaches.rename("b")], axis=1)[
                mismatch
            ]
        )
    )
    return problems


SHEET_IMPORTER = SheetImporter(
    name=NAME,
    label="NHS England cancer waiting times provider extract (CWT-CRS), .xlsx or CSV",
    find=find,
    parse=parse,
    metrics=METRICS,
)
