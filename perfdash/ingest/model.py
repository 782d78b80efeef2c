"""What every importer returns: canonical rows plus problems an analyst can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    from perfdash.ingest.workbook import Workbook

# Canonical long form; `line` is the 1-based line of the source file the row came from (header = 1).
CANONICAL_COLUMNS = ["period", "org_code", "metric_id", "value", "numerator", "denominator"]
ROW_COLUMNS = [*CANONICAL_COLUMNS, "line"]

Severity = Literal["error", "warning"]
# A value quoted in a problem shows at most this many characters (a hostile 50 MB cell is never echoed).
MAX_QUOTED_CHARS = 120


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, located by line and column, in words an analyst understands."""

    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    fix: str = ""
    severity: Severity = "error"
    # For a workbook, the sheet; `line` is then the row number Excel shows.
    sheet: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and len(self.value) > MAX_QUOTED_CHARS:
            shortened = f"{self.value[:MAX_QUOTED_CHARS]}... ({len(self.value):,} characters)"
            object.__setattr__(self, "value", shortened)

    def describe(self) -> str:
        """One line for the command line: 'line 12, column value: ... (fix: ...)'."""
        where = []
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.line is not None:
            where.append(f"row {self.line}" if self.sheet else f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        text = ", ".join(where) + (": " if where else "") + self.message
        if self.value is not None and self.value != "":
            text += f" (found {self.value!r})"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


@dataclass
class Parsed:
    """An importer's result: canonical rows, problems, notes on what was skipped, and reference rows."""

    format: str
    rows: pd.DataFrame = field(default_factory=lambda: empty_rows())
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Provider/ICB/region lookup rows (code, name, icb_code, icb_name, region) for the reference importer.
    reference: pd.DataFrame | None = None
    # The file's own status where it states one: 'provisional', 'final', 'revised' (words as the file has them).
    status: str = ""

    @property
    def errors(self) -> list[Problem]:
        """Problems that block a commit."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems an analyst must acknowledge before committing."""
        return [p for p in self.problems if p.severity == "warning"]


def empty_rows() -> pd.DataFrame:
    """A canonical row frame with no rows and the right dtypes."""
    return pd.DataFrame(
        {
            "period": pd.Series(dtype="str"),
            "org_code": pd.Series(dtype="str"),
            "metric_id": pd.Series(dtype="str"),
            "value": pd.Series(dtype="float64"),
            "numerator": pd.Series(dtype="float64"),
            "denominator": pd.Series(dtype="float64"),
            "line": pd.Series(dtype="int64"),
        }
    )


@dataclass(frozen=True)
class Importer:
    """A file format perfdash can read: how to recognise its header and how to parse it."""

    name: str  # stable id recorded on the upload, e.g. "nhse_msitae"
    label: str  # what the analyst is told, e.g. "NHS England A&E monthly provider file (MSitAE)"
    matches: Callable[[list[str]], bool]  # given the stripped header cells
    parse: Callable[[str], Parsed]  # given the decoded text of the whole file
    metrics: tuple[str, ...] = ()  # metric ids it can fill; empty for reference data
    # Given the raw bytes of a UTF-8 file instead of its text, when reading them straight saves a decoded copy.
    parse_bytes: Callable[[bytes], Parsed] | None = None


@dataclass(frozen=True)
class SheetImporter:
    """A publication read from a workbook (or a CSV read as one sheet): find its table by content, then parse.

    `find` returns the located table (any object the importer's `parse` understands) or None when the workbook is
    not this publication. It should recognise the publication by signature (a sheet's title block, a distinctive
    header label) loosely enough that `parse` can then refuse a changed layout loudly, naming what it expected.
    """

    name: str
    label: str
    find: Callable[[Workbook], object | None]
    parse: Callable[[Workbook, object], Parsed]
    metrics: tuple[str, ...] = ()
