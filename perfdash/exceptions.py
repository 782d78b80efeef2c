"""Exception reports: every metric that misses its target or shows special cause of concern, with its lead,
the latest value against target and plan, how long since it was last met, and what is being done (commentary).

Pure: reads `board.overview` rows, the board's own series and targets, and the commentary frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from perfdash import board, targets
from perfdash.config import Config, DataQuality, Metric
from perfdash.periods import day_label, label, month_range
from perfdash.vocabulary import (
    data_quality_line,
    format_value,
    met_label,
    no_narrative,
    reading_text,
    sentence,
    target_text,
)

CONCERN = "special_cause_concern"


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _get(row: pd.Series, name: str) -> object:
    """A cell of an overview row, None when the column or the value is missing (no plans loaded: no plan)."""
    if name not in row.index:
        return None
    value = row[name]
    return None if _absent(value) else value


@dataclass(frozen=True)
class Narrative:
    """The latest commentary up to the month: what happened, the action, its owner and due date."""

    period: str
    happened: str
    action: str
    owner: str
    due: str


@dataclass(frozen=True)
class ExceptionReport:
    """One failing metric for an organisation and month."""

    metric: Metric
    org_code: str
    period: str
    value: float | None
    target: float | None
    plan: float | None
    met: bool | None
    variation: str | None
    assurance: str | None
    spc_note: str | None
    reasons: tuple[str, ...]
    lead: str
    last_met: str | None  # the latest month up to `period` in which the target was met
    first_loaded: str | None
    narrative: Narrative | None
    quality: DataQuality
    benchmark: str | None = None  # 'England 74.9%; London 76.2%; 5th of 17 London peers' where national data exists

    @property
    def months_since_met(self) -> int | None:
        """Months from the last month met to this one (None: not met in any month loaded)."""
        if self.last_met is None:
            return None
        return len(month_range(self.last_met, self.period)) - 1

    def latest_text(self) -> str:
        """'Sep 2025: 70.0% against a target of ≥ 78.0% (✗ Not met); plan 72.0%.'"""
        unit, direction = self.metric.unit, self.metric.direction
        text = f"{label(self.period)}: {format_value(self.value, unit)} against a target of "
        text += f"{target_text(direction, self.target, unit)} ({met_label(self.met)})"
        if self.plan is not None:
            text += f"; plan {format_value(self.plan, unit)}"
        return text + "."

    def since_met_text(self) -> str:
        """'Last met in Jun 2025, 3 months ago.' or 'Not met in any month loaded (from Sep 2023).'"""
        months = self.months_since_met
        if months is None:
            start = f" (from {label(self.first_loaded)})" if self.first_loaded else ""
            return f"Not met in any month loaded{start}."
        if months == 0:
            return f"Met in {label(self.period)}."
        return f"Last met in {label(self.last_met)}, {months} month{'' if months == 1 else 's'} ago."

    def since_met_short(self) -> str:
        """'Jun 2025 (3 months ago)', 'this month' or 'never (data from Apr 2021)', for a table cell."""
        months = self.months_since_met
        if months is None:
            return f"never (data from {label(self.first_loaded)})" if self.first_loaded else "never"
        if months == 0:
            return "this month"
        return f"{label(self.last_met)} ({months} month{'' if months == 1 else 's'} ago)"

    def reading(self) -> str:
        """The SPC reading in words."""
        return sentence(reading_text(self.variation, self.assurance, self.spc_note))

    def quality_text(self) -> str:
        """The data quality kite mark in words, with its reason."""
        return f"{data_quality_line(self.quality.ratings(), self.quality.overall)}. {sentence(self.quality.reason)}"

    def headline(self) -> tuple[str, str]:
        """Why it is an exception and the latest month against target and plan: ('Target not met.', 'Sep 2025: …')."""
        return f"{' and '.join(self.reasons)}.", self.latest_text()

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) under the headline: lead, last met, SPC reading, benchmark, narrative, data quality."""
        return [
            ("Lead", self.lead),
            ("Last met", self.since_met_text()),
            ("SPC reading", self.reading()),
            ("Benchmark", self.benchmark or "No national data loaded for this month."),
            *self.narrative_parts(),
            ("Data quality", self.quality_text().removeprefix("Data quality: ")),
        ]

    def narrative_parts(self) -> list[tuple[str, str]]:
        """(label, text) for what happened, the action, owner and due date; 'No narrative provided by <lead>'."""
        note = self.narrative
        if note is None:
            return [("What happened", no_narrative(self.lead))]
        older = "" if note.period == self.period else f" (written for {label(note.period)})"
        parts = [("What happened", sentence(note.happened) + older)]
        parts.append(("Action", sentence(note.action) if note.action.strip() else f"None recorded by {self.lead}."))
        parts.append(("Owner", note.owner.strip() or self.lead))
        parts.append(("Due", day_label(note.due) if note.due.strip() else "No date recorded."))
        return parts


