"""Benchmarking NEL against its ICB, region, England and peers, from NHS England's all-provider data. Pure.

Aggregates follow the metric's roll-up: summed numerators over summed denominators for percentages, never an
average of percentages; sums for counts; metrics that do not add up have no aggregate.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from perfdash.config import Config, Metric
from perfdash.markup import chart_text, chart_texts
from perfdash.theme import NHS_BLUE, NHS_GREY_3, NHS_PALE_GREY, WHITE
from perfdash.vocabulary import NO_CHANGE, format_value, unit_words

Z_95 = 1.959964
# Areas that publications load beside providers and that are never one: England as NHS England codes it (ENG),
# NHS regions (Y56), ICBs (QMF) and ONS areas such as boroughs (E09000012).
AREA_CODE = re.compile(r"^(ENG|Y\d{2}|Q[A-Z0-9]{2}|E\d{8})$")


def providers_for(
    current: pd.DataFrame, reference: pd.DataFrame, config: Config, metric: Metric, period: str
) -> pd.DataFrame:
    """Every provider with a value for the metric and month (not England, regions, ICBs or places), with its ICB."""
    return _providers(current[(current["metric_id"] == metric.id) & (current["period"] == period)], reference, config)


def _providers(rows: pd.DataFrame, reference: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The rows that are providers (not England, regions, ICBs or places), with their names, ICB and region."""
    rows = rows[~rows["org_code"].isin(config.place_codes | {config.system.code})]
    rows = rows[~rows["org_code"].str.fullmatch(AREA_CODE.pattern)]
    lookup = (
        reference if not reference.empty else pd.DataFrame(columns=["code", "name", "icb_code", "icb_name", "region"])
    )
    joined = rows.merge(lookup, left_on="org_code", right_on="code", how="left").drop(columns="code")
    joined["name"] = joined["name"].fillna(joined["org_code"])
    return joined.reset_index(drop=True)


def aggregate(metric: Metric, rows: pd.DataFrame) -> float | None:
    """The group's figure: Σnumerator/Σdenominator for percentages, a sum for counts, else None."""
    if rows.empty:
        return None
    if metric.rollup == "ratio":
        denominator = rows["denominator"].sum()
        return None if denominator <= 0 else float(100 * rows["numerator"].sum() / denominator)
    if metric.rollup == "sum":
        return float(rows["value"].sum())
    if metric.rollup == "weighted_mean":
        weights = rows["denominator"].sum()
        return None if weights <= 0 else float((rows["value"] * rows["denominator"]).sum() / weights)
    return None


# A provider that reports type 1 A&E is acute: the kind of trust peers are ranked among.
PEER_KIND_METRIC = "ae_4hr_type1"


def peer_codes(current: pd.DataFrame, reference: pd.DataFrame, period: str, org_code: str) -> set[str]:
    """Providers of the same kind in the same region: acute (type 1 A&E reported) or not."""
    if reference.empty or org_code not in set(reference["code"]):
        return set()
    region = reference.loc[reference["code"] == org_code, "region"].iloc[0]
    type1 = set(current.loc[(current["metric_id"] == PEER_KIND_METRIC) & (current["period"] == period), "org_code"])
    is_acute = org_code in type1
    same_region = set(reference.loc[reference["region"] == region, "code"])
    return {code for code in same_region if (code in type1) == is_acute}


def comparison(
    current: pd.DataFrame, reference: pd.DataFrame, config: Config, metric: Metric, org_code: str, period: str
) -> pd.DataFrame:
    """The organisation against its ICB, its region and England for one month."""
    providers = providers_for(current, reference, config, metric, period)
    own = providers[providers["org_code"] == org_code]
    rows = [("This organisation", config.org_names.get(org_code, org_code), aggregate(metric, own), len(own))]
    if not own.empty:
        icb = own["icb_code"].iloc[0]
        region = own["region"].iloc[0]
        # Without the provider lookup a trust has no ICB or region: no row, rather than its own figure mislabelled.
        if isinstance(icb, str):
            rows.append(("ICB", own["icb_name"].iloc[0], *_figure(metric, providers[providers["icb_code"] == icb])))
        if isinstance(region, str):
            rows.append(("Region", region, *_figure(metric, providers[providers["region"] == region])))
        rows.append(("England", "England", *_figure(metric, providers)))
    return pd.DataFrame(rows, columns=["level", "name", "value", "providers"])


