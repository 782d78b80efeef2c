"""Presentation helpers shared by pages and the board pack: icon data URIs, the summary matrix, links. Pure.

The words themselves are in perfdash.vocabulary.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pandas as pd

from perfdash import spc, spc_chart
from perfdash.periods import label
from perfdash.vocabulary import ASSURANCE_COLUMNS, NO_DATA, VARIATION_ROWS


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


def metric_link(metric_id: str, org_code: str, period: str) -> str:
    """A shareable link to a metric's page."""
    return "/metric?" + urlencode({"metric": metric_id, "org": org_code, "month": period})


def data_to(metric_ids: pd.Series, fresh: pd.DataFrame) -> list[str]:
    """'Sep 2025', with ' (late)' where the metric is behind its publication schedule."""
    by_id = fresh.set_index("metric_id")
    cells = []
    for metric_id in metric_ids:
        latest = by_id.at[metric_id, "latest_loaded"] if metric_id in by_id.index else None
        if latest is None or (isinstance(latest, float) and pd.isna(latest)):
            cells.append(NO_DATA)
            continue
        cells.append(label(latest) + (" (late)" if bool(by_id.at[metric_id, "stale"]) else ""))
    return cells


def stale_summary(fresh: pd.DataFrame) -> str | None:
    """One sentence naming the metrics behind their publication schedule, or None."""
    late = fresh[fresh["stale"]]
    if late.empty:
        return None
    items = [
        f"{row.metric} (data to {label(row.latest_loaded) if isinstance(row.latest_loaded, str) else 'never loaded'}, "
        f"{label(row.expected)} was due)"
        for row in late.itertuples()
    ]
    return f"{len(items)} metric(s) are late against their publication schedule: " + "; ".join(items) + "."
