"""Helpers for publications read from workbooks: England's code, counts without float noise, title-block facts.

Decimal figures are read by common.parse_decimals (signed=True), the one decimal reader.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from perfdash.ingest.nhse.common import ENGLAND_CODE
from perfdash.ingest.workbook import Sheet

__all__ = ["ENGLAND_CODE"]
# Counts further than this from a whole number are not counts.
WHOLE_TOLERANCE = 1e-3


def whole(values: pd.Series) -> pd.Series:
    """Counts with Excel's float noise removed (123853.000001 is 123853); NaN stays NaN."""
    rounded = values.round()
    return rounded.where((values - rounded).abs() <= WHOLE_TOLERANCE, values)


TITLE_KEYS = ("Title", "Summary", "Period", "Basis", "Status", "Revised")


def title_facts(sheet: Sheet, keys: Sequence[str] = TITLE_KEYS) -> dict[str, str]:
    """The title block's values by key ('Basis' -> 'Provider'); keys the sheet lacks are left out."""
    facts = {}
    for key in keys:
        value = sheet.title_value(key, max_rows=15)
        if value is not None:
            facts[key] = value
    return facts


def expected_sequence(found: Sequence[str], start: int, expected: Sequence[str]) -> tuple[str, str, str] | None:
    """The first place where `found` from `start` departs from `expected`: (expected, after, found), or None."""
    for offset, wanted in enumerate(expected):
        index = start + offset
        actual = found[index] if index < len(found) else "(no more columns)"
        if actual.lower() != wanted.lower():
            after = found[index - 1] if index > 0 else "(the first column)"
            return wanted, after, actual
    return None
