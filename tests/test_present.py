"""Overview and Organisation page content computed without Streamlit: the matrix, the description, the counts."""

from __future__ import annotations

import pandas as pd

from perfdash import board, demo, present
from perfdash.config import Config

PERIOD = "2025-09"


def test_summary_matrix_markdown_counts_and_links_every_metric(config: Config):
    current = demo.generate(config, last=PERIOD)
    table = board.overview(current, config, "R1H", PERIOD)
    text = present.summary_matrix_markdown(table, "R1H", PERIOD)
    lines = text.splitlines()
    assert lines[0].startswith("| Variation \\ Assurance (against the target) | Pass (target consistently met) |")
    assert len(lines) == 2 + 6  # header, rule, one line per variation row (no data included)
    for row in table.itertuples():
        assert f"[{row.metric}](/metric?metric={row.metric_id}&org=R1H&month={PERIOD})" in text
    counts = [int(cell.strip(" *").split("*")[0]) for line in lines[2:] for cell in line.split("|")[2:-1]]
    assert sum(counts) == len(table)


def test_organisation_description(config: Config):
    assert present.organisation_description(config, "R1H").startswith("**Barts Health NHS Trust** (R1H), acute trust.")
    assert "Mainly serves: " in present.organisation_description(config, "R1H")
    place = config.places[0]
    text = present.organisation_description(config, place.code)
    assert "a place (borough) in" in text and "Served mainly by: " in text
    assert present.organisation_description(config, config.system.code).endswith(
        "figures rolled up from its trusts and places."
    )


def test_target_counts():
    table = pd.DataFrame({"value": [1.0, None, 3.0, 4.0], "met": [True, None, False, True]})
    assert present.target_counts(table) == {"Metrics reported": 3, "Meeting target": 2, "Missing target": 1}


def test_rules_fired_read_the_reading_in_plain_english(config: Config):
    current = demo.generate(config, last=PERIOD)
    metric = config.metric_by_id["ae_4hr_all"]
    reading = board.spc_reading(config, metric, "RF4", board.series(current, config, metric, "RF4"))
    lines = present.rules_fired(reading)
    special = reading.result.points["special_cause"]
    assert bool(lines) == bool(special.any())
    assert all(": " in line and "CL" not in line for line in lines)
    assert len(present.rules_fired(reading, limit=1)) <= 2


def test_a_metric_without_data_this_month_is_not_too_few_points(config: Config):
    current = demo.generate(config, last=PERIOD)
    current = current[~((current["metric_id"] == "ae_4hr_all") & (current["period"] == PERIOD))]
    table = board.overview(current, config, "R1H", PERIOD)
    cells = present.summary_matrix(table)
    assert any("ae_4hr_all" in ids for (row, _), ids in cells.items() if row == "no_data")
    row = table.set_index("metric_id").loc["ae_4hr_all"]
    assert row["spc_note"] == "no data for Sep 2025"
    # The sparkline is the months that have values, never a list with blanks in it.
    assert all(isinstance(v, float) for v in row["trend"]) and len(row["trend"]) == 12
