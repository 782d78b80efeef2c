"""Commentary validation."""

import pandas as pd

from perfdash import commentary
from perfdash.commentary import problem_with


def test_valid_entry():
    assert problem_with("Ambulance surge", "Open escalation beds", "2025-10-31") is None
    assert problem_with("Note only", "", "") is None


def test_bad_due_date_and_length():
    assert "not a date" in problem_with("x", "", "31/10/2025")
    assert "under 4,000" in problem_with("x" * 4001, "", "")


def _notes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [3, 7],
            "metric_id": ["ae_4hr_all"] * 2,
            "org_code": ["R1H"] * 2,
            "period": ["2025-08", "2025-09"],
            "narrative": ["Handover delays <b>rose</b>", "Streaming opened"],
            "action": ["", "Second handover lead"],
            "owner": ["", "Director of Operations"],
            "due": ["", "2025-12-31"],
            "author": ["ann.analyst@nhs.net"] * 2,
            "created_at": ["2025-09-02T08:15:59Z", "2025-10-03T17:45:01Z"],
        }
    )


def test_commentary_is_shown_newest_month_first_in_words():
    shown = commentary.shown(_notes())
    assert shown.columns.tolist() == [
        "Month",
        "What happened",
        "Action being taken",
        "Owner",
        "Due",
        "Written by",
        "Saved",
    ]
    assert shown["Month"].tolist() == ["Sep 2025", "Aug 2025"]
    assert shown["Saved"].tolist() == ["3 Oct 2025, 17:45 UTC", "2 Sep 2025, 08:15 UTC"]
    # The text is kept as written: the HTML table escapes it.
    assert shown["Due"].tolist() == ["31 Dec 2025", ""]
    assert shown["What happened"].tolist() == ["Streaming opened", "Handover delays <b>rose</b>"]


def test_the_commentary_download_keeps_the_stored_columns_and_values():
    stored = commentary.in_order(_notes())
    assert stored.columns.tolist() == list(commentary.SHOWN_COLUMNS)
    assert stored["period"].tolist() == ["2025-09", "2025-08"]
    assert stored["created_at"].tolist() == ["2025-10-03T17:45:01Z", "2025-09-02T08:15:59Z"]
