"""The Data page's audit log and a value's history, as an analyst reads them: words, not stored names."""

from __future__ import annotations

import pandas as pd

from perfdash.config import Metric
from perfdash.periods import moment_label
from perfdash.vocabulary import count_text, format_value

# Newest first; older uploads are in the download. A few hundred rows of HTML would slow every visit, and the
# rollback picker lists every live upload whatever is shown.
SHOWN_UPLOADS = 100

# The uploads columns offered as CSV, in order (stored names).
UPLOAD_COLUMNS = (
    "id",
    "status",
    "file_name",
    "uploaded_at",
    "uploaded_by",
    "origin",
    "format",
    "n_rows",
    "n_added",
    "n_revised",
    "n_unchanged",
    "rolled_back_at",
    "rolled_back_by",
    "rollback_reason",
    "note",
    "sha256",
)
# The headings on the page: status next to the number, so a rollback shows without scrolling sideways; the
# rollback's when, who and why in one column and the file's hash only in the download, so the table fits 1366 px.
UPLOAD_HEADINGS = {
    "id": "Upload",
    "status": "Status",
    "file_name": "File",
    "uploaded_at": "Loaded",
    "uploaded_by": "Loaded by",
    "origin": "Origin",
    "format": "Format",
    "n_rows": "Rows",
    "n_added": "Added",
    "n_revised": "Revised",
    "n_unchanged": "Unchanged",
    "rollback": "Rollback",
    "note": "Note",
}
UPLOAD_COUNTS = ("Upload", "Rows", "Added", "Revised", "Unchanged")
HISTORY_NUMBERS = ("Upload", "Value", "Numerator", "Denominator")


def uploads_offered(uploads: pd.DataFrame) -> pd.DataFrame:
    """Every upload in the stored columns the page offers as CSV, newest first."""
    return uploads[list(UPLOAD_COLUMNS)].sort_values("id", ascending=False)


def uploads_shown(uploads: pd.DataFrame, limit: int = SHOWN_UPLOADS) -> pd.DataFrame:
    """The newest `limit` uploads in words: times to the minute, counts with thousands, a rollback in a sentence."""
    frame = uploads_offered(uploads).head(limit).astype(object)
    frame["rollback"] = [
        _rollback(at, by, why)
        for at, by, why in zip(frame["rolled_back_at"], frame["rolled_back_by"], frame["rollback_reason"], strict=True)
    ]
    frame["uploaded_at"] = [moment_label(text) for text in frame["uploaded_at"]]
    for column in ("n_rows", "n_added", "n_revised", "n_unchanged"):
        frame[column] = [f"{int(count):,}" for count in frame[column]]
    frame["id"] = [str(int(number)) for number in frame["id"]]
    return frame[list(UPLOAD_HEADINGS)].fillna("").rename(columns=UPLOAD_HEADINGS)


def _rollback(at: str | None, by: str | None, why: str | None) -> str:
    """'30 Nov 2026, 16:45 UTC by bob@nhs.net: wrong month' for a rolled-back upload; blank for a live one."""
    if not isinstance(at, str):
        return ""
    return f"{moment_label(at)} by {by}" + (f": {why}" if isinstance(why, str) and why.strip() else "")


def uploads_caption(total: int, limit: int = SHOWN_UPLOADS) -> str:
    """What the table holds: every upload, or the newest `limit` of them."""
    if total <= limit:
        return f"Every upload, newest first ({total:,})."
    return f"The {limit:,} newest of {total:,} uploads; the download has every one."


def history_shown(history: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """value_history in words: each load of one value, oldest first, in the metric's unit, live or rolled back."""
    return pd.DataFrame(
        {
            "Upload": [str(int(number)) for number in history["upload_id"]],
            "File": history["file_name"].tolist(),
            "Loaded": [moment_label(text) for text in history["uploaded_at"]],
            "Loaded by": history["uploaded_by"].tolist(),
            "Value": [format_value(value, metric.unit) for value in history["value"]],
            "Numerator": [count_text(value) for value in history["numerator"]],
            "Denominator": [count_text(value) for value in history["denominator"]],
            "Upload status": [
                f"rolled back {moment_label(at)}" if isinstance(at, str) else "live" for at in history["rolled_back_at"]
            ],
        }
    )
