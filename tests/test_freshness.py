"""Freshness: which month each metric should have by a date, and whether the store has it."""

from datetime import date

import pandas as pd
import pytest

from perfdash.freshness import expected_month, freshness


@pytest.mark.parametrize(
    ("publication_day", "today", "expected"),
    [
        (14, date(2026, 11, 14), "2026-10"),  # publication day itself: last month is due
        (14, date(2026, 11, 13), "2026-09"),  # the day before: only the month before
        (14, date(2026, 1, 20), "2025-12"),  # across a year end
        (14, date(2026, 1, 2), "2025-11"),
        (1, date(2026, 3, 1), "2026-02"),
        (28, date(2026, 3, 27), "2026-01"),
    ],
)
def test_expected_month(publication_day, today, expected):
    assert expected_month(publication_day, today) == expected


def _rows(metric_id: str, org: str, periods: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"metric_id": metric_id, "org_code": org, "period": periods, "value": 1.0})


def test_fresh_stale_and_missing(config):
    ae = config.metric_by_id["ae_4hr_all"]
    rtt = config.metric_by_id["rtt_18wk_incomplete"]
    today = date(2026, 11, 20)
    current = pd.concat(
        [
            _rows("ae_4hr_all", config.metric_orgs(ae)[0], ["2026-09", "2026-10"]),
            _rows("rtt_18wk_incomplete", config.metric_orgs(rtt)[0], ["2026-07", "2026-08"]),
        ]
    )
    table = freshness(current, config, today).set_index("metric_id")
    assert list(table.index) == [m.id for m in config.metrics]
    assert table.loc["ae_4hr_all", ["latest_loaded", "expected", "stale"]].tolist() == ["2026-10", "2026-10", False]
    assert table.loc["rtt_18wk_incomplete", "stale"]
    assert table.loc["rtt_18wk_incomplete", "months_behind"] == 2
    # A metric with nothing loaded is stale, with no month.
    assert table.loc["cancer_62d", "stale"] and pd.isna(table.loc["cancer_62d", "latest_loaded"])


def test_benchmark_providers_do_not_make_nel_data_fresh(config):
    ae = config.metric_by_id["ae_4hr_all"]
    current = pd.concat(
        [_rows("ae_4hr_all", config.metric_orgs(ae)[0], ["2026-08"]), _rows("ae_4hr_all", "ZAA", ["2026-10"])]
    )
    row = freshness(current, config, date(2026, 11, 20)).set_index("metric_id").loc["ae_4hr_all"]
    assert row["latest_loaded"] == "2026-08" and row["stale"]


def test_empty_store_is_all_stale(config):
    table = freshness(pd.DataFrame(columns=["metric_id", "org_code", "period"]), config, date(2026, 11, 20))
    assert table["stale"].all() and table["latest_loaded"].isna().all()
