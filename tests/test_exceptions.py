"""Exception reports: which metrics get one, months since last met, the lead, and commentary or its absence."""

import numpy as np
import pandas as pd

from perfdash import exceptions
from perfdash.periods import month_range

COMMENTARY_COLUMNS = ["metric_id", "org_code", "period", "narrative", "action", "owner", "due"]


def _current(metric_id: str, org: str, values: list[float], last: str = "2025-09") -> pd.DataFrame:
    periods = month_range("2000-01", last)[-len(values) :]
    return pd.DataFrame(
        {
            "period": periods,
            "org_code": org,
            "metric_id": metric_id,
            "value": values,
            "numerator": np.nan,
            "denominator": np.nan,
        }
    )


def test_a_missed_target_gets_a_report_with_months_since_met_and_no_narrative(config):
    # BHRUT A&E 4-hour against 78% (from Apr 2024): met in Jun 2025 (79.0%), missed Jul, Aug and Sep.
    values = [77.0] * 20 + [79.0, 77.5, 76.0, 75.0]
    current = _current("ae_4hr_all", "RF4", values)
    reports = exceptions.reports_for(current, pd.DataFrame(columns=COMMENTARY_COLUMNS), config, "RF4", "2025-09")
    report = next(r for r in reports if r.metric.id == "ae_4hr_all")
    assert report.reasons[0] == "Target not met"
    assert report.last_met == "2025-06" and report.months_since_met == 3
    assert report.since_met_text() == "Last met in Jun 2025, 3 months ago."
    assert report.since_met_short() == "Jun 2025 (3 months ago)"
    assert report.latest_text() == "Sep 2025: 75.0% against a target of ≥ 78.0% (✗ Not met)."
    assert report.lead == "Chief Operating Officer"
    assert report.narrative_parts() == [("What happened", "No narrative provided by Chief Operating Officer.")]
    assert "None" not in " ".join(text for _, text in report.narrative_parts())
    assert report.quality_text().startswith("Data quality: sufficient (timeliness ● sufficient")


def test_never_met_and_commentary_from_an_earlier_month(config):
    current = _current("ae_4hr_all", "RF4", [70.0, 71.0, 70.5, 70.0])
    notes = pd.DataFrame(
        [
            [
                "ae_4hr_all",
                "RF4",
                "2025-08",
                "Flu came early",
                "Open the winter ward",
                "Director of Operations",
                "2025-12-15",
            ],
            ["ae_4hr_all", "R1H", "2025-09", "Not this trust", "", "", ""],
        ],
        columns=COMMENTARY_COLUMNS,
    )
    (report,) = [
        r for r in exceptions.reports_for(current, notes, config, "RF4", "2025-09") if r.metric.id == "ae_4hr_all"
    ]
    assert report.months_since_met is None
    assert report.since_met_text() == "Not met in any month loaded (from Jun 2025)."
    assert report.since_met_short() == "never (data from Jun 2025)"
    assert report.narrative_parts() == [
        ("What happened", "Flu came early. (written for Aug 2025)"),
        ("Action", "Open the winter ward."),
        ("Owner", "Director of Operations"),
        ("Due", "15 Dec 2025"),
    ]


def test_met_without_special_cause_has_no_report_and_concern_alone_has_one(config):
    steady = [80.0 + (i % 3) * 0.2 for i in range(23)]
    met = _current("ae_4hr_all", "RF4", [*steady, 80.1])
    empty = pd.DataFrame(columns=COMMENTARY_COLUMNS)
    assert not [r for r in exceptions.reports_for(met, empty, config, "RF4", "2025-09") if r.metric.id == "ae_4hr_all"]
    # Still above 78%, but far below the process limits: special cause of concern, so a report.
    fallen = _current("ae_4hr_all", "RF4", [*[90.0 + (i % 3) * 0.2 for i in range(23)], 79.0])
    (report,) = exceptions.reports_for(fallen, empty, config, "RF4", "2025-09")
    assert report.reasons == ("Special cause of concern",)
    assert report.months_since_met == 0 and report.since_met_text() == "Met in Sep 2025."


def test_benchmark_text_names_england_london_and_the_rank(config):
    national = pd.DataFrame([{"metric_id": "ae_4hr_all", "england": 74.94, "london": 76.2, "rank": 5, "peers": 17}])
    metric = config.metric_by_id["ae_4hr_all"]
    assert exceptions.benchmark_text(national, metric) == (
        "England 74.9%; London 76.2%; rank 5 of 17 among London peers, best first."
    )
    assert exceptions.benchmark_text(national, config.metric_by_id["fin_cash_balance"]) is None
    assert exceptions.benchmark_text(pd.DataFrame(), metric) is None
