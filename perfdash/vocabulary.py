"""Every word and number format a user reads, in one place: units, values, changes, SPC readings, rules, direction.

Pages, charts, the board pack and the generated docs all call these, so a wording changes here or nowhere.
tests/test_vocabulary.py pins each one. Pure: no Streamlit, no Plotly, no pandas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from perfdash.periods import label as month_label

MINUS = "−"  # U+2212: a true minus sign, the width of a plus, read as "minus" by screen readers
NO_DATA = "no data"
NO_CHANGE = "–"  # no previous month to compare with
NO_TARGET = "no target"
TOO_FEW_POINTS = "too few points for SPC"
GHOSTED = "Ghosted (left out of calculations)"


# --------------------------------------------------------------------------------------------------
# Units and numbers


@dataclass(frozen=True)
class UnitWords:
    """How a unit is named, and how its values show on a chart's y axis."""

    name: str  # as people write it: "£ thousands", "percentage"
    axis_title: str
    tick_prefix: str = ""
    tick_suffix: str = ""
    tick_format: str | None = None  # d3 format; money must not get Plotly's SI "k" on top of "thousands"


UNITS: dict[str, UnitWords] = {
    "percent": UnitWords("percentage", "Percentage", tick_suffix="%"),
    "count": UnitWords("count", "Count"),
    "minutes": UnitWords("minutes", "Minutes"),
    "gbp_thousands": UnitWords("£ thousands", "£ thousands", tick_prefix="£", tick_format=",.0f"),
    "rate": UnitWords("rate", "Rate"),
    "wte": UnitWords("whole-time equivalents (WTE)", "Whole-time equivalents (WTE)"),
}


def unit_words(unit: str) -> UnitWords:
    """The unit's words; an unknown unit is named as it is written."""
    return UNITS.get(unit, UnitWords(unit, unit))


def unit_name(unit: str) -> str:
    """'£ thousands' for gbp_thousands: the unit as people write it, never the registry's code."""
    return unit_words(unit).name


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(float(value))


def _magnitude(value: float, unit: str) -> str:
    """A non-negative value in its unit, with no sign."""
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "minutes":
        minutes, seconds = divmod(round(value * 60), 60)
        return f"{minutes}:{seconds:02d} min"
    if unit == "gbp_thousands":
        return f"£{value / 1000:,.1f}m" if round(value) >= 1000 else f"£{value:,.0f}k"
    if unit == "wte":
        return f"{value:,.1f} WTE"
    if unit == "rate":
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def format_value(value: float | None, unit: str) -> str:
    """A value as a board reads it, in tables and chart hovers alike: '78.5%', '12:24 min', '£1.2m', '£250k'."""
    if _missing(value):
        return NO_DATA
    value = float(value)
    text = _magnitude(abs(value), unit)
    return MINUS + text if value < 0 and text != _magnitude(0.0, unit) else text


def count_text(value: float | None) -> str:
    """A numerator or denominator as a table cell: '13,520', '0.50' when it is not whole; blank when there is none."""
    if _missing(value):
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def format_change(change: float | None, unit: str) -> str:
    """Month-on-month change in the metric's own unit: '+£21.4m', '−0:42 min'; percentages in points."""
    if _missing(change):
        return NO_CHANGE
    change = float(change)
    text = f"{abs(change):.1f} pts" if unit == "percent" else _magnitude(abs(change), unit)
    zero = "0.0 pts" if unit == "percent" else _magnitude(0.0, unit)
    if text == zero:
        return text
    return ("+" if change > 0 else MINUS) + text


def target_text(direction: str, value: float | None, unit: str) -> str:
    """'≥ 78.0%' where higher is better, '≤ 10.0%' where lower is, 'no target' when none is in force."""
    if _missing(value):
        return NO_TARGET
    sign = {"higher": "≥ ", "lower": "≤ "}.get(direction, "")
    return sign + format_value(value, unit)


