"""The board's numbers: ICS roll-ups, targets in force, met/not met; missing stays missing."""

import numpy as np
import pandas as pd
import pytest

from perfdash import board, targets
from tests.support.examples import examples


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["period", "org_code", "metric_id", "value", "numerator", "denominator"])


def test_ratio_rolls_up_as_summed_numerators_over_denominators(config):
    current = _frame(
        [
            ("2025-04", "R1H", "ae_4hr_all", 50.0, 50, 100),
            ("2025-04", "RF4", "ae_4hr_all", 90.0, 900, 1000),
        ]
    )
    series = board.series(current, config, config.metric_by_id["ae_4hr_all"], "QMF")
    assert series["value"].iloc[0] == pytest.approx(100 * 950 / 1100)  # not the mean of 50 and 90
    assert series["value"].iloc[0] != pytest.approx(70)


def test_sum_and_not_additive(config):
    current = _frame(
        [
            ("2025-04", "R1H", "ae_attendances", 100.0, np.nan, np.nan),
            ("2025-04", "RF4", "ae_attendances", 50.0, np.nan, np.nan),
            ("2025-04", "RRU", "amb_cat2_mean", 31.0, np.nan, np.nan),
        ]
    )
    assert board.series(current, config, config.metric_by_id["ae_attendances"], "QMF")["value"].tolist() == [150]
    # LAS is the only ambulance trust: the ICS shows its figure rather than inventing a sum of means.
    assert board.series(current, config, config.metric_by_id["amb_cat2_mean"], "QMF")["value"].tolist() == [31]


def test_place_metric_rolls_up_from_places(config):
    current = _frame(
        [
            ("2025-04", "E09000012", "dementia_dx_rate", 60.0, 60, 100),
            ("2025-04", "E09000025", "dementia_dx_rate", 70.0, 140, 200),
        ]
    )
    value = board.series(current, config, config.metric_by_id["dementia_dx_rate"], "QMF")["value"].iloc[0]
    assert value == pytest.approx(100 * 200 / 300)


def test_target_steps_where_it_changed(config):
    metric = config.metric_by_id["ae_4hr_all"]
    assert board.target_series(config, metric, "R1H", ["2024-02", "2024-03", "2024-04"]) == [76, 76, 78]


@pytest.mark.parametrize(
    ("metric_id", "value", "expected"),
    [
        ("ae_4hr_all", 78.0, True),
        ("ae_4hr_all", 77.9, False),
        ("amb_cat2_mean", 29.5, True),
        ("amb_cat2_mean", 30.5, False),
        ("ae_attendances", 100, None),
    ],
)
def test_met_follows_direction(config, metric_id, value, expected):
    metric = config.metric_by_id[metric_id]
    org = "RRU" if metric_id.startswith("amb") else "R1H"
    assert board.met(metric, value, targets.judge(config, metric, "2025-04", org)) is expected


def test_overview_shows_missing_as_missing(config):
    current = _frame(
        [("2025-04", "R1H", "ae_4hr_all", 74.0, 740, 1000), ("2025-03", "R1H", "ae_4hr_all", 72.0, 720, 1000)]
    )
    table = board.overview(current, config, "R1H", "2025-04").set_index("metric_id")
    assert table.at["ae_4hr_all", "value"] == 74.0
    assert table.at["ae_4hr_all", "change"] == pytest.approx(2.0)
    assert table.at["ae_4hr_all", "target"] == 78
    assert table.at["ae_4hr_all", "met"] is False
    assert pd.isna(table.at["rtt_18wk_incomplete", "value"])  # no data: not zero
    assert "amb_cat1_mean" not in table.index  # not reported by an acute trust


def test_late_metrics_say_so_in_data_to():
    from perfdash.present import data_to

    fresh = pd.DataFrame(
        [
            {"metric_id": "a", "latest_loaded": "2025-08", "expected": "2025-09", "stale": True, "metric": "A"},
            {"metric_id": "b", "latest_loaded": "2025-09", "expected": "2025-09", "stale": False, "metric": "B"},
        ]
    )
    assert data_to(pd.Series(["a", "b", "c"]), fresh) == ["Aug 2025 (late)", "Sep 2025", "no data"]


def _pandas_rollup(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The roll-up as pandas' groupby writes it: the oracle for board.rollup's numpy sums."""
    grouped = frame.groupby("period")
    if kind == "ratio":
        sums = grouped[["numerator", "denominator"]].sum(min_count=1)
        sums["value"] = 100 * sums["numerator"] / sums["denominator"]
    elif kind == "sum":
        sums = grouped[["value"]].sum(min_count=1)
        sums["numerator"] = sums["denominator"] = np.nan
    else:
        weighted = frame.assign(weighted=frame["value"] * frame["denominator"])
        sums = weighted.groupby("period")[["weighted", "denominator"]].sum(min_count=1)
        sums["value"] = sums["weighted"] / sums["denominator"]
        sums["numerator"] = np.nan
    sums["reporting"] = grouped.size()
    return sums.reset_index()[["period", "value", "numerator", "denominator", "reporting"]]


@pytest.mark.parametrize("kind", ["ratio", "sum", "weighted_mean"])
def test_rollup_equals_pandas_groupby_on_random_months_with_gaps(config, kind):
    metric = config.metrics[0].model_copy(update={"rollup": kind})
    generator = np.random.default_rng(7)
    for _ in range(examples(50)):
        size = int(generator.integers(1, 40))
        counts = generator.integers(0, 5000, size=(size, 2)).astype(float)
        frame = pd.DataFrame(
            {
                "period": generator.choice(["2025-01", "2025-02", "2025-03", "2024-12"], size),
                "value": generator.normal(50, 20, size),
                "numerator": np.minimum(counts[:, 0], counts[:, 1]),
                "denominator": counts[:, 1] + 1,
            }
        )
        for column in ("value", "numerator", "denominator"):  # gaps, and months with no value at all
            frame.loc[generator.random(size) < 0.3, column] = np.nan
        got = board.rollup(metric, frame)
        expected = _pandas_rollup(kind, frame)
        assert got["period"].tolist() == expected["period"].tolist()
        assert got["reporting"].tolist() == expected["reporting"].tolist()
        for column in ("value", "numerator", "denominator"):
            np.testing.assert_allclose(got[column].to_numpy(float), expected[column].to_numpy(float), rtol=1e-12)
