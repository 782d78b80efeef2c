"""Presentation helpers shared by pages and the board pack: labels, icon data URIs, summary matrix. Pure."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pandas as pd

from perfdash import spc, spc_chart

VARIATION_ROWS = [
    ("improvement", "Special cause: improvement"),
    ("common_cause", "Common cause"),
    ("concern", "Special cause: concern"),
    ("neutral", "Special cause: neither"),
    ("none", "Too few points for SPC"),
]
ASSURANCE_COLUMNS = [
    ("consistent_pass", "Pass (consistently met)"),
    ("inconsistent", "Hit and miss"),
    ("consistent_fail", "Fail (consistently missed)"),
    ("none", "No target"),
]


def variation_group(variation: str | None) -> str:
    """Collapse a point type into a matrix row."""
    if variation is None or (isinstance(variation, float) and pd.isna(variation)):
        return "none"
    if variation == "special_cause_improvement":
        return "improvement"
    if variation == "special_cause_concern":
        return "concern"
    if variation.startswith("special_cause_neutral"):
        return "neutral"
    return "common_cause"


def assurance_group(assurance: str | None) -> str:
    """Collapse an assurance reading into a matrix column."""
    if assurance is None or (isinstance(assurance, float) and pd.isna(assurance)):
        return "none"
    return assurance


def summary_matrix(table: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Metric ids in each (variation, assurance) cell of the MDC summary matrix."""
    cells: dict[tuple[str, str], list[str]] = {(v, a): [] for v, _ in VARIATION_ROWS for a, _ in ASSURANCE_COLUMNS}
    for row in table.itertuples():
        cells[(variation_group(row.variation), assurance_group(row.assurance))].append(row.metric_id)
    return cells


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def variation_icon_name(variation: str | None, direction: str) -> str | None:
    """The MDC icon for a variation reading (None when there is no SPC reading)."""
    if variation is None or (isinstance(variation, float) and pd.isna(variation)):
        return None
    improvement = {"higher": "increase", "lower": "decrease", "neutral": "neutral"}[direction]
    return spc.variation_icon(variation, improvement)


def variation_icon_uri(variation: str | None, direction: str) -> str | None:
    """A data URI of the variation icon."""
    name = variation_icon_name(variation, direction)
    return None if name is None else _data_uri(spc_chart.variation_icon_svg(name))


def assurance_icon_uri(assurance: str | None) -> str:
    """A data URI of the assurance icon."""
    value = None if assurance is None or (isinstance(assurance, float) and pd.isna(assurance)) else assurance
    return _data_uri(spc_chart.assurance_icon_svg(value))


def met_label(met: bool | None) -> str:
    """Met or not in words and a symbol, never colour alone."""
    if met is None or (isinstance(met, float) and pd.isna(met)):
        return "–"
    return "✓ Met" if met else "✗ Not met"


def metric_link(metric_id: str, org_code: str, period: str) -> str:
    """A shareable link to a metric's page."""
    return "/metric?" + urlencode({"metric": metric_id, "org": org_code, "month": period})


VARIATION_WORDS = {
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "unusually high",
    "special_cause_neutral_low": "unusually low",
    "common_cause": "common cause",
}
ASSURANCE_WORDS = {
    "consistent_pass": "target consistently met",
    "consistent_fail": "target consistently missed",
    "inconsistent": "hit and miss",
}


def reading_text(variation: str | None, assurance: str | None, note: str | None = None) -> str:
    """The SPC reading in words, so the icons are never the only way to tell."""
    if variation is None or (isinstance(variation, float) and pd.isna(variation)):
        return note or "too few points for SPC"
    text = VARIATION_WORDS.get(variation, variation)
    if assurance is not None and not (isinstance(assurance, float) and pd.isna(assurance)):
        text += "; " + ASSURANCE_WORDS.get(assurance, assurance)
    return text


def rule_runs(periods: list[str], rules: list[str], special: list[bool]) -> list[str]:
    """Consecutive months where the same rule fired, as 'Mar 2022 to Sep 2022: 7 Points Above CL'."""
    from perfdash.periods import add_months, label

    runs: list[tuple[str, str, str]] = []
    for period, rule, flagged in zip(periods, rules, special, strict=True):
        if not flagged:
            continue
        if runs and runs[-1][2] == rule and add_months(runs[-1][1], 1) == period:
            runs[-1] = (runs[-1][0], period, rule)
        else:
            runs.append((period, period, rule))
    return [f"{label(first)}{'' if first == last else ' to ' + label(last)}: {rule}" for first, last, rule in runs]


def data_to(metric_ids: pd.Series, fresh: pd.DataFrame) -> list[str]:
    """'Sep 2025', with ' (late)' where the metric is behind its publication schedule."""
    from perfdash.periods import label

    by_id = fresh.set_index("metric_id")
    cells = []
    for metric_id in metric_ids:
        latest = by_id.at[metric_id, "latest_loaded"] if metric_id in by_id.index else None
        if latest is None or (isinstance(latest, float) and pd.isna(latest)):
            cells.append("no data")
            continue
        cells.append(label(latest) + (" (late)" if bool(by_id.at[metric_id, "stale"]) else ""))
    return cells


def stale_summary(fresh: pd.DataFrame) -> str | None:
    """One sentence naming the metrics behind their publication schedule, or None."""
    from perfdash.periods import label

    late = fresh[fresh["stale"]]
    if late.empty:
        return None
    items = [
        f"{row.metric} (data to {label(row.latest_loaded) if isinstance(row.latest_loaded, str) else 'never loaded'}, "
        f"{label(row.expected)} was due)"
        for row in late.itertuples()
    ]
    return f"{len(items)} metric(s) are late against their publication schedule: " + "; ".join(items) + "."
