"""The Data page's audit log and value history, as shown and as downloaded."""

import pandas as pd

from perfdash import audit_log
from perfdash.config import load_config
from perfdash.vocabulary import NO_DATA


def _uploads(count: int = 2) -> pd.DataFrame:
    rows = [
        {
            "id": number,
            "file_name": f"ae-{number}.csv",
            "sha256": "ab" * 32,
            "format": "canonical",
            "uploaded_by": "ann.analyst@nhs.net",
            "uploaded_at": f"2026-11-{number % 28 + 1:02d}T09:05:59Z",
            "n_rows": 1_293_600,
            "n_added": 1_293_600,
            "n_revised": 0,
            "n_unchanged": 0,
            "note": "",
            "origin": "real",
            "rolled_back_by": None,
            "rolled_back_at": None,
            "rollback_reason": None,
            "status": "live",
        }
        for number in range(1, count + 1)
    ]
    rows[0] |= {
        "rolled_back_by": "bob@nhs.net",
        "rolled_back_at": "2026-11-30T16:45:00Z",
        "rollback_reason": "Wrong <month>",
        "status": "rolled back",
    }
    return pd.DataFrame(rows)


def test_uploads_are_shown_newest_first_in_words():
    shown = audit_log.uploads_shown(_uploads())
    assert shown.columns.tolist() == list(audit_log.UPLOAD_HEADINGS.values())
    assert shown["Upload"].tolist() == ["2", "1"]
    first = shown.iloc[1]
    assert first["Status"] == "rolled back"
    assert first["Rollback"] == "30 Nov 2026, 16:45 UTC by bob@nhs.net: Wrong <month>"
    assert first["Loaded"] == "2 Nov 2026, 09:05 UTC"
    assert first["Rows"] == "1,293,600" and first["Revised"] == "0"
    # A live upload has no rollback: a blank cell, not 'None' or 'nan'.
    assert shown.iloc[0]["Rollback"] == "" and shown.iloc[0]["Note"] == ""


def test_a_rollback_without_a_reason_is_still_a_sentence():
    uploads = _uploads()
    uploads.loc[0, "rollback_reason"] = None
    assert audit_log.uploads_shown(uploads)["Rollback"].iloc[1] == "30 Nov 2026, 16:45 UTC by bob@nhs.net"


def test_the_download_keeps_every_upload_and_the_stored_values():
    uploads = _uploads(audit_log.SHOWN_UPLOADS + 5)
    offered = audit_log.uploads_offered(uploads)
    assert len(offered) == len(uploads) and offered["id"].iloc[0] == len(uploads)
    assert offered.columns.tolist() == list(audit_log.UPLOAD_COLUMNS)
    assert offered["rollback_reason"].iloc[-1] == "Wrong <month>"
    assert offered["sha256"].iloc[-1] == "ab" * 32 and offered["uploaded_at"].iloc[-1] == "2026-11-02T09:05:59Z"
    shown = audit_log.uploads_shown(uploads)
    assert len(shown) == audit_log.SHOWN_UPLOADS and shown["Upload"].iloc[-1] == "6"
    assert audit_log.uploads_caption(len(uploads)) == "The 100 newest of 105 uploads; the download has every one."
    assert audit_log.uploads_caption(3) == "Every upload, newest first (3)."


def test_a_value_history_is_in_the_metrics_unit_with_each_uploads_status():
    metric = load_config().metric_by_id["ae_4hr_all"]
    history = pd.DataFrame(
        {
            "upload_id": [4, 9],
            "file_name": ["ae-sep.csv", "ae-sep-revised.csv"],
            "uploaded_by": ["ann@nhs.net", "bob@nhs.net"],
            "uploaded_at": ["2025-10-09T09:30:00Z", "2025-11-13T09:30:00Z"],
            "value": [76.54321, float("nan")],
            "numerator": [13520.0, float("nan")],
            "denominator": [19226.0, 0.5],
            "rolled_back_at": [None, "2025-11-14T10:00:00Z"],
        }
    )
    shown = audit_log.history_shown(history, metric)
    assert shown.to_dict("records") == [
        {
            "Upload": "4",
            "File": "ae-sep.csv",
            "Loaded": "9 Oct 2025, 09:30 UTC",
            "Loaded by": "ann@nhs.net",
            "Value": "76.5%",
            "Numerator": "13,520",
            "Denominator": "19,226",
            "Upload status": "live",
        },
        {
            "Upload": "9",
            "File": "ae-sep-revised.csv",
            "Loaded": "13 Nov 2025, 09:30 UTC",
            "Loaded by": "bob@nhs.net",
            "Value": NO_DATA,
            "Numerator": "",
            "Denominator": "0.50",
            "Upload status": "rolled back 14 Nov 2025, 10:00 UTC",
        },
    ]
