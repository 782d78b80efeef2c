"""What the Metric page shows, computed: the data table, the targets, the benchmark rows and the text alternative.

Pure pandas; the page only wires these to widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from perfdash import benchmark, board, targets
from perfdash.config import Config, Metric
from perfdash.periods import label
from perfdash.vocabulary import (
    count_text,
    data_quality_line,
    direction_sentence,
    format_value,
    reading_text,
    rule_text,
    sentence,
    unit_name,
)

DATA_COLUMNS = ["period", "value", "numerator", "denominator", "target", "plan", "mean", "lpl", "upl", "rule"]


def data_table(
    values: pd.DataFrame, reading: board.SpcReading, steps: list[float | None], plan: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each month of the chart: the value with its numerator and denominator, the target, the limits and the rule."""
    points = reading.result.points
    chart = pd.DataFrame(
        {
            "period": reading.periods,
            "target": pd.Series(steps, dtype="float64").to_numpy(),
            "mean": points["mean"].to_numpy(),
            "lpl": points["lpl"].to_numpy(),
            "upl": points["upl"].to_numpy(),
            "rule": [rule_text(r) if s else "" for r, s in zip(points["rule"], points["special_cause"], strict=True)],
        }
    )
    # Months the chart shows as gaps have no row in values: keep the values' months, in order.
    table = values.merge(chart, on="period", how="left")
    plans = plan if plan is not None else pd.DataFrame({"period": pd.Series(dtype="str"), "plan": []})
    table = table.merge(plans[["period", "plan"]], on="period", how="left")
    return table[DATA_COLUMNS]


# data_table's number columns as the page heads them; their text is right-aligned as numbers are.
SHOWN_NUMBERS = {
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "target": "Target",
    "plan": "Plan",
    "mean": "Mean",
    "lpl": "Lower process limit",
    "upl": "Upper process limit",
}


