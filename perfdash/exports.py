"""CSV exports a spreadsheet can open safely: no cell that Excel would run as a formula."""

from __future__ import annotations

import re

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number ("-4.5", "+12", "1e-3") is read as a number, never run, so it keeps its sign.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralise(cell: object) -> object:
    """Prefix text that a spreadsheet would treat as a formula with an apostrophe; numbers pass through."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def safe_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with every text cell neutralised."""
    cleaned = frame.copy()
    for column in cleaned.columns:
        if cleaned[column].dtype == object or pd.api.types.is_string_dtype(cleaned[column]):
            cleaned[column] = cleaned[column].map(neutralise)
    cleaned.columns = [str(neutralise(str(c))) for c in cleaned.columns]
    return cleaned.to_csv(index=False).encode("utf-8")
