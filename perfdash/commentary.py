"""Analysts' commentary on a metric, organisation and month: what happened, the action, owner and due date."""

from __future__ import annotations

from datetime import date

import pandas as pd

from perfdash.periods import day_label, label, moment_label
from perfdash.store import FIELD_LENGTHS

MAX_LENGTH = FIELD_LENGTHS["narrative"]


def problem_with(narrative: str, action: str, due: str) -> str | None:
    """What is wrong with a commentary entry, in words; None when it can be saved."""
    if len(narrative) > MAX_LENGTH or len(action) > MAX_LENGTH:
        return f"Keep commentary under {MAX_LENGTH:,} characters."
    if due.strip():
        try:
            date.fromisoformat(due.strip())
        except ValueError:
            return f"Due date {due!r} is not a date: write it as YYYY-MM-DD."
    return None


# The columns the Metric page shows, in its words (the CSV download keeps the stored names).
SHOWN_COLUMNS = {
    "period": "Month",
    "narrative": "What happened",
    "action": "Action being taken",
    "owner": "Owner",
    "due": "Due",
    "author": "Written by",
    "created_at": "Saved",
}


def in_order(notes: pd.DataFrame) -> pd.DataFrame:
    """The latest commentary per month, newest month first, in the stored columns the page offers."""
    return notes[list(SHOWN_COLUMNS)].sort_values("period", ascending=False)


def shown(notes: pd.DataFrame) -> pd.DataFrame:
    """in_order as the page shows it: months and dates in words, saved times to the minute (UTC), headings in words."""
    frame = in_order(notes).astype({"due": str, "created_at": str})
    frame["period"] = [label(p) for p in frame["period"]]
    frame["due"] = [day_label(text) for text in frame["due"]]
    frame["created_at"] = [moment_label(text) for text in frame["created_at"]]
    return frame.rename(columns=SHOWN_COLUMNS)
