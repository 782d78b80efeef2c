"""Presentation helpers shared by pages and the board pack: icon data URIs, the summary matrix, links. Pure.

The words themselves are in perfdash.vocabulary.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from urllib.parse import urlencode

import pandas as pd

from perfdash import spc, spc_chart
from perfdash.board import SpcReading
from perfdash.config import Config
from perfdash.periods import label
from perfdash.vocabulary import ASSURANCE_COLUMNS, NO_DATA, VARIATION_ROWS, fired_rules


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
        # A metric with nothing loaded for the month is not "too few points": it has no point at all.
        value = getattr(row, "value", 0.0)  # a table without values is read as having data
        group = "no_data" if value is None or pd.isna(value) else variation_group(row.variation)
        cells[(group, assurance_group(row.assurance))].append(row.metric_id)
    return cells


def summary_matrix_markdown(table: pd.DataFrame, org_code: str, period: str, against: str = "target") -> str:
    """The summary matrix as a Markdown table: a count in each cell and a link to each metric's chart."""
    cells = summary_matrix(table)
    names = dict(zip(table["metric_id"], table["metric"], strict=True))
    header = (
        f"| Variation \\ Assurance (against the {against}) | "
        + " | ".join(text for _, text in ASSURANCE_COLUMNS)
        + " |"
    )
    lines = [header, "|" + "---|" * (len(ASSURANCE_COLUMNS) + 1)]
    for variation, row_label in VARIATION_ROWS:
        row = [f"**{row_label}**"]
        for assurance, _ in ASSURANCE_COLUMNS:
            ids = cells[(variation, assurance)]
            links = ", ".join(f"[{names[i]}]({metric_link(i, org_code, period)})" for i in ids)
            row.append(f"**{len(ids)}**: {links}" if ids else "0")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def organisation_description(config: Config, org_code: str) -> str:
    """Who the organisation is, in one Markdown sentence: its kind, and the places or trusts it works with."""
    kind = config.org_kind(org_code)
    if kind == "trust":
        trust = next(o for o in config.organisations if o.code == org_code)
        places = ", ".join(config.org_names[p] for p in trust.places)
        return f"**{trust.name}** ({trust.code}), {trust.type.replace('_', ' ')} trust. Mainly serves: {places}."
    if kind == "place":
        trusts = ", ".join(o.short_name for o in config.organisations if org_code in o.places)
        return (
            f"**{config.org_names[org_code]}** ({org_code}), a place (borough) in {config.system.short_name}. "
            f"Served mainly by: {trusts}."
        )
    return f"**{config.system.name}** ({org_code}): figures rolled up from its trusts and places."


def target_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many metrics have a value this month, how many meet and miss their target, and how many meet plan."""
    met = table["met"].value_counts(dropna=True)
    counts = {
        "Metrics reported": int(table["value"].notna().sum()),
        "Meeting target": int(met.get(True, 0)),
        "Missing target": int(met.get(False, 0)),
    }
    if "met_plan" in table:
        counts["Meeting plan"] = int(table["met_plan"].value_counts(dropna=True).get(True, 0))
    return counts


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def variation_icon_name(variation: str | None, direction: str) -> str | None:
    """The MDC icon for a variation reading (None when there is no SPC reading)."""
    if variation is None or (isinstance(variation, float) and pd.isna(variation)):
        return None
    improvement = {"higher": "increase", "lower": "decrease", "neutral": "neutral"}[direction]
    return spc.variation_icon(variation, improvement)


@lru_cache(maxsize=64)
def variation_icon_uri(variation: str | None, direction: str) -> str | None:
    """A data URI of the variation icon (a handful of distinct ones, made once each)."""
    name = variation_icon_name(variation, direction)
    return None if name is None else _data_uri(spc_chart.variation_icon_svg(name))


@lru_cache(maxsize=16)
def assurance_icon_uri(assurance: str | None) -> str:
    """A data URI of the assurance icon (made once each)."""
    value = None if assurance is None or (isinstance(assurance, float) and pd.isna(assurance)) else assurance
    return _data_uri(spc_chart.assurance_icon_svg(value))


def rules_fired(reading: SpcReading, limit: int | None = None) -> list[str]:
    """Runs of special-cause months in a reading, newest first, in plain English (Metric page and pack alike)."""
    points = reading.result.points
    return fired_rules(
        reading.periods, points["rule"].tolist(), points["point_type"].tolist(), points["special_cause"].tolist(), limit
    )


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
