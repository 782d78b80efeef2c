"""Helpers for NHS England's titled sheets: the title block (Period:, Status:) and a header checked label by label.

Their workbooks (and the same sheets saved as CSV) open with a title block in columns B:C, then a header row
found by content. A header is checked against the published labels in order, so a renamed, removed or inserted
column is refused by name ("expected 'Total attendances' after 'Type 3 ...', found 'All attendances'").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from perfdash.ingest.csvtext import LINE
from perfdash.ingest.model import Problem
from perfdash.ingest.nhse.common import head_rows, month_of, parse_counts, parse_shares
from perfdash.ingest.workbook import Sheet, Table, Workbook, column_letter, label_text

# A published percentage is computed from the counts beside it: in the workbook it agrees to float precision;
# saved as CSV from Excel it is rounded to 0.1 points ('73.8%').
SHARE_TOLERANCE = 1e-6
CSV_SHARE_TOLERANCE = 0.0006


@dataclass(frozen=True)
class TitleBlock:
    """What a publication's title block says about itself: the month, and its status where it gives one."""

    period: str | None  # 'YYYY-MM', or None when the Period: line is absent or unreadable
    period_text: str | None  # the Period: cell as written, e.g. 'December 2025'
    status: str  # e.g. 'Published', 'Provisional', 'Revised'; '' when not stated
    revised: str  # the Revised: cell ('' when the file has not been revised)
    published: str  # the Published: cell

    @property
    def file_status(self) -> str:
        """The status recorded on the upload, in the file's words: 'Published', or 'Published, revised 12 June 2025'."""
        revised = f"revised {self.revised}" if self.revised else ""
        return ", ".join(part for part in (self.status, revised) if part)

    def note(self) -> str:
        """One line for the upload summary: the month, status and dates as the file states them."""
        parts = [f"Period: {self.period_text}" if self.period_text else "no Period: line"]
        parts.append(f"Status: {self.status}" if self.status else "no Status: line")
        if self.published:
            parts.append(f"Published: {self.published}")
        if self.revised:
            parts.append(f"Revised: {self.revised}")
        return "The file's title block says " + "; ".join(parts) + "."


class Titled:
    """A located titled sheet (mixed into an importer's Located): its month and status are its title block's."""

    title: TitleBlock

    @property
    def period(self) -> str | None:
        """'YYYY-MM' from the title block."""
        return self.title.period

    @property
    def status(self) -> str:
        """The file's own status ('Published', 'Provisional', 'Revised'), '' when not stated."""
        return self.title.status


def read_title_block(sheet: Sheet) -> TitleBlock:
    """The title block's Period, Status, Published and Revised lines (blank when a line is absent)."""
    period_text = sheet.title_value("Period")
    return TitleBlock(
        period=month_of(period_text) if period_text else None,
        period_text=period_text,
        status=sheet.title_value("Status") or "",
        revised=sheet.title_value("Revised") or "",
        published=sheet.title_value("Published") or "",
    )


def period_problem(title: TitleBlock, example: str) -> Problem | None:
    """A problem when the title block does not give a readable month, else None."""
    if title.period is not None:
        return None
    if title.period_text is None:
        return Problem(
            "the title block has no 'Period:' line, so the month of the data is unknown",
            fix=f"upload the sheet as published, with its title block ('Period: {example}') above the header",
        )
    return Problem(
        "the title block's 'Period:' line is not a month perfdash can read",
        column="Period:",
        value=title.period_text,
        fix=f"write it like '{example}'",
    )


def check_header(sheet: Sheet, header_row: int, expected: Sequence[str], what: str) -> tuple[list[int], list[Problem]]:
    """The 0-based column of each expected label, in order, or a problem naming the first column that differs.

    Labels compare without case and with spaces and line breaks folded; blank header cells (spacer columns) are
    skipped. Columns after the expected ones are allowed (later editions append columns).
    """
    labelled = [(index, text) for index, text in enumerate(sheet.labels(header_row)) if text]
    positions: list[int] = []
    for number, wanted in enumerate(expected):
        found = labelled[number][1] if number < len(labelled) else ""
        if found.lower() == label_text(wanted).lower():
            positions.append(labelled[number][0])
            continue
        after = f" after '{expected[number - 1]}'" if number else " first"
        where = f"column {column_letter(labelled[number][0])}" if number < len(labelled) else "the end of the row"
        return [], [
            Problem(
                f"this does not look like {what} as NHS England publishes it: expected the column '{wanted}'"
                f"{after}, found " + (f"'{found}' ({where})" if found else "nothing"),
                line=header_row,
                column=found or wanted,
                value=found,
                fix="upload the file exactly as published; if NHS England has changed the layout, tell the "
                "perfdash team so the importer can be updated",
            )
        ]
    return positions, []


def columns_at(table: Table, positions: Sequence[int]) -> list[str]:
    """The table's column names for 0-based sheet columns (as check_header returns them)."""
    by_letter = {letter: name for name, letter in table.letters.items()}
    return [by_letter[column_letter(index)] for index in positions]


def open_table(
    workbook: Workbook,
    sheet_name: str,
    header_row: int,
    title: TitleBlock,
    expected: Sequence[str],
    what: str,
    example: str,
) -> tuple[Sheet, list[int], list[Problem]]:
    """The located sheet, the columns of its expected header, and the problems that stop the parse (a header
    unlike the published one, or no readable 'Period:' line; example is a month as the title block writes it)."""
    sheet = workbook.sheet(sheet_name)
    if sheet is None:
        raise LookupError(f"sheet {sheet_name!r} is not in the workbook")
    positions, problems = check_header(sheet, header_row, expected, what)
    if not problems and (problem := period_problem(title, example)) is not None:
        problems = [problem]
    return sheet, positions, problems


def share_problems(
    workbook: Workbook, cells: pd.DataFrame, column: str, numerator: pd.Series, denominator: pd.Series
) -> list[Problem]:
    """Rows whose published percentage disagrees with the counts beside it ('-' where there are none is fine)."""
    published = parse_shares(cells[column])
    ours = numerator / denominator.where(denominator > 0)
    tolerance = CSV_SHARE_TOLERANCE if workbook.kind == "csv" else SHARE_TOLERANCE
    wrong = published.notna() & ours.notna() & ((published - ours).abs() > tolerance)
    return [
        Problem(
            f"the file's own '{column}' is {100 * p:.3f}% but its counts give {int(n):,} / {int(d):,} = {100 * o:.3f}%",
            line=int(line),
            column=column,
            fix="upload the file exactly as published; the counts or the percentage were changed",
        )
        for line, p, n, d, o in head_rows(
            pd.concat([cells[LINE], published, numerator, denominator, ours], axis=1)[wrong]
        )
    ]


def total_row_problems(
    total: pd.DataFrame, providers: pd.DataFrame, counted: list[str], row: str
) -> tuple[int, pd.Series, list[Problem]]:
    """The England row's line, the providers' sums, and a problem for each counted column where they differ.

    row names the England row as the analyst sees it ("the England row"); total holds it (one row, not empty).
    """
    line = int(total[LINE].iat[0])
    published = parse_counts(total, counted, []).values.iloc[0]
    summed = providers[counted].sum()
    problems = [
        Problem(
            f"{row} says {int(published[c]):,} but the providers add up to {int(summed[c]):,}, so rows are missing "
            "or changed",
            line=line,
            column=c,
            fix="upload the whole sheet exactly as published",
        )
        for c in counted
        if pd.notna(published[c]) and published[c] != summed[c]
    ]
    return line, summed, problems
