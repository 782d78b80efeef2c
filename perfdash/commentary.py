"""Analysts' commentary on a metric, organisation and month: what happened, the action, owner and due date."""

from __future__ import annotations

from datetime import date

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