def last_met(current: pd.DataFrame, config: Config, metric: Metric, org_code: str, period: str) -> str | None:
    """The latest month up to `period` whose value met the target then in force."""
    series = board.series(current, config, metric, org_code)
    values = series[series["period"] <= period].sort_values("period", ascending=False)
    for row in values.itertuples():
        if _absent(row.value):
            continue
        judged = targets.judge(config, metric, str(row.period), org_code, series)
        if board.met(metric, float(row.value), judged):
            return str(row.period)
    return None


def latest_narrative(commentary: pd.DataFrame, metric_id: str, org_code: str, period: str) -> Narrative | None:
    """The newest commentary for the metric and organisation up to the month, or None."""
    if commentary.empty:
        return None
    rows = commentary[
        (commentary["metric_id"] == metric_id) & (commentary["org_code"] == org_code) & (commentary["period"] <= period)
    ]
    rows = rows[rows["narrative"].astype(str).str.strip() != ""].sort_values("period")
    if rows.empty:
        return None
    row = rows.iloc[-1]
    return Narrative(
        str(row["period"]),
        str(row["narrative"]),
        str(row["action"] or ""),
        str(row["owner"] or ""),
        str(row["due"] or ""),
    )


def benchmark_text(national: pd.DataFrame, metric: Metric) -> str | None:
    """'England 74.9%; London 76.2%; rank 5 of 17 among London peers', or None without national data."""
    if national is None or national.empty or metric.id not in set(national["metric_id"]):
        return None
    row = national.set_index("metric_id").loc[metric.id]
    parts = []
    for name, column in (("England", "england"), ("London", "london")):
        if pd.notna(row[column]):
            parts.append(f"{name} {format_value(float(row[column]), metric.unit)}")
    if pd.notna(row["rank"]):
        parts.append(f"rank {int(row['rank'])} of {int(row['peers'])} among London peers, best first")
    return "; ".join(parts) + "." if parts else None


def reasons(row: pd.Series) -> tuple[str, ...]:
    """Why a metric has an exception report (empty: it has none)."""
    found = []
    if _get(row, "met") is not None and not bool(row["met"]):
        found.append("Target not met")
    if _get(row, "variation") == CONCERN:
        found.append("Special cause of concern")
    return tuple(found)


def exception_reports(
    table: pd.DataFrame,
    current: pd.DataFrame,
    commentary: pd.DataFrame,
    config: Config,
    org_code: str,
    period: str,
    national: pd.DataFrame | None = None,
) -> list[ExceptionReport]:
    """An exception report for each overview row that misses its target or shows special cause of concern."""
    # Only NEL rows feed the series (as in board.overview): not every benchmark provider once per metric.
    current = current[current["org_code"].isin({*board.org_choices(config), org_code})]
    reports = []
    for _, row in table.iterrows():
        why = reasons(row)
        if not why:
            continue
        metric = config.metric_by_id[str(row["metric_id"])]
        values = board.series(current, config, metric, org_code)
        reports.append(
            ExceptionReport(
                metric=metric,
                org_code=org_code,
                period=period,
                value=_get(row, "value"),
                target=_get(row, "target"),
                plan=_get(row, "plan"),
                met=_get(row, "met"),
                variation=_get(row, "variation"),
                assurance=_get(row, "assurance"),
                spc_note=_get(row, "spc_note"),
                reasons=why,
                lead=config.lead_for(metric),
                last_met=last_met(current, config, metric, org_code, period),
                first_loaded=None if values.empty else str(values["period"].min()),
                narrative=latest_narrative(commentary, metric.id, org_code, period),
                quality=config.quality_for(metric),
                benchmark=benchmark_text(national, metric),
            )
        )
    return reports


def reports_for(
    current: pd.DataFrame, commentary: pd.DataFrame, config: Config, org_code: str, period: str
) -> list[ExceptionReport]:
    """The exception reports for an organisation and month, from the board's overview."""
    table = board.overview(current, config, org_code, period)
    return exception_reports(table, current, commentary, config, org_code, period)
