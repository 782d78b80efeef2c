"""A file's problems as the Upload page lists them: headings in words, every line number whole. Pure."""

from __future__ import annotations

import pandas as pd

# A file can have a problem on every one of a million lines; the page shows the first ones and the CSV has all.
SHOWN_PROBLEMS = 200

HEADINGS = {
    "severity": "Severity",
    "sheet": "Sheet",
    "line": "Line",
    "column": "Column",
    "value": "Value",
    "problem": "What is wrong",
    "how to fix": "How to fix",
}
# Said in the Line column of a problem with the file as a whole (a missing column, say), not with one line.
WHOLE_FILE = "whole file"


def problems_shown(problems: pd.DataFrame, limit: int = SHOWN_PROBLEMS) -> pd.DataFrame:
    """The first `limit` problems of Prepared.problem_table, with headings in words and lines as whole numbers."""
    shown = problems.head(limit).copy()
    shown["line"] = [WHOLE_FILE if pd.isna(line) else f"{int(line)}" for line in shown["line"]]
    return shown.rename(columns=HEADINGS)


def problems_caption(problems: pd.DataFrame, file_name: str, limit: int = SHOWN_PROBLEMS) -> str:
    """What the table shows: all of the file's problems, or the first of them (the CSV has every one)."""
    errors = int((problems["severity"] == "error").sum())
    warnings = len(problems) - errors
    counted = f"{errors:,} error(s) and {warnings:,} warning(s)"
    if len(problems) <= limit:
        return f"Problems in {file_name}: {counted}, by line."
    return f"Problems in {file_name}: {counted}; the first {limit:,} by line are shown, and the CSV has every one."
