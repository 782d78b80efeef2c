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
    assert lines[0].startswith("| Variation \\ Assurance | Pass (target consistently met) |")
    assert len(lines) == 2 + 5  # header, rule, one line per variation row
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
