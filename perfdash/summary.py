"""The executive summary a board reads first: counts of standards met and not, new special cause, consistent
failure, and what changed since last month in words. Pure: it reads `board.overview` rows, computes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from perfdash import board
from perfdash.config import Config
from perfdash.periods import add_months, label
from perfdash.vocabulary import assurance_text, format_value, target_text, variation_text

SPECIAL_CAUSES = (
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
CONSISTENT_FAIL = "consistent_fail"


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _get(row: pd.Series | None, name: str) -> object:
    """A cell of an overview row, None when the row or the value is missing."""
    if row is None or name not in row.index:
        return None
    value = row[name]
    return None if _absent(value) else value


def _were(count: int) -> str:
    return "was" if count == 1 else "were"


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _show(count: int) -> str:
    return "shows" if count == 1 else "show"


@dataclass(frozen=True)
class Change:
    """One thing that changed since last month: the metric, then what happened to it in words."""

    metric_id: str
    metric: str
    words: str  # follows the metric's name: "now meets its target: 78.4% against ≥ 78.0% (76.1% in Oct 2025)."
    concern: bool  # worse news first

    def text(self) -> str:
        """The whole sentence."""
        return f"{self.metric} {self.words}"


@dataclass(frozen=True)
class ExecutiveSummary:
    """Counts and changes for one organisation and month; metric ids in registry order."""

    period: str
    previous: str
    met: tuple[str, ...]
    not_met: tuple[str, ...]
    new_special_cause: tuple[str, ...]
    consistently_failing: tuple[str, ...]
    names: dict[str, str]
    changes: tuple[Change, ...]

    def counts(self) -> list[tuple[str, int, str]]:
        """(label, count, what it counts) for the four headline figures."""
        return [
            ("Standards met", len(self.met), f"metrics with a target that meet it in {label(self.period)}"),
            ("Standards not met", len(self.not_met), f"metrics with a target that miss it in {label(self.period)}"),
            (
                "New special cause",
                len(self.new_special_cause),
                f"special cause variation in {label(self.period)} that was not there in {label(self.previous)}",
            ),
            (
                "Consistently failing",
                len(self.consistently_failing),
                "the SPC process limits say the target will be missed month after month unless the process changes",
            ),
        ]

    def headline(self) -> str:
        """One sentence a board member can read aloud."""
        judged = len(self.met) + len(self.not_met)
        if judged == 0:
            return f"No metric with a target has a value for {label(self.period)}."
        return (
            f"In {label(self.period)}, {len(self.met)} of {judged} standards with a target and a value "
            f"{_were(len(self.met))} met and {len(self.not_met)} {_were(len(self.not_met))} not; "
            f"{len(self.new_special_cause)} {_show(len(self.new_special_cause))} new special cause variation and "
            f"{len(self.consistently_failing)} {_are(len(self.consistently_failing))} consistently failing."
        )

    def not_met_names(self) -> list[str]:
        """The names of the standards not met, in registry order."""
        return [self.names[m] for m in self.not_met]


def _change(this: pd.Series, last: pd.Series | None, previous: str) -> list[tuple[str, bool]]:
    """What changed for one metric, each as (words after its name, whether it is a concern)."""
    unit, direction = str(this["unit"]), str(this["direction"])
    value, before = _get(this, "value"), _get(last, "value")
    now_met, was_met = _get(this, "met"), _get(last, "met")
    shown = format_value(value, unit)
    earlier = f"{format_value(before, unit)} in {label(previous)}"
    found: list[tuple[str, bool]] = []
    if value is not None and before is None:
        # Not "a first value": real publications leave gaps, so a value may return after months without one.
        found.append((f"has a value this month, none in {label(previous)}: {shown}.", False))
    if now_met is not None and was_met is not None and bool(now_met) != bool(was_met):
        goal = target_text(direction, _get(this, "target"), unit)
        if now_met:
            found.append((f"now meets its target: {shown} against {goal} ({earlier}).", False))
        else:
            found.append((f"no longer meets its target: {shown} against {goal} ({earlier}).", True))
    variation, was_variation = _get(this, "variation"), _get(last, "variation")
    if variation in SPECIAL_CAUSES and variation != was_variation:
        concern = variation == "special_cause_concern"
        kind = "of concern" if concern else f"({variation_text(variation)})"
        if variation == "special_cause_improvement":
            kind = "of improvement"
        found.append((f"shows new special cause variation {kind}: {shown}.", concern))
    elif was_variation in SPECIAL_CAUSES and variation == "common_cause":
        found.append((f"is back to common cause variation (it was {variation_text(was_variation)}).", False))
    assurance, was_assurance = _get(this, "assurance"), _get(last, "assurance")
    if assurance is not None and was_assurance is not None and assurance != was_assurance:
        worse = assurance == CONSISTENT_FAIL
        found.append(
            (f"has a new assurance reading: {assurance_text(assurance)} (was {assurance_text(was_assurance)}).", worse)
        )
    return found


def summarise(this: pd.DataFrame, last: pd.DataFrame, period: str) -> ExecutiveSummary:
    """The summary from two months' `board.overview` rows (this month's and the month before's)."""
    previous = add_months(period, -1)
    before = last.set_index("metric_id") if not last.empty else pd.DataFrame()
    met, not_met, new_special, failing, changes = [], [], [], [], []
    for _, row in this.iterrows():
        metric_id = str(row["metric_id"])
        last_row = before.loc[metric_id] if metric_id in before.index else None
        state = _get(row, "met")
        if state is not None:
            (met if bool(state) else not_met).append(metric_id)
        variation = _get(row, "variation")
        if variation in SPECIAL_CAUSES and variation != _get(last_row, "variation"):
            new_special.append(metric_id)
        if _get(row, "assurance") == CONSISTENT_FAIL:
            failing.append(metric_id)
        for words, concern in _change(row, last_row, previous):
            changes.append(Change(metric_id, str(row["metric"]), words, concern))
    # Worse news first; within each, registry order (sorted is stable).
    changes.sort(key=lambda change: not change.concern)
    return ExecutiveSummary(
        period=period,
        previous=previous,
        met=tuple(met),
        not_met=tuple(not_met),
        new_special_cause=tuple(new_special),
        consistently_failing=tuple(failing),
        names=dict(zip(this["metric_id"], this["metric"], strict=True)) if not this.empty else {},
        changes=tuple(changes),
    )


def executive_summary(current: pd.DataFrame, config: Config, org_code: str, period: str) -> ExecutiveSummary:
    """The summary for an organisation and month, from the board's own overview of this month and the last."""
    this = board.overview(current, config, org_code, period)
    last = board.overview(current, config, org_code, add_months(period, -1))
    return summarise(this, last, period)
