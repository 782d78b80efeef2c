"""NHS England's "A&E by provider" workbook (.xls), sheet 'Provider Level Data': the MSitAE metrics per provider.

The sheet opens with a title block (Title:, Period:, ..., Status:), a caption 'Provider Level Data', a merged
super-header (row 15 as published) and the header (row 16). Counts include booked appointments, as the MSitAE
CSV's sums do. Its '>4 hours from decision to admit' column counts every patient waiting over 4 hours, 12 hours
and more included, unlike the CSV's 4-12 hour column: the 4-12 hour figure is that column minus the 12-hour one.
The England row (Code '-') checks our sums and is not loaded; '-' (no such department) is missing, never 0.
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

NAME = "nhse_ae_provider"
WHAT = "the 'Provider Level Data' sheet of NHS England's A&E by provider workbook"
CAPTION = "Provider Level Data"
TYPE_1, TYPE_2, TYPE_3 = (
    "Type 1 Departments - Major A&E",
    "Type 2 Departments - Single Specialty",
    "Type 3 Departments - Other A&E/Minor Injury Unit",
)
# The header as published, column B onwards; the unlabelled ICB-name column after it is not read.
EXPECTED = (
    "Code",
    "Region",
    "Name",
    TYPE_1,
    TYPE_2,
    TYPE_3,
    "Total attendances",
    TYPE_1,
    TYPE_2,
    TYPE_3,
    "Total Attendances < 4 hours",
    TYPE_1,
    TYPE_2,
    TYPE_3,
    "Total Attendances > 4 hours",
    "Percentage in 4 hours or less (all)",
    "Percentage in 4 hours or less (type 1)",
    "Percentage in 4 hours or less (type 2)",
    "Percentage in 4 hours or less (type 3)",
    "Emergency Admissions via Type 1 A&E",
    "Emergency Admissions via Type 2 A&E",
    "Emergency Admissions via Type 3 and 4 A&E",
    "Total Emergency Admissions via A&E",
    "Other Emergency admissions (i.e not via A&E)",
    "Total Emergency Admissions",
    "Number of patients spending >4 hours from decision to admit to admission",
    "Number of patients spending >12 hours from decision to admit to admission",
)
CODE, NAME_COLUMN = 0, 2
ATTENDED, WITHIN, OVER = (3, 4, 5, 6), (7, 8, 9, 10), (11, 12, 13, 14)  # type 1, 2, 3 and total of each
PERCENT_ALL, PERCENT_TYPE1 = 15, 16
ADMISSIONS = (19, 20, 21, 22)  # via type 1, 2, 3 and 4 A&E, and their total
ALL_ADMISSIONS = (22, 23, 24)  # via A&E, other, and all
DTA_OVER_4, DTA_OVER_12 = 25, 26
COUNTED = (*ATTENDED, *WITHIN, *OVER, *ADMISSIONS, 23, 24, DTA_OVER_4, DTA_OVER_12)
METRICS = (
    "ae_4hr_all",
    "ae_4hr_type1",
    "ae_attendances",
    "emergency_admissions",
    "ae_12hr_dta_waits",
    "ae_4to12hr_dta_waits",
)


@dataclass(frozen=True)
class Located(Titled):
    """The sheet holding the table, its header and super-header rows, and what its title block says."""

    sheet: str
    header_row: int
    title: TitleBlock
    # True when the sheet is booked and non-booked attendances together (not the Non-Booked or Booked sheets).
    combined: bool


def find(workbook: Workbook) -> Located | None:
    """The A&E provider table: a titled sheet captioned 'Provider Level Data' with a Code, Region, Name header."""
    found = [located for sheet in workbook.sheets if (located := _locate(sheet)) is not None]
    found.sort(key=lambda located: not located.combined)  # the booked-plus-non-booked sheet first
    return found[0] if found else None


def _locate(sheet: Sheet) -> Located | None:
    title = sheet.title_value("Title") or ""
    # Any two of the three labels find the header, so parse can name a single renamed column.
    pairs = (("Code", "Region"), ("Region", "Name"), ("Code", "Name"))
    header_row = next((row for pair in pairs if (row := sheet.find_row(pair, max_rows=40)) is not None), None)
    if "a&e" not in title.lower() or header_row is None or sheet.find_row([CAPTION], max_rows=header_row) is None:
        return None
    summary = (sheet.title_value("Summary") or "").lower()
    combined = sheet.name.strip().lower() == CAPTION.lower() or "booked and non-booked" in summary
    return Located(sheet=sheet.name, header_row=header_row, title=read_title_block(sheet), combined=combined)


@sheet_never_raises(NAME)
def parse(workbook: Workbook, located: object) -> Parsed:
    """Canonical rows for every provider on the sheet, checked against its England row; never raises."""
    assert isinstance(located, Located)
    return _parse(workbook, located)


def _parse(workbook: Workbook, located: Located) -> Parsed:
    if not located.combined:
        return Parsed(
            format=NAME,
            problems=[
                Problem(
                    "this sheet does not say it holds booked and non-booked A&E attendances together (its Summary "
                    "line lacks 'booked and non-booked'); the Non-Booked and Booked Appointments sheets undercount",
                    fix="upload the A&E by provider workbook as published, or save its 'Provider Level Data' sheet "
                    "as CSV",
                    sheet=located.sheet,
                )
            ],
        )
    sheet, positions, problems = open_table(
        workbook, located.sheet, located.header_row, located.title, EXPECTED, WHAT, "December 2025"
    )
    if problems:
        return Parsed(format=NAME, problems=problems)
    period = located.period
    table = sheet.table(located.header_row, super_row=located.header_row - 1)
    names = columns_at(table, positions)
    cells = table.frame
    notes = [located.title.note()]

    england = (cells[names[CODE]].str.strip() == "-") & (cells[names[NAME_COLUMN]].str.strip().str.lower() == "england")
    total, cells = cells[england], cells[~england]
    codes, has_code = org_codes(cells, names[CODE], problems)
    dup_problems, first = duplicate_problems(codes.to_frame("code"), cells[LINE], f"'{names[CODE]}'")
    problems.extend(dup_problems)
    keep = has_code & first
    counted = [names[i] for i in COUNTED]
    counts = parse_counts(cells, counted, problems)
    values = counts.values
    problems.extend(_inconsistent(cells, values, names))

    keys = pd.DataFrame({"period": period, "org_code": codes, "line": cells[LINE]}, index=cells.index)[keep]
    within, attended = values[names[WITHIN[3]]], values[names[ATTENDED[3]]]
    within_1, attended_1 = values[names[WITHIN[0]]], values[names[ATTENDED[0]]]
    over_4, over_12 = values[names[DTA_OVER_4]], values[names[DTA_OVER_12]]
    problems.extend(share_problems(workbook, cells, names[PERCENT_ALL], within, attended))
    problems.extend(share_problems(workbook, cells, names[PERCENT_TYPE1], within_1, attended_1))
    parts = [
        ratio_rows(keys, "ae_4hr_all", within.where(within <= attended), attended),
        ratio_rows(keys, "ae_4hr_type1", within_1.where(within_1 <= attended_1), attended_1),
        count_rows(keys, "ae_attendances", attended),
        count_rows(keys, "emergency_admissions", values[names[ADMISSIONS[3]]]),
        count_rows(keys, "ae_12hr_dta_waits", over_12),
        # The workbook's '>4 hours' column includes the 12-hour waits; the catalogue's metric is 4 to 12 hours.
        count_rows(keys, "ae_4to12hr_dta_waits", (over_4 - over_12).where(over_12 <= over_4)),
    ]
    rows = build_rows(parts, METRICS)
    problems.extend(_england_check(total, values[keep], names, counted, notes))
    notes.insert(
        0,
        f"Read {int(keep.sum()):,} providers for {label(period)} from sheet '{located.sheet}', giving "
        f"{len(rows):,} values. The 4-12 hour decision-to-admit waits are the '>4 hours' column minus the "
        "'>12 hours' column (the workbook's '>4 hours' includes the 12-hour waits).",
    )
    notes.extend(missing_note(counts.missing_total))
    return Parsed(format=NAME, rows=rows, problems=problems, notes=notes, status=located.title.file_status)


def _inconsistent(cells: pd.DataFrame, values: pd.DataFrame, names: list[str]) -> list[Problem]:
    """Rows whose totals are not the sum of their parts, or with more 12-hour than 4-hour waits."""
    problems: list[Problem] = []
    for group in (ATTENDED, WITHIN, OVER, ADMISSIONS):
        parts, total = values[[names[i] for i in group[:3]]].sum(axis=1, min_count=1), values[names[group[3]]]
        wrong = parts.notna() & total.notna() & (parts != total)
        problems.extend(
            Problem(
                f"'{names[group[3]]}' is {int(t):,} but its three columns add up to {int(p):,}",
                line=int(line),
                column=names[group[3]],
                fix="upload the file exactly as published; a column was changed or mistyped",
            )
            for line, p, t in head_rows(pd.concat([cells[LINE], parts, total], axis=1)[wrong])
        )
    for attended_at, within_at, over_at in zip(ATTENDED, WITHIN, OVER, strict=True):
        attended = values[names[attended_at]]
        both = values[names[within_at]] + values[names[over_at]]
        wrong = both.notna() & attended.notna() & (both != attended)
        problems.extend(
            Problem(
                f"'{names[within_at]}' plus '{names[over_at]}' is {int(b):,}, not the {int(a):,} attendances",
                line=int(line),
                column=names[attended_at],
                fix="upload the file exactly as published; a column was changed or mistyped",
            )
            for line, b, a in head_rows(pd.concat([cells[LINE], both, attended], axis=1)[wrong])
        )
    over_4, over_12 = values[names[DTA_OVER_4]], values[names[DTA_OVER_12]]
    problems.extend(
        Problem(
            f"more patients waited over 12 hours from decision to admit ({int(b):,}) than over 4 hours ({int(a):,})",
            line=int(line),
            column=names[DTA_OVER_12],
            fix="in this workbook the '>4 hours' column includes the 12-hour waits; check the two were not swapped",
        )
        for line, a, b in head_rows(pd.concat([cells[LINE], over_4, over_12], axis=1)[over_12 > over_4])
    )
    return problems


def _england_check(
    total: pd.DataFrame, providers: pd.DataFrame, names: list[str], counted: list[str], notes: list[str]
) -> list[Problem]:
    """Our sums over providers against the sheet's own England row (an error naming the column if they differ)."""
    if total.empty:
        notes.append("The sheet has no England row (Code '-'), so the providers' sums were not checked against it.")
        return []
    line, summed, problems = total_row_problems(total, providers, counted, "the England row")
    if not problems and summed[names[ATTENDED[3]]] > 0:
        within, attended = summed[names[WITHIN[3]]], summed[names[ATTENDED[3]]]
        notes.append(
            f"Checked against the England row (row {line}): the providers add up to it in every column; England "
            f"{int(within):,} of {int(attended):,} attendances within 4 hours = {100 * within / attended:.3f}%."
        )
    return problems


IMPORTER = SheetImporter(
    name=NAME,
    label="NHS England A&E by provider workbook (.xls), 'Provider Level Data' sheet",
    find=find,
    parse=parse,
    metrics=METRICS,
)
