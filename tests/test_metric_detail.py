"""What the Metric page shows, computed without Streamlit: data table, targets, text alternative, organisations."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from perfdash import board, demo, metric_detail
from perfdash.config import Config

PERIOD = "2025-09"


@pytest.fixture(scope="module")
def current(config: Config) -> pd.DataFrame:
    return demo.generate(config, last=PERIOD)


def _reading(current: pd.DataFrame, config: Config, metric_id: str, org: str):
    metric = config.metric_by_id[metric_id]
    values = board.series(current, config, metric, org)
    return metric, values, board.spc_reading(config, metric, org, values)


def test_data_table_lines_each_month_up_with_its_target_limits_and_rule(current, config: Config):
    metric, values, reading = _reading(current, config, "ae_4hr_all", "RF4")
    targets = board.target_series(config, metric, "RF4", reading.periods, values)
    plan = pd.DataFrame({"period": [values["period"].iloc[-1]], "plan": [81.5]})
    table = metric_detail.data_table(values, reading, targets, plan)
    assert table.columns.tolist() == metric_detail.DATA_COLUMNS
    assert table["period"].tolist() == values["period"].tolist()
    points = reading.result.points.assign(period=reading.periods).set_index("period")
    row = table.iloc[-1]
    assert row["value"] == values["value"].iloc[-1]
    assert row["upl"] == points.at[row["period"], "upl"]
    assert row["target"] == targets[-1]
    assert row["plan"] == 81.5 and table["plan"].iloc[:-1].isna().all()
    # Rules in words, only where one fired; the rebase in config.yaml (Apr 2023) starts new limits.
    special = points["special_cause"]
    assert set(table.loc[~table["period"].map(special), "rule"]) == {""}
    assert not any("CL" in rule for rule in table["rule"])
    before, after = (points.at[p, "mean"] for p in ("2023-03", "2023-04"))
    assert before != after


def test_the_data_table_as_shown_is_in_words_and_the_metrics_unit(current, config: Config):
    metric, values, reading = _reading(current, config, "ae_4hr_all", "RF4")
    targets = board.target_series(config, metric, "RF4", reading.periods, values)
    table = metric_detail.data_table(values, reading, targets)
    table.loc[0, "numerator"] = 13728.0
    shown = metric_detail.data_table_shown(table, metric)
    assert shown.columns.tolist() == ["Month", *metric_detail.SHOWN_NUMBERS.values(), "Rule"]
    assert len(shown) == len(table) and shown["Month"].iloc[0] == "Apr 2021"
    last = shown.iloc[-1]
    assert last["Value"] == f"{table['value'].iloc[-1]:.1f}%" and last["Upper process limit"].endswith("%")
    assert shown["Numerator"].iloc[0] == "13,728"  # a count, whatever the metric's unit
    assert (shown["Plan"] == "").all()  # no plan loaded: blank, not "nan" or "no data"
    assert shown["Rule"].tolist() == table["rule"].tolist()


def test_data_table_keeps_a_month_with_no_target_empty(current, config: Config):
    metric, values, reading = _reading(current, config, "ae_attendances", "R1H")
    table = metric_detail.data_table(values, reading, board.target_series(config, metric, "R1H", reading.periods))
    assert table["target"].isna().all()


def test_caption_and_targets_in_words(current, config: Config):
    cash = config.metric_by_id["fin_cash_balance"]
    assert "Unit: £ thousands." in metric_detail.caption(cash)
    assert "gbp_thousands" not in metric_detail.caption(cash)
    ae, values, _ = _reading(current, config, "ae_4hr_all", "R1H")
    assert metric_detail.caption(ae).endswith("Higher is better.")
    text = metric_detail.targets_text(config, ae, "R1H", values, values)
    assert text == (
        "**Target for Sep 2025:** ≥ 78% national operational target for 2025/26 (ambition for Mar 2026). "
        "Constitutional standard ≥ 95%, for reference."
    )
    attendances, values, _ = _reading(current, config, "ae_attendances", "R1H")
    assert metric_detail.targets_text(config, attendances, "R1H", values, values).endswith(attendances.no_target_reason)


def test_text_alternative_names_value_target_and_reading(current, config: Config):
    metric, values, reading = _reading(current, config, "amb_cat2_mean", "RRU")
    text = metric_detail.text_alternative(config, metric, "LAS", values, values, reading, "RRU")
    minutes, seconds = divmod(round(values["value"].iloc[-1] * 60), 60)
    assert f"was {minutes}:{seconds:02d} min in Sep 2025" in text
    assert "SPC: " in text and "7 Points" not in text
    assert "target: ≤ 30 min national operational target for 2025/26 (the 2025/26 average)" in text


def test_rebases_come_from_the_registry(config: Config):
    metric = config.metric_by_id["ae_4hr_all"]
    assert metric_detail.rebases(config, metric, "RF4") == [
        ("2023-04", "New same-day emergency care pathway opened at Queen's")
    ]
    assert metric_detail.rebases(config, metric, "R1H") == []


def test_organisations_table_formats_each_value(current, config: Config):
    metric = config.metric_by_id["fin_cash_balance"]
    table = metric_detail.organisations_table(current, config, metric, PERIOD)
    raw = board.comparison(current, config, metric, PERIOD)
    assert table.columns.tolist() == ["Organisation", "Value", "vs target", "Target"]
    assert table["Organisation"].iloc[0] == config.org_names[config.system.code]
    value = raw["value"].iloc[1]
    assert not math.isnan(value)
    assert table["Value"].iloc[1] == f"£{value / 1000:,.1f}m"


def test_no_benchmark_without_national_data(current, config: Config):
    metric = config.metric_by_id["ae_4hr_all"]
    reference = pd.DataFrame(columns=["code", "name", "icb_code", "icb_name", "region"])
    assert metric_detail.benchmark_view(current, reference, config, metric, "R1H", PERIOD) is None


def test_accountability_names_the_lead_and_the_kite_mark(config: Config):
    text = metric_detail.accountability(config, config.metric_by_id["rtt_waiting_list"])
    assert text.startswith("Accountable lead: Chief Operating Officer. Data quality: partly sufficient (timeliness ")
    assert "validation ◐ partly sufficient" in text
    assert text.endswith("pathways may be removed or added when trusts validate their waiting lists.")