def _figure(metric: Metric, rows: pd.DataFrame) -> tuple[float | None, int]:
    """A group's aggregate and how many providers make it."""
    return aggregate(metric, rows), len(rows)


def peer_rank(
    current: pd.DataFrame, reference: pd.DataFrame, config: Config, metric: Metric, org_code: str, period: str
) -> tuple[int, int] | None:
    """(rank, out of) among regional peers of the same kind, best first in the metric's direction."""
    peers = peer_codes(current, reference, period, org_code)
    return _rank(providers_for(current, reference, config, metric, period), peers, metric, org_code)


def _rank(providers: pd.DataFrame, peers: set[str], metric: Metric, org_code: str) -> tuple[int, int] | None:
    """(rank, out of) of org_code among the providers that are its peers, best first."""
    providers = providers[providers["org_code"].isin(peers)]
    if org_code not in set(providers["org_code"]) or metric.direction == "neutral":
        return None
    ordered = providers.sort_values("value", ascending=metric.direction == "lower").reset_index(drop=True)
    return int(ordered.index[ordered["org_code"] == org_code][0]) + 1, len(ordered)


def caterpillar(providers: pd.DataFrame, metric: Metric, highlight: set[str], *, title: str) -> go.Figure:
    """Providers sorted by value with 95% (Wilson) intervals for percentages; NEL highlighted by colour and label."""
    data = providers.sort_values("value").reset_index(drop=True)
    is_nel = data["org_code"].isin(highlight)
    figure = go.Figure()
    error = None
    if metric.rollup == "ratio":
        low, high = _wilson(data["numerator"].to_numpy(float), data["denominator"].to_numpy(float))
        error = {
            "type": "data",
            "symmetric": False,
            "array": (high - data["value"]).clip(lower=0),
            "arrayminus": (data["value"] - low).clip(lower=0),
            "color": NHS_GREY_3,
            "thickness": 1,
        }
    for mask, name, colour, symbol in (
        (~is_nel, "Other providers", NHS_GREY_3, "circle"),
        (is_nel, "North East London", NHS_BLUE, "diamond"),
    ):
        part = data[mask]
        figure.add_trace(
            go.Scatter(
                x=part.index,
                y=part["value"],
                mode="markers+text" if name != "Other providers" else "markers",
                name=name,
                marker={"color": colour, "symbol": symbol, "size": 9 if name != "Other providers" else 6},
                text=chart_texts(part["org_code"]) if name != "Other providers" else None,
                textposition="top center",
                error_y=None
                if error is None
                else {**error, "array": error["array"][mask], "arrayminus": error["arrayminus"][mask]},
                hovertext=[
                    # Provider names come from an uploaded lookup: shown as text, never as Plotly markup.
                    f"{chart_text(n)}<br>{format_value(v, metric.unit)}"
                    for n, v in zip(part["name"], part["value"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    figure.update_layout(
        title={"text": chart_text(title), "font": {"color": NHS_BLUE}},
        plot_bgcolor=WHITE,
        paper_bgcolor=WHITE,
        xaxis={"title": "Providers ranked by value", "showticklabels": False},
        yaxis={
            "title": chart_text(metric.name),
            "tickprefix": unit_words(metric.unit).tick_prefix,
            "ticksuffix": unit_words(metric.unit).tick_suffix,
            "tickformat": unit_words(metric.unit).tick_format,
            "gridcolor": NHS_PALE_GREY,
        },
        legend={"orientation": "h"},
        margin={"t": 50, "l": 60, "r": 20, "b": 40},
        height=380,
    )
    return figure


def _wilson(successes: np.ndarray, trials: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval for proportions, in percent."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / trials
        centre = (p + Z_95**2 / (2 * trials)) / (1 + Z_95**2 / trials)
        half = Z_95 * np.sqrt(p * (1 - p) / trials + Z_95**2 / (4 * trials**2)) / (1 + Z_95**2 / trials)
    return 100 * (centre - half), 100 * (centre + half)


ENGLAND = "ENG"
LONDON_REGION = "Y56"  # NHS England's London region, as AmbSYS and other area-level publications code it


def _published_or_aggregate(
    current: pd.DataFrame, metric: Metric, period: str, area: str, providers: pd.DataFrame
) -> float | None:
    """NHS England's own figure for an area where the publication carries one, else the providers' aggregate."""
    own = current[(current["metric_id"] == metric.id) & (current["period"] == period) & (current["org_code"] == area)]
    if not own.empty and pd.notna(own["value"].iloc[0]):
        return float(own["value"].iloc[0])
    return aggregate(metric, providers)


def national_columns(
    current: pd.DataFrame, reference: pd.DataFrame, config: Config, org_code: str, period: str
) -> pd.DataFrame:
    """Per metric with national data in the month: England, London and the trust's rank among its regional peers."""
    rows = []
    # The month split by metric once, and the peers found once: each metric then filters its own few hundred rows.
    month = current[current["period"] == period]
    by_metric = {metric_id: group for metric_id, group in month.groupby("metric_id", sort=False, observed=True)}
    every_provider = _providers(month, reference, config)
    providers_of = {m: group for m, group in every_provider.groupby("metric_id", sort=False, observed=True)}
    peers = set() if org_code == config.system.code else peer_codes(month, reference, period, org_code)
    for metric in config.metrics:
        of_metric = by_metric.get(metric.id, month.iloc[0:0])
        providers = providers_of.get(metric.id, every_provider.iloc[0:0]).reset_index(drop=True)
        outside = providers[~providers["org_code"].isin(set(config.org_names))]
        published = of_metric[of_metric["org_code"].isin({ENGLAND, LONDON_REGION})]
        if outside.empty and published.empty:
            continue  # no national data: nothing to compare with
        london = (
            providers[providers["region"] == config.system.region] if "region" in providers else providers.iloc[0:0]
        )
        england = _published_or_aggregate(of_metric, metric, period, ENGLAND, providers)
        # London from providers needs the lookup (their region); without it only a published London row counts.
        in_london = _published_or_aggregate(of_metric, metric, period, LONDON_REGION, london)
        rank = None if org_code == config.system.code else _rank(providers, peers, metric, org_code)
        rows.append(
            {
                "metric_id": metric.id,
                "england": england,
                "london": in_london if not london.empty or not published.empty else None,
                "rank": None if rank is None else rank[0],
                "peers": None if rank is None else rank[1],
            }
        )
    return pd.DataFrame(rows, columns=["metric_id", "england", "london", "rank", "peers"])


NATIONAL_HEADINGS = ("vs England", "vs London", "Rank in London")  # the overview's and the pack's column names


def national_cells(national: pd.DataFrame, metric_id: str, unit: str) -> list[str]:
    """One metric's 'vs England', 'vs London' and 'Rank in London' cells from national_columns ('–' where none)."""
    rows = national[national["metric_id"] == metric_id]
    if rows.empty:
        return [NO_CHANGE] * len(NATIONAL_HEADINGS)
    row = rows.iloc[0]
    cells = [NO_CHANGE if pd.isna(row[c]) else format_value(float(row[c]), unit) for c in ("england", "london")]
    cells.append(NO_CHANGE if pd.isna(row["rank"]) else f"{int(row['rank'])} of {int(row['peers'])}")
    return cells


def national_missing_text(national: pd.DataFrame, reference: pd.DataFrame) -> str | None:
    """What to load for the England and London comparison, or None when it is all there."""
    if national.empty:
        return (
            "No national data is loaded for this month, so there is no comparison with England and London: load "
            "NHS England's all-provider files (such as A&E by provider) and its provider lookup on the Upload page."
        )
    if reference.empty:
        return (
            "Ranks among London peers, and London figures where the publication gives none, need NHS England's "
            "provider lookup (each provider with its ICB and region): load it on the Upload page."
        )
    return None