def met_label(met: bool | None) -> str:
    """Met or not in words and a symbol, never colour alone."""
    if met is None or (isinstance(met, float) and math.isnan(met)):
        return NO_CHANGE
    return "✓ Met" if met else "✗ Not met"


# --------------------------------------------------------------------------------------------------
# Direction

DIRECTION_WORDS = {
    "higher": "higher is better",
    "lower": "lower is better",
    "neutral": "neither higher nor lower is better",
}


def direction_sentence(direction: str) -> str:
    """'Higher is better.' as a sentence."""
    return sentence(DIRECTION_WORDS[direction])


def sentence(text: str) -> str:
    """Text with a capital first letter and a full stop (kept if it already ends a sentence)."""
    text = " ".join(str(text).split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


# --------------------------------------------------------------------------------------------------
# SPC readings

# A point's variation, short, for a reading in words and after "Special cause: " in a legend.
VARIATION_WORDS = {
    "common_cause": "common cause",
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "unusually high",
    "special_cause_neutral_low": "unusually low",
}
ASSURANCE_WORDS = {
    "consistent_pass": "target consistently met",
    "consistent_fail": "target consistently missed",
    "inconsistent": "hit and miss",
}
NO_ASSURANCE = "no assurance reading"

# The summary matrix: variation rows and assurance columns, in reading order.
VARIATION_ROWS = [
    ("improvement", "Special cause: improvement"),
    ("common_cause", "Common cause"),
    ("concern", "Special cause: concern"),
    ("neutral", "Special cause: unusually high or low"),
    ("none", "Too few points for SPC"),
    ("no_data", "No data this month"),
]
ASSURANCE_COLUMNS = [
    ("consistent_pass", "Pass (target consistently met)"),
    ("inconsistent", "Hit and miss"),
    ("consistent_fail", "Fail (target consistently missed)"),
    ("none", "No target"),
]

# The icons' text alternatives (Making Data Count's own wording), by icon name.
VARIATION_ICON_DESCRIPTIONS: dict[str, str] = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause variation of an improving nature, high values",
    "improvement_low": "Special cause variation of an improving nature, low values",
    "concern_high": "Special cause variation of a concerning nature, high values",
    "concern_low": "Special cause variation of a concerning nature, low values",
    "neutral_high": "Special cause variation of a neutral nature, high values",
    "neutral_low": "Special cause variation of a neutral nature, low values",
    "none": f"No variation icon: {TOO_FEW_POINTS}",
}
ASSURANCE_DESCRIPTIONS: dict[str | None, str] = {
    "consistent_pass": "Pass: the target will consistently be met",
    "consistent_fail": "Fail: the target will consistently not be met",
    "inconsistent": "Hit and miss: the target may or may not be met",
    None: "No assurance: no target, a neutral metric or too few points",
}


def point_type_name(point_type: str) -> str:
    """A point type as the chart legend names it: 'Special cause: improvement', 'Common cause'."""
    words = VARIATION_WORDS[point_type]
    return "Common cause" if point_type == "common_cause" else f"Special cause: {words}"


def describe_assurance(assurance: str | None) -> str:
    """The assurance icon's text alternative; ValueError for an unknown reading."""
    if assurance not in ASSURANCE_DESCRIPTIONS:
        raise ValueError(f"unknown assurance {assurance!r}")
    return ASSURANCE_DESCRIPTIONS[assurance]


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def variation_text(variation: str | None) -> str:
    """The variation in words: 'improvement', 'common cause'; 'too few points for SPC' when there is none."""
    return TOO_FEW_POINTS if _absent(variation) else VARIATION_WORDS.get(str(variation), str(variation))


def assurance_text(assurance: str | None) -> str:
    """The assurance in words: 'hit and miss'; 'no assurance reading' when there is none."""
    return NO_ASSURANCE if _absent(assurance) else ASSURANCE_WORDS.get(str(assurance), str(assurance))


