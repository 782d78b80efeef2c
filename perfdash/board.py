"""What the board sees, computed from current values: series, roll-ups, targets, SPC readings, summaries.

Pure pandas; no Streamlit and no SQL. Pages and the board pack call these with a frame of current values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfdash import spc, vocabulary
from perfdash.config import Config, Metric, Target
from perfdash.periods import add_months, label, month_range


def member_orgs(config: Config, metric: Metric, org_code: str) -> list[str]:
    """The organisations whose values make up an ICS figure (trusts, else places)."""
    if org_code != config.system.code:
        return [org_code]
    orgs = config.metric_orgs(metric)
    trusts = [o for o in orgs if config.org_kind(o) == "trust"]
    return trusts or [o for o in orgs if config.org_kind(o) == "place"]


def rollup(metric: Metric, frame: pd.DataFrame) -> pd.DataFrame:
    """Combine several organisations' rows per month the way the metric allows."""
    grouped = frame.groupby("period")
    if metric.rollup == "ratio":
        sums = grouped[["numerator", "denominator"]].sum(min_count=1)
        sums["value"] = 100 * sums["numerator"] / sums["denominator"]
    elif metric.rollup == "sum":
        sums = grouped[["value"]].sum(min_count=1)
        sums["numerator"] = np.nan
        sums["denominator"] = np.nan
    elif metric.rollup == "weighted_mean":
        weighted = frame.assign(weighted=frame["value"] * frame["denominator"])
        sums = weighted.groupby("period")[["weighted", "denominator"]].sum(min_count=1)
        sums["value"] = sums["weighted"] / sums["denominator"]
        sums["numerator"] = np.nan
    else:
        return frame.iloc[0:0][["period", "value", "numerator", "denominator"]]
    # A total too large for a float is no value, never an inf that SPC would read as "common cause".
    for column in ("value", "numerator", "denominator"):
        sums[column] = sums[column].where(np.isfinite(sums[column]))
    sums["reporting"] = grouped.size()
    return sums.reset_index()[["period", "value", "numerator", "denominator", "reporting"]]


def series(current: pd.DataFrame, config: Config, metric: Metric, org_code: str) -> pd.DataFrame:
    """Monthly values of one metric for one organisation (the ICS rolled up from its members)."""
    own = current[(current["metric_id"] == metric.id) & (current["org_code"] == org_code)]
    if not own.empty or org_code != config.system.code:
        return own[["period", "value", "numerator", "denominator"]].sort_values("period").reset_index(drop=True)
    members = member_orgs(config, metric, org_code)
    rows = current[(current["metric_id"] == metric.id) & current["org_code"].isin(members)]
    if rows.empty:
        return rows[["period", "value", "numerator", "denominator"]]
    if metric.rollup == "none" and len(members) == 1:
        return rows[["period", "value", "numerator", "denominator"]].sort_values("period").reset_index(drop=True)
    return rollup(metric, rows).drop(columns="reporting")


def applies(config: Config, metric: Metric, org_code: str) -> bool:
    """Whether a metric is reported for an organisation (the ICS has every metric)."""
    return org_code == config.system.code or org_code in config.metric_orgs(metric)


def target_series(metric: Metric, org_code: str, periods: list[str]) -> list[float | None]:
    """The target in force each month (stepping where it changed), None where there is none."""
    values = []
    for period in periods:
        target = metric.target_for(period, org_code)
        values.append(None if target is None else target.value)
    return values


def met(metric: Metric, value: float | None, target: Target | None) -> bool | None:
    """Whether a value meets a target, in the metric's direction (None: not judged)."""
    if value is None or target is None or metric.direction == "neutral" or np.isnan(value):
        return None
    return value >= target.value if metric.direction == "higher" else value <= target.value


@dataclass(frozen=True)
class SpcReading:
    """The SPC result for one series, with the months it covers."""

    periods: list[str]
    result: spc.XmrResult


