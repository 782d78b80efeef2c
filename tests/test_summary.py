"""The executive summary: counts of met, not met, new special cause and consistent failure, and the changes."""

import numpy as np
import pandas as pd

from perfdash import summary
from perfdash.periods import add_months, month_range


def _row(metric_id: str, **cells) -> dict:
    base = {
        "metric_id": metric_id,
        "metric": metric_id.replace("_", " ").title(),
        "unit": "percent",
        "direction": "higher",
        "value": None,
        "target": 78.0,
        "met": None,
        "variation": None,
        "assurance": None,
    }
    return {**base, **cells}


def test_counts_and_changes_from_two_months_of_rows():
    this = pd.DataFrame(
        [
            _row("a", value=80.0, met=True, variation="common_cause", assurance="inconsistent"),
            _row("b", value=70.0, met=False, variation="special_cause_concern", assurance="consistent_fail"),
            _row("c", value=79.0, met=True, variation="special_cause_improvement", assurance="inconsistent"),
            _row("d", value=12.0, target=None, variation="common_cause"),
        ]
    )
    last = pd.DataFrame(
        [
            _row("a", value=77.0, met=False, variation="special_cause_concern", assurance="inconsistent"),
            _row("b", value=79.0, met=True, variation="common_cause", assurance="inconsistent"),
            _row("c", value=78.5, met=True, variation="special_cause_improvement", assurance="inconsistent"),
        ]
    )
    result = summary.summarise(this, last, "2025-09")
    assert result.met == ("a", "c")
    assert result.not_met == ("b",)
    assert result.new_special_cause == ("b",)  # c's improvement was already there in August
    assert result.consistently_failing == ("b",)
    assert [c for _, c, _ in result.counts()] == [2, 1, 1, 1]
    texts = [change.text() for change in result.changes]
    # Concerns first, each naming the month compared with and the values in the metric's unit.
    assert texts[:3] == [
        "B no longer meets its target: 70.0% against ≥ 78.0% (79.0% in Aug 2025).",
        "B shows new special cause variation of concern: 70.0%.",
        "B has a new assurance reading: target consistently missed (was hit and miss).",
    ]
    assert "A now meets its target: 80.0% against ≥ 78.0% (77.0% in Aug 2025)." in texts
    assert "A is back to common cause variation (it was concern)." in texts
    assert "D has a value this month, none in Aug 2025: 12.0%." in texts
    assert not any(text.startswith("C ") for text in texts)  # nothing changed for C
    assert result.headline() == (
        "In Sep 2025, 2 of 3 standards with a target and a value were met and 1 was not; "
        "1 shows new special cause variation and 1 is consistently failing."
    )


def test_no_month_before_means_no_spurious_changes_in_met():
    this = pd.DataFrame([_row("a", value=80.0, met=True)])
    result = summary.summarise(this, pd.DataFrame(), "2025-04")
    assert [c.text() for c in result.changes] == ["A has a value this month, none in Mar 2025: 80.0%."]


def test_executive_summary_reads_the_boards_overview(config):
    # BHRUT's A&E 4-hour: steady near 74% (under the 78% target), then a fall far below its process limits.
    periods = month_range("2023-09", "2025-09")
    rng = np.random.default_rng(7)
    values = [74 + rng.normal(0, 0.6) for _ in periods[:-1]] + [60.0]
    current = pd.DataFrame(
        {
            "period": periods,
            "org_code": "RF4",
            "metric_id": "ae_4hr_all",
            "value": values,
            "numerator": np.nan,
            "denominator": np.nan,
        }
    )
    result = summary.executive_summary(current, config, "RF4", "2025-09")
    assert "ae_4hr_all" in result.not_met
    assert "ae_4hr_all" in result.new_special_cause
    words = [c.text() for c in result.changes if c.metric_id == "ae_4hr_all"]
    assert words == ["A&E 4-hour, all types shows new special cause variation of concern: 60.0%."]
    # A month earlier the process sat wholly below 78%: the SPC says it would consistently fail.
    earlier = summary.executive_summary(current, config, "RF4", add_months("2025-09", -1))
    assert "ae_4hr_all" in earlier.consistently_failing


def test_the_summary_as_html_escapes_names_and_links_each_standard():
    from perfdash.overview_tables import executive_summary_html
    from tests.support import html_tables

    this = pd.DataFrame(
        [
            _row("a", metric="A&E <4h>", value=70.0, met=False, variation="common_cause", assurance="inconsistent"),
            _row("b", value=80.0, met=True, variation="common_cause", assurance="inconsistent"),
        ]
    )
    last = pd.DataFrame([_row("a", metric="A&E <4h>", value=80.0, met=True), _row("b", value=80.0, met=True)])
    block = executive_summary_html(summary.summarise(this, last, "2025-09"), "RF4")
    assert "<4h>" not in block and "A&amp;E &lt;4h&gt;" in block
    assert block.count('<a href="/metric?metric=a&amp;org=RF4&amp;month=2025-09">A&amp;E &lt;4h&gt;</a>') == 2
    assert "<strong>Not met in Sep 2025:</strong>" in block
    assert html_tables.counts(block) == {
        name: count for name, count, _ in summary.summarise(this, last, "2025-09").counts()
    }
    assert "<li>" in block and "no longer meets its target" in block
    unchanged = executive_summary_html(summary.summarise(last, last, "2025-09"), "RF4")
    assert "Not met in" not in unchanged
    assert "<p>Nothing changed in met, special cause or assurance since Aug 2025.</p>" in unchanged