def reading_text(variation: str | None, assurance: str | None, note: str | None = None) -> str:
    """The SPC reading in words, so the icons are never the only way to tell: 'concern; hit and miss'."""
    if _absent(variation):
        return note or TOO_FEW_POINTS
    text = variation_text(variation)
    if not _absent(assurance):
        text += "; " + assurance_text(assurance)
    return text


# --------------------------------------------------------------------------------------------------
# Rules, in plain English (keys are NHSRplotthedots' rule labels, spc.LABELS)

RULE_WORDS = {
    "Common Cause": "no rule fired",
    "Above UCL": "a month above the upper process limit",
    "Below LCL": "a month below the lower process limit",
    "7 Point Trend (Increasing)": "seven months in a row rising",
    "7 Point Trend (Decreasing)": "seven months in a row falling",
    "2 in 3 Above CL": "two of three months close to the upper process limit",
    "2 in 3 Below CL": "two of three months close to the lower process limit",
    "7 Points Above CL": "seven months in a row above the average",
    "7 Points Below CL": "seven months in a row below the average",
}
RUN_CHART_RULE = "none (run chart)"


def rule_text(rule: str) -> str:
    """An SPC rule in plain English: 'seven months in a row above the average', never '7 Points Above CL'."""
    return RULE_WORDS.get(rule, rule)


def month_span(first: str, last: str) -> str:
    """'Jan 2025' or 'Jan 2025 to Sep 2025'."""
    return month_label(first) if first == last else f"{month_label(first)} to {month_label(last)}"


def fired_rules(
    periods: Sequence[str],
    rules: Sequence[str],
    point_types: Sequence[str],
    special: Sequence[bool],
    limit: int | None = None,
) -> list[str]:
    """Runs of special-cause months, newest first: 'Jan 2025 to Sep 2025: improvement (seven months in a row ...)'.

    A run is consecutive months of the same kind of special cause; it lists each rule that fired in it once.
    With a limit, older runs are counted in a last line instead.
    """
    runs: list[dict] = []
    for index, (rule, kind, flagged) in enumerate(zip(rules, point_types, special, strict=True)):
        if not flagged:
            continue
        if runs and runs[-1]["kind"] == kind and runs[-1]["last"] == index - 1:
            run = runs[-1]
            run["last"] = index
        else:
            run = {"kind": kind, "first": index, "last": index, "rules": []}
            runs.append(run)
        if rule_text(rule) not in run["rules"]:
            run["rules"].append(rule_text(rule))
    lines = [
        f"{month_span(periods[r['first']], periods[r['last']])}: {VARIATION_WORDS.get(r['kind'], r['kind'])} "
        f"({'; '.join(r['rules'])})"
        for r in reversed(runs)
    ]
    if limit is not None and len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} earlier"]
    return lines


# --------------------------------------------------------------------------------------------------
# Accountability and data quality

KITE_DIMENSIONS = {
    "timeliness": "Timeliness",
    "completeness": "Completeness",
    "validation": "Validation",
    "process": "Process",
}
KITE_RATINGS = {
    "sufficient": "sufficient",
    "partial": "partly sufficient",
    "insufficient": "insufficient",
    "not_assessed": "not yet assessed",
}
# Text symbols as well as words, so the rating never depends on colour.
KITE_SYMBOLS = {"sufficient": "●", "partial": "◐", "insufficient": "○", "not_assessed": "?"}


def data_quality_line(ratings: dict[str, str], overall: str) -> str:
    """'Data quality: partly sufficient (timeliness ● sufficient, completeness ◐ partly sufficient, ...)'."""
    parts = ", ".join(f"{KITE_DIMENSIONS[d].lower()} {KITE_SYMBOLS[r]} {KITE_RATINGS[r]}" for d, r in ratings.items())
    return f"Data quality: {KITE_RATINGS[overall]} ({parts})"


def no_narrative(lead: str) -> str:
    """What an exception report says when nobody has written commentary: never 'None'."""
    return f"No narrative provided by {lead}."
