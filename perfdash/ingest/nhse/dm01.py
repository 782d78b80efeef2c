"""NHS England's monthly diagnostics (DM01) provider web file: share waiting 6+ weeks and the waiting list.

As published (.xls, or a sheet saved as CSV from Excel) each sheet has a title block in column B ('Title:
Monthly Diagnostics', 'Period: March 2025', 'Status:'), a super-header (row 13) with a line break in a cell,
the header (row 14, cells padded with spaces), the England 'Total' row (row 15), then one row per provider
('Provider' sheet) or per provider and test with a 'Total' row per provider ('Provider by Test'). An empty
spacer column sits between '13+ weeks' and the activity columns. The 'Provider' sheet is read when present;
from 'Provider by Test' each provider's 'Total' row is used (its tests are checked to add up to it), so no
patient is counted twice. The England row checks our sums and is not loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Parsed, Problem, SheetImporter
from perfdash.ingest.nhse.common import (
    build_rows,
    count_rows,
    duplicate_problems,
    head_rows,
    missing_note,
    org_codes,
    parse_counts,
    ratio_rows,
)
from perfdash.ingest.nhse.layout import sheet_never_raises
from perfdash.ingest.nhse.titled import (
    TitleBlock,
    Titled,
    columns_at,
    open_table,
    read_title_block,
    share_problems,
    total_row_problems,
)
from perfdash.ingest.workbook import Sheet, Workbook
from perfdash.periods import label

NAME = "nhse_dm01"
WHAT = "NHS England's DM01 provider web file"
PROVIDER_SHEET, BY_TEST_SHEET = "Provider", "Provider by Test"
REGION_CODE, REGION_NAME = "Regional Team Code", "Regional Team Name"
PROVIDER, PROVIDER_NAME = "Provider Code", "Provider Name"
TEST_ID, TEST_NAME = "Diagnostic ID", "Diagnostic Test Name"
WAITING, OVER_6, OVER_13, PERCENT_6 = (
    "Total Waiting List",
    "Number waiting 6+ Weeks",
    "Number waiting 13+ Weeks",
    "Percentage waiting 6+ weeks",
)
MEASURES = (WAITING, OVER_6, OVER_13, PERCENT_6)
# The published headers up to the percentage; the weekly bands and activity columns after them are not read.
EXPECTED = (REGION_CODE, REGION_NAME, PROVIDER, PROVIDER_NAME, *MEASURES)
EXPECTED_BY_TEST = (REGION_CODE, REGION_NAME, PROVIDER, PROVIDER_NAME, TEST_ID, TEST_NAME, *MEASURES)
COUNTED = (WAITING, OVER_6, OVER_13)
METRICS = ("dm01_6wk", "dm01_waiting_list")


@dataclass(frozen=True)
class Located(Titled):
    """The sheet read, its header row (None: a DM01 sheet with no provider table), and its title block."""

    sheet: str
    header_row: int | None
    title: TitleBlock
    by_test: bool


def find(workbook: Workbook) -> Located | None:
    """A DM01 sheet: titled 'Monthly Diagnostics', or with a 'Provider Code' and 'Total Waiting List' header.

    'Provider' is preferred to 'Provider by Test', and either to a DM01 sheet without a provider table (which
    parse then refuses, saying which sheet to save).
    """
    found = [located for sheet in workbook.sheets if (located := _locate(sheet)) is not None]
    found.sort(key=lambda located: (located.header_row is None, located.by_test))
    return found[0] if found else None


def _locate(sheet: Sheet) -> Located | None:
    title = (sheet.title_value("Title") or "").lower()
    # Any two of these labels find the header, so parse can name a single renamed column.
    header_row = next(
        (
            row
            for labels in (
                (PROVIDER, WAITING),
                (REGION_CODE, PROVIDER_NAME),
                (PROVIDER, OVER_6),
                (REGION_CODE, WAITING),
            )
            if (row := sheet.find_row(labels, max_rows=60)) is not None
        ),
        None,
    )
    if header_row is None and "diagnostic" not in title:
        return None
    by_test = header_row is not None and TEST_NAME.lower() in {c.lower() for c in sheet.labels(header_row)}
    return Located(sheet=sheet.name, header_row=header_row, title=read_title_block(sheet), by_test=by_test)


@sheet_never_raises(NAME)
def parse(workbook: Workbook, located: object) -> Parsed:
    """dm01_6wk and dm01_waiting_list for every provider, checked against the England row; never raises."""
    assert isinstance(located, Located)
    return _parse(workbook, located)


def _parse(workbook: Workbook, located: Located) -> Parsed:
    if located.header_row is None:
        return Parsed(format=NAME, problems=[_no_table(workbook, located)])
    expected = EXPECTED_BY_TEST if located.by_test else EXPECTED
    sheet, positions, problems = open_table(
        workbook, located.sheet, located.header_row, located.title, expected, WHAT, "March 2025"
    )
    if problems:
        return Parsed(format=NAME, problems=problems)
    period = located.period
    table = sheet.table(located.header_row)
    names = dict(zip(expected, columns_at(table, positions), strict=True))
    cells = table.frame.rename(columns={v: k for k, v in names.items()})
    notes = [located.title.note()]

    england = (cells[PROVIDER].str.strip() == "") & (cells[PROVIDER_NAME].str.strip().str.lower() == "total")
    total, cells = cells[england], cells[~england]
    codes, has_code = org_codes(cells, PROVIDER, problems)
    counts = parse_counts(cells, list(COUNTED), problems)
    values = counts.values
    problems.extend(_inconsistent(workbook, cells, values))

    if located.by_test:
        is_total = cells[TEST_NAME].str.strip().str.lower() == "total"
        keys = pd.DataFrame({"code": codes, "test": cells[TEST_NAME].str.strip().str.lower()})
        dup_problems, first = duplicate_problems(keys, cells[LINE], "this provider and test")
        problems.extend(dup_problems)
        keep = has_code & first
        problems.extend(_tests_add_up(cells[keep], codes[keep], values[keep], is_total[keep]))
        providers, kept = _provider_totals(cells[keep], codes[keep], values[keep], is_total[keep], notes)
    else:
        dup_problems, first = duplicate_problems(codes.to_frame(PROVIDER), cells[LINE], f"'{PROVIDER}'")
        problems.extend(dup_problems)
        keep = has_code & first
        providers = pd.DataFrame({"org_code": codes, "line": cells[LINE]}, index=cells.index)[keep]
        providers = providers.join(values[keep])
        kept = int(keep.sum())
    providers = providers.assign(period=period)
    usable = providers[OVER_6] <= providers[WAITING]
    rows = build_rows(
        [
            ratio_rows(providers, "dm01_6wk", providers[OVER_6].where(usable), providers[WAITING]),
            count_rows(providers, "dm01_waiting_list", providers[WAITING]),
        ],
        METRICS,
    )
    problems.extend(_england_check(total, providers, notes))
    notes.insert(
        0,
        f"Read {kept:,} providers for {label(period)} from sheet '{located.sheet}', giving {len(rows):,} values.",
    )
    empty = int((providers[WAITING] == 0).sum())
    if empty:
        notes.append(f"{empty:,} providers had nobody on the waiting list, so no percentage was produced for them.")
    notes.extend(missing_note(counts.missing_total))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes, status=located.title.file_status)


def _no_table(workbook: Workbook, located: Located) -> Problem:
    """Why a DM01 sheet without the provider table is refused, and which sheet to save instead."""
    sheet = workbook.sheet(located.sheet)
    basis = (sheet.title_value("Basis") or "") if sheet is not None else ""
    if basis and basis.strip().lower() != "provider":
        what = f"this DM01 file is on a '{basis}' basis; perfdash reads the provider-based file"
    else:
        what = f"this DM01 sheet has no provider table (no header row with '{PROVIDER}' and '{WAITING}')"
    return Problem(
        what,
        sheet=located.sheet,
        fix=f"upload the provider web file (.xls) as published, or save its '{PROVIDER_SHEET}' sheet (or "
        f"'{BY_TEST_SHEET}') as CSV",
    )


def _inconsistent(workbook: Workbook, cells: pd.DataFrame, values: pd.DataFrame) -> list[Problem]:
    """Rows with more 6+ week waiters than the list, more 13+ than 6+, or a percentage unlike the counts."""
    problems: list[Problem] = []
    for more, less in ((OVER_6, WAITING), (OVER_13, OVER_6)):
        wrong = values[more] > values[less]
        problems.extend(
            Problem(
                f"'{more}' ({int(m):,}) is more than '{less}' ({int(n):,})",
                line=int(line),
                column=more,
                fix="check the two columns were not swapped or mistyped",
            )
            for line, m, n in head_rows(pd.concat([cells[LINE], values[more], values[less]], axis=1)[wrong])
        )
    problems.extend(share_problems(workbook, cells, PERCENT_6, values[OVER_6], values[WAITING]))
    return problems


def _tests_add_up(cells: pd.DataFrame, codes: pd.Series, values: pd.DataFrame, is_total: pd.Series) -> list[Problem]:
    """Providers whose 'Total' test row is not the sum of their test rows (a row was lost or edited)."""
    summed = values[~is_total].groupby(codes[~is_total]).sum(min_count=1)
    totals = pd.concat([codes[is_total].rename("code"), cells.loc[is_total, LINE], values[is_total]], axis=1)
    problems = []
    for row in totals.itertuples(index=False):
        code, line = row[0], int(row[1])
        if code not in summed.index:
            continue
        for column, published in zip(COUNTED, row[2:], strict=True):
            ours = summed.at[code, column]
            if pd.notna(published) and pd.notna(ours) and ours != published:
                problems.append(
                    Problem(
                        f"{code}'s 'Total' row says {int(published):,} but its tests add up to {int(ours):,}",
                        line=line,
                        column=column,
                        fix="upload the whole sheet exactly as published",
                    )
                )
    return problems


def _provider_totals(
    cells: pd.DataFrame, codes: pd.Series, values: pd.DataFrame, is_total: pd.Series, notes: list[str]
) -> tuple[pd.DataFrame, int]:
    """One row per provider: its 'Total' test row, or the sum of its tests when it has no 'Total' row."""
    frame = pd.concat([codes.rename("org_code"), cells[LINE].rename("line"), values], axis=1)
    totals = frame[is_total]
    untotalled = frame[~is_total & ~frame["org_code"].isin(set(totals["org_code"]))]
    summed = untotalled.groupby("org_code", sort=False).agg(
        {"line": "min", **{c: lambda s: s.sum(min_count=1) for c in COUNTED}}
    )
    if len(summed):
        notes.append(f"{len(summed):,} providers had no 'Total' row, so their tests were summed.")
    providers = pd.concat([totals, summed.reset_index()], ignore_index=True)
    return providers, len(providers)


def _england_check(total: pd.DataFrame, providers: pd.DataFrame, notes: list[str]) -> list[Problem]:
    """Our sums over providers against the sheet's England 'Total' row (an error naming the column if not)."""
    if total.empty:
        notes.append("The sheet has no England 'Total' row, so the providers' sums were not checked against it.")
        return []
    line, summed, problems = total_row_problems(total, providers, list(COUNTED), "the England 'Total' row")
    if not problems and summed[WAITING] > 0:
        over, waiting = summed[OVER_6], summed[WAITING]
        notes.append(
            f"Checked against the England 'Total' row (row {line}): England {int(over):,} of {int(waiting):,} "
            f"waiting 6+ weeks = {100 * over / waiting:.2f}%."
        )
    return problems


IMPORTER = SheetImporter(
    name=NAME,
    label="NHS England diagnostics waiting times (DM01) provider web file (.xls, or its Provider sheet as CSV)",
    find=find,
    parse=parse,
    metrics=METRICS,
)
