"""Checks shared by the importers that read a publication's table from a sheet: the header as published."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from functools import wraps

from perfdash.ingest.model import Parsed, Problem
from perfdash.ingest.workbook import Table, Workbook
from perfdash.periods import MONTH_NAMES

_MONTH_YEAR = re.compile(r"\b(" + "|".join(sorted(MONTH_NAMES, key=len, reverse=True)) + r")[\s\-]+(\d{4})\b", re.I)
log = logging.getLogger("perfdash")
_STATUS = re.compile(r"\b(provisional|final|revised)\b", re.IGNORECASE)


def header_problems(table: Table, expected: Sequence[str], what: str, *, adjacent: bool = True) -> list[Problem]:
    """One problem per expected column the header lacks, saying what stands where it should be.

    With adjacent, the expected columns follow one another, so the label found in a missing column's place is named.
    """
    found = table.columns
    lowered = [c.lower() for c in found]
    problems = []
    for index, name in enumerate(expected):
        if name.lower() in lowered:
            continue
        previous = expected[index - 1] if index else None
        there: str | None = None
        if adjacent:
            position = lowered.index(previous.lower()) + 1 if previous and previous.lower() in lowered else index
            there = found[position] if position < len(found) else None
            where = f"after '{previous}' " if previous else "first "
            message = f"expected a column '{name}' {where}in the header of {what}, found " + (
                f"'{there}'" if there else "no further column"
            )
        else:
            message = f"expected a column '{name}' in the header of {what}, but there is none"
        problems.append(
            Problem(
                message,
                line=table.header_row,
                column=name,
                value=there,
                fix=f"upload the file exactly as published; if the publisher renamed '{name}', report it to the "
                "perfdash team so the importer can be updated",
                sheet=table.sheet,
            )
        )
    return problems


def month_in_text(text: str) -> str | None:
    """'YYYY-MM' for the last 'January 2025'-style month named in a title, else None."""
    matches = _MONTH_YEAR.findall(text)
    if not matches:
        return None
    name, year = matches[-1]
    return f"{int(year):04d}-{MONTH_NAMES[name.lower()]:02d}"


def file_status(*names: str | None) -> str | None:
    """'Final', 'Provisional' or 'Revised' when a file's name or title says so (for the notes, never detection)."""
    for name in names:
        if name and (match := _STATUS.search(name.replace("_", " ").replace("-", " "))):
            return match.group(1).capitalize()
    return None


SheetParse = Callable[[Workbook, object], Parsed]


def sheet_never_raises(name: str) -> Callable[[SheetParse], SheetParse]:
    """Wrap a sheet importer's parse so a bug comes back as one problem (traceback logged), never an exception."""

    def decorate(parse: SheetParse) -> SheetParse:
        @wraps(parse)
        def safe(workbook: Workbook, located: object) -> Parsed:
            try:
                return parse(workbook, located)
            except Exception as error:  # the contract is to report, never to break the upload page
                log.exception("importer %s failed on %r", name, workbook.file_name)
                return Parsed(
                    format=name,
                    problems=[
                        Problem(
                            f"perfdash could not read this file ({type(error).__name__}: {error})",
                            fix="check the file is the unchanged download; if it is, report this to the perfdash "
                            "team with the file attached",
                        )
                    ],
                )

        return safe

    return decorate
