"""Every wording and number format users read, pinned once: the pages, charts and pack all call these."""

from __future__ import annotations

import math

import pytest

from perfdash import spc, theme, vocabulary
from perfdash.vocabulary import (
    describe_assurance,
    direction_sentence,
    fired_rules,
    format_change,
    format_value,
    met_label,
    reading_text,
    rule_text,
    target_text,
    unit_name,
)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (78.456, "percent", "78.5%"),
        (12.4, "minutes", "12:24 min"),
        (7.5, "minutes", "7:30 min"),
        (191_512.0, "gbp_thousands", "£191.5m"),
        (1234.4, "gbp_thousands", "£1.2m"),
        (999.6, "gbp_thousands", "£1.0m"),  # rounds up to a million, so it says so
        (250.0, "gbp_thousands", "£250k"),
        (-1500.0, "gbp_thousands", "−£1.5m"),
        (-250.0, "gbp_thousands", "−£250k"),
        (12_345.0, "count", "12,345"),
        (3.25, "wte", "3.2 WTE"),
        (1.234, "rate", "1.23"),
        (-0.01, "percent", "0.0%"),  # no minus on a value that shows as zero
        (None, "count", "no data"),
        (math.nan, "percent", "no data"),
    ],
)
def test_values_read_one_way_in_tables_and_hovers(value: float | None, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("change", "unit", "text"),
    [
        (1.25, "percent", "+1.2 pts"),
        (-0.7, "percent", "−0.7 pts"),
        (21_405.0, "gbp_thousands", "+£21.4m"),
        (-300.0, "gbp_thousands", "−£300k"),
        (-0.7, "minutes", "−0:42 min"),
        (1.5, "minutes", "+1:30 min"),
        (-12.0, "count", "−12"),
        (0.4, "wte", "+0.4 WTE"),
        (0.0, "count", "0"),
        (0.01, "percent", "0.0 pts"),
        (None, "percent", "–"),
        (math.nan, "minutes", "–"),
    ],
)
def test_change_is_in_the_metrics_own_unit(change: float | None, unit: str, text: str) -> None:
    assert format_change(change, unit) == text


def test_unit_names_are_as_people_write_them() -> None:
    assert unit_name("gbp_thousands") == "£ thousands"
    assert unit_name("percent") == "percentage"
    assert unit_name("wte") == "whole-time equivalents (WTE)"
    assert unit_name("minutes") == "minutes"
    assert unit_name("mystery") == "mystery"
    assert all("_" not in words.name and "_" not in words.axis_title for words in vocabulary.UNITS.values())


def test_targets_and_met() -> None:
    assert target_text("higher", 78.0, "percent") == "≥ 78.0%"
    assert target_text("lower", 10.0, "percent") == "≤ 10.0%"
    assert target_text("neutral", 5.0, "count") == "5"
    assert target_text("higher", None, "percent") == "no target"
    assert met_label(True) == "✓ Met"
    assert met_label(False) == "✗ Not met"
    assert met_label(None) == "–"


def test_direction_words() -> None:
    assert direction_sentence("higher") == "Higher is better."
    assert direction_sentence("lower") == "Lower is better."
    assert direction_sentence("neutral") == "Neither higher nor lower is better."


def test_spc_reading_in_words() -> None:
    assert reading_text("special_cause_concern", "inconsistent") == "concern; hit and miss"
    assert reading_text("common_cause", "consistent_pass") == "common cause; target consistently met"
    assert reading_text("special_cause_neutral_high", None) == "unusually high"
    assert reading_text(None, None) == "too few points for SPC"
    assert reading_text(None, None, "too few points for SPC (n < 15)") == "too few points for SPC (n < 15)"
    assert vocabulary.point_type_name("special_cause_improvement") == "Special cause: improvement"
    assert vocabulary.point_type_name("common_cause") == "Common cause"
    assert vocabulary.assurance_text(None) == "no assurance reading"


def test_icon_descriptions_cover_every_icon_and_assurance() -> None:
    assert set(vocabulary.VARIATION_ICON_DESCRIPTIONS) == {*spc.VARIATION_ICONS, "none"}
    assert set(vocabulary.ASSURANCE_DESCRIPTIONS) == set(spc.ASSURANCES)
    assert describe_assurance("inconsistent") == "Hit and miss: the target may or may not be met"
    assert vocabulary.VARIATION_ICON_DESCRIPTIONS["improvement_high"] == (
        "Special cause variation of an improving nature, high values"
    )
    with pytest.raises(ValueError, match="unknown assurance"):
        describe_assurance("maybe")
    assert set(vocabulary.VARIATION_WORDS) == set(spc.POINT_TYPES)


def test_every_rule_has_plain_words() -> None:
    assert set(vocabulary.RULE_WORDS) == set(spc.LABELS)
    assert rule_text("7 Points Above CL") == "seven months in a row above the average"
    assert rule_text("7 Point Trend (Decreasing)") == "seven months in a row falling"
    assert rule_text("Above UCL") == "a month above the upper process limit"
    assert rule_text("2 in 3 Below CL") == "two of three months close to the lower process limit"
    for words in vocabulary.RULE_WORDS.values():
        assert not any(jargon in words for jargon in ("CL", "UCL", "LCL", "Point"))


def test_fired_rules_group_runs_newest_first() -> None:
    periods = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    rules = ["7 Points Above CL", "Above UCL", "Common Cause", "Below LCL", "Below LCL", "Above UCL"]
    kinds = [
        "special_cause_improvement",
        "special_cause_improvement",
        "common_cause",
        "special_cause_concern",
        "special_cause_concern",
        "special_cause_improvement",
    ]
    special = [True, True, False, True, True, True]
    assert fired_rules(periods, rules, kinds, special) == [
        "Jun 2025: improvement (a month above the upper process limit)",
        "Apr 2025 to May 2025: concern (a month below the lower process limit)",
        "Jan 2025 to Feb 2025: improvement (seven months in a row above the average; "
        "a month above the upper process limit)",
    ]
    assert fired_rules(periods, rules, kinds, special, limit=1) == [
        "Jun 2025: improvement (a month above the upper process limit)",
        "… and 2 earlier",
    ]
    assert fired_rules(periods[:1], ["Common Cause"], ["common_cause"], [False]) == []


def test_theme_has_one_pale_grey_the_nhs_identity_value() -> None:
    assert theme.NHS_PALE_GREY == "#E8EDEE"
    assert theme.rgb(theme.NHS_BLUE) == (0, 94, 184)
    with pytest.raises(ValueError):
        theme.rgb("blue")


def test_data_quality_line_names_every_dimension_with_a_symbol():
    from perfdash.vocabulary import data_quality_line

    line = data_quality_line(
        {
            "timeliness": "sufficient",
            "completeness": "partial",
            "validation": "insufficient",
            "process": "not_assessed",
        },
        "not_assessed",
    )
    assert line == (
        "Data quality: not yet assessed (timeliness ● sufficient, completeness ◐ partly sufficient, "
        "validation ○ insufficient, process ? not yet assessed)"
    )


def test_no_narrative_names_the_lead():
    from perfdash.vocabulary import no_narrative

    assert no_narrative("Chief Nurse") == "No narrative provided by Chief Nurse."


def test_counts_read_whole_with_thousands_and_blank_when_missing():
    from perfdash.vocabulary import count_text

    assert [count_text(v) for v in (13520.0, 0.5, None, float("nan"))] == ["13,520", "0.50", "", ""]