def data_table_shown(table: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """data_table as the page shows it: months in words, numbers in the metric's unit, blank where there is none.

    The page draws it as an HTML table (no canvas grid to start); its CSV download keeps the raw numbers.
    """

    def shown(column: str, value: float) -> str:
        if pd.isna(value):
            return ""
        if column in ("numerator", "denominator"):  # counts, whatever the metric's unit
            return count_text(value)
        return format_value(value, metric.unit)

    columns = {"Month": [label(p) for p in table["period"]]}
    columns |= {title: [shown(column, v) for v in table[column]] for column, title in SHOWN_NUMBERS.items()}
    return pd.DataFrame({**columns, "Rule": table["rule"].fillna("").tolist()})


def caption(metric: Metric) -> str:
    """'Source: …. Unit: £ thousands. Higher is better.'"""
    return f"Source: {metric.source}. Unit: {unit_name(metric.unit)}. {direction_sentence(metric.direction)}"


def judgement(
    config: Config, metric: Metric, org_code: str, values: pd.DataFrame, series: pd.DataFrame
) -> targets.Judgement:
    """The target judging the latest month shown (targets.judge), with the organisation's whole series."""
    return targets.judge(config, metric, str(values["period"].iloc[-1]), org_code, series)


def month_line(
    config: Config,
    metric: Metric,
    org_code: str,
    values: pd.DataFrame,
    series: pd.DataFrame,
    plans: pd.DataFrame | None,
    assurance: str | None,
) -> str:
    """'**Oct 2026: 79.1%.** vs target: ✗ Not met (≥ 82%); vs plan: ✓ Met (≥ 78.5%).' with any reconciling note."""
    month = str(values["period"].iloc[-1])
    value = float(values["value"].iloc[-1])
    judged = judgement(config, metric, org_code, values, series)
    plan = board.plan_series(plans, metric, org_code, [month])[0]
    met_target, met_plan = board.met(metric, value, judged), targets.met(metric, value, plan)
    against = config.app.assurance_against
    agree = targets.agreement(met_plan if against == "plan" else met_target, assurance, against)
    return (
        f"**{label(month)}: {format_value(value, metric.unit)}.** "
        f"vs target: {targets.versus(met_target, judged.value, metric.unit, metric.direction)}; "
        f"vs plan: {targets.versus(met_plan, plan, metric.unit, metric.direction, missing='no plan')}."
        + (f" Note: {agree}." if agree else "")
    )


def targets_text(config: Config, metric: Metric, org_code: str, values: pd.DataFrame, series: pd.DataFrame) -> str:
    """The target judging the latest month shown (with a rule's arithmetic), or why none does."""
    judged = judgement(config, metric, org_code, values, series)
    text = f"**Target for {label(str(values['period'].iloc[-1]))}:** {judged.describe()}"
    reference = judged.reference_words()
    return text + (f". {reference}." if reference else "")


def accountability(config: Config, metric: Metric) -> str:
    """'Accountable lead: Chief Operating Officer. Data quality: sufficient (timeliness ● sufficient, …). Reason.'"""
    quality = config.quality_for(metric)
    return (
        f"Accountable lead: {config.lead_for(metric)}. "
        f"{data_quality_line(quality.ratings(), quality.overall)}. {sentence(quality.reason)}"
    )


def text_alternative(
    config: Config,
    metric: Metric,
    org_name: str,
    values: pd.DataFrame,
    series: pd.DataFrame,
    reading: board.SpcReading,
    org_code: str,
) -> str:
    """The chart in one sentence: latest value, the target judging it (or why none does) and the SPC reading."""
    result = reading.result
    judged = judgement(config, metric, org_code, values, series)
    return (
        f"Text alternative: {metric.name} for {org_name} was {format_value(values['value'].iloc[-1], metric.unit)} "
        f"in {label(values['period'].iloc[-1])}; target: {judged.describe()}. "
        f"SPC: {reading_text(result.variation, result.assurance, result.message)}."
    )


def rebases(config: Config, metric: Metric, org_code: str) -> list[tuple[str, str]]:
    """(month, reason) for each recalculation of the limits, to mark on the chart."""
    return [(r.month, r.reason) for r in config.spc.rebase_months(metric.id, org_code)]


def organisations_table(current: pd.DataFrame, config: Config, metric: Metric, month: str) -> pd.DataFrame:
    """Every NEL organisation's value and whether it met its target, as the page shows them."""
    compare = board.comparison(current, config, metric, month)
    return pd.DataFrame(
        {
            "Organisation": compare["organisation"],
            "Value": [format_value(v, metric.unit) for v in compare["value"]],
            "vs target": [
                targets.versus(m, t, metric.unit, metric.direction)
                for m, t in zip(compare["met"], compare["target"], strict=True)
            ],
            "Target": compare["target_words"],
        }
    )


@dataclass(frozen=True)
class Benchmark:
    """The benchmark section: its month, the rows shown, the rank among peers and every provider's value."""

    month: str
    table: pd.DataFrame
    rank: tuple[int, int] | None
    providers: pd.DataFrame
    note: str | None  # why the month differs from the one chosen
    definition: str | None = None  # which "NEL" each figure is, or what to load for ICB and region figures


def benchmark_view(
    current: pd.DataFrame, reference: pd.DataFrame, config: Config, metric: Metric, org_code: str, month: str
) -> Benchmark | None:
    """The organisation against its ICB, region and England in the latest month with national data; None if none.

    The ICS is benchmarked through its first member trust's ICB and region, without that trust's own row.
    """
    nel = set(config.org_names)
    if org_code not in nel:
        return None
    national = current[(current["metric_id"] == metric.id) & ~current["org_code"].isin(nel)]
    months = sorted(national.loc[national["period"] <= month, "period"].unique())
    members = config.metric_orgs(metric)
    if not months or not members:
        return None
    bench_month = str(months[-1])
    is_system = org_code == config.system.code
    focus = members[0] if is_system else org_code
    rows = benchmark.comparison(current, reference, config, metric, focus, bench_month)
    if is_system:
        rows = rows[rows["level"] != "This organisation"]
    table = pd.DataFrame(
        {
            "Level": rows["level"],
            "Name": rows["name"],
            "Value": [format_value(v, metric.unit) for v in rows["value"]],
            "Providers": rows["providers"],
        }
    ).reset_index(drop=True)
    rank = None if is_system else benchmark.peer_rank(current, reference, config, metric, focus, bench_month)
    definition = benchmark_definition(config, metric, rows, reference)
    return Benchmark(
        month=bench_month,
        table=table,
        rank=rank,
        providers=benchmark.providers_for(current, reference, config, metric, bench_month),
        note=None if bench_month == month else f"Latest month with national data up to {label(month)}.",
        definition=definition,
    )


def benchmark_definition(config: Config, metric: Metric, rows: pd.DataFrame, reference: pd.DataFrame) -> str:
    """Which 'NEL' the ICB row is, against the catalogue's own roll-up; or what to load to get ICB and region."""
    trusts = len(config.metric_orgs(metric))
    roll_up = (
        f"The {config.system.short_name} figures elsewhere on this page roll up the {trusts} NEL organisation"
        f"{'' if trusts == 1 else 's'} in this dashboard's catalogue."
    )
    if reference.empty:
        return (
            "ICB and region figures need NHS England's provider lookup (each provider with its ICB and region): "
            "load it on the Upload page. Until then only this organisation and England are shown. " + roll_up
        )
    icb = rows[rows["level"] == "ICB"]
    if icb.empty:
        return roll_up
    count = int(icb["providers"].iloc[0])
    return (
        f"ICB here means every provider NHS England's published lookup places in {icb['name'].iloc[0]} "
        f"({count} provider{'' if count == 1 else 's'}), which may include providers the catalogue leaves out. "
        + roll_up
    )