def spc_reading(
    config: Config,
    metric: Metric,
    org_code: str,
    values: pd.DataFrame,
    upto: str | None = None,
    profile: str | None = None,
) -> SpcReading | None:
    """XmR on a series (full months, gaps as missing) with the configured rebases and ghosted months."""
    if values.empty:
        return None
    data = values if upto is None else values[values["period"] <= upto]
    if data.empty:
        return None
    periods = month_range(data["period"].min(), data["period"].max())
    aligned = data.set_index("period")["value"].reindex(periods)
    rebase = [
        periods.index(r.month)
        for r in config.spc.rebase_months(metric.id, org_code)
        if r.month in periods and r.month != periods[0]
    ]
    ghost = [periods.index(g.month) for g in config.spc.ghost_months(metric.id, org_code) if g.month in periods]
    target = metric.target_for(periods[-1], org_code)
    result = spc.xmr(
        aligned.to_numpy(dtype="float64"),
        improvement=metric.improvement,
        target=None if target is None else target.value,
        rebase=sorted(rebase),
        fix_after=config.spc.baseline_for(metric.id, org_code),
        profile=profile or config.app.spc_profile,
        ghost=ghost,
    )
    return SpcReading(periods, result)


def overview(current: pd.DataFrame, config: Config, org_code: str, period: str) -> pd.DataFrame:
    """One row per metric for an organisation and month: value, target, met, change, trend, SPC icons."""
    # Only NEL rows (and the chosen organisation's) feed any series here: drop benchmark providers once, not
    # in every per-metric filter (at national scale a million rows; 1.4 s down to 0.2 s for the ICS).
    current = current[current["org_code"].isin({*org_choices(config), org_code})]
    rows = []
    for metric in config.metrics:
        if not applies(config, metric, org_code):
            continue
        values = series(current, config, metric, org_code)
        upto = values[values["period"] <= period]
        by_period = upto.set_index("period")["value"]
        value = by_period.get(period)
        previous = by_period.get(add_months(period, -1))
        target = metric.target_for(period, org_code)
        reading = spc_reading(config, metric, org_code, upto) if value is not None else None
        result = reading.result if reading else None
        # The months of the last 13 that have a value: gaps are left out (a sparkline cannot draw a blank), and
        # fewer than two points draw no sparkline at all.
        window = by_period.reindex(month_range(add_months(period, -12), period)).dropna()
        trend = [float(v) for v in window] if len(window) >= 2 else None
        latest_loaded = values["period"].max() if not values.empty else None
        rows.append(
            {
                "domain": metric.domain,
                "metric_id": metric.id,
                "metric": metric.name,
                "unit": metric.unit,
                "direction": metric.direction,
                "value": None if value is None else float(value),
                "target": None if target is None else target.value,
                "target_kind": None if target is None else target.kind,
                "met": met(metric, None if value is None else float(value), target),
                "change": None if value is None or previous is None else float(value - previous),
                "trend": trend,
                "variation": None if result is None else result.variation,
                "assurance": None if result is None else result.assurance,
                "spc_note": (f"{vocabulary.NO_DATA} for {label(period)}" if value is None else (result.message or ""))
                if result is not None or value is None
                else "",
                "latest_loaded": latest_loaded,
            }
        )
    return pd.DataFrame(rows)


def latest_period(current: pd.DataFrame) -> str | None:
    """The most recent month with any data."""
    return None if current.empty else str(current["period"].max())


def org_choices(config: Config) -> list[str]:
    """The ICS, then trusts, then places, as codes."""
    return [config.system.code, *(o.code for o in config.organisations), *(p.code for p in config.places)]


def comparison(current: pd.DataFrame, config: Config, metric: Metric, period: str) -> pd.DataFrame:
    """Every NEL organisation's value for one metric and month, with the ICS figure first."""
    rows = []
    for org in [config.system.code, *config.metric_orgs(metric)]:
        values = series(current, config, metric, org)
        hit = values[values["period"] == period]
        target = metric.target_for(period, org)
        value = None if hit.empty else float(hit["value"].iloc[0])
        rows.append(
            {
                "org_code": org,
                "organisation": config.org_names.get(org, org),
                "value": value,
                "target": None if target is None else target.value,
                "met": met(metric, value, target),
            }
        )
    return pd.DataFrame(rows)
