"""Which target judges a month, and the words for it: the one place the precedence between target kinds lives.

A month is judged against the first of these that is in force for the organisation (nothing else, never silently):

1. an organisation target set for it (a fixed value, or a rule computed from its own baseline month);
2. a local target the ICB set for it;
3. NHS England's national operational target for the financial year;
4. a local target the ICB set for everyone;
5. the constitutional standard, only where the registry says it is judged (`judge: true`), because no interim
   operational target replaces it.

Otherwise no target applies and the judgement says why. The constitutional standard is always shown for reference.
Pure: no Streamlit, no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfdash.config import Config, Metric, Target
from perfdash.periods import label

KIND_WORDS = {
    "constitutional": "constitutional standard",
    "operational": "national operational target",
    "organisation": "organisation target",
    "local": "local ICB target",
}


def financial_year(period: str) -> str:
    """'2026/27' for any month from April 2026 to March 2027."""
    year, month = int(period[:4]), int(period[5:7])
    start = year if month >= 4 else year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def show(value: float, unit: str) -> str:
    """A target value as written in the registry's words: '82%', '25 min', '1,234'."""
    text = f"{value:,.1f}".rstrip("0").rstrip(".")
    return {"percent": f"{text}%", "minutes": f"{text} min", "gbp_thousands": f"£{text}k"}.get(unit, text)


@dataclass(frozen=True)
class Judgement:
    """The target one organisation's month is judged against (or why there is none), with its arithmetic."""

    metric: Metric
    period: str
    org_code: str
    target: Target | None = None
    value: float | None = None
    working: str = ""  # the arithmetic of a rule-based target
    reason: str = ""  # why no target judges the month
    reference: Target | None = None  # the constitutional standard in force, always shown

    @property
    def judged(self) -> bool:
        """Whether a target (with a value) judges the month."""
        return self.target is not None and self.value is not None

    @property
    def kind(self) -> str | None:
        """The judging target's kind, None when nothing judges the month."""
        return self.target.kind if self.judged and self.target is not None else None

    def basis_words(self) -> str:
        """'ambition for Mar 2027', 'the 2026/27 average' or 'applies every month'."""
        if self.target is None:
            return ""
        if self.target.basis == "year_end":
            return f"ambition for {label(self.target.to_month)}" if self.target.to_month else "end-of-year ambition"
        if self.target.basis == "year_average":
            return f"the {financial_year(self.period)} average"
        return "applies every month"

    def describe(self) -> str:
        """'≥ 82% national operational target for 2026/27 (ambition for Mar 2027)', or why there is none."""
        if not self.judged or self.target is None or self.value is None:
            return self.reason
        sign = {"higher": "≥ ", "lower": "≤ ", "neutral": ""}[self.metric.direction]
        words = KIND_WORDS[self.target.kind]
        if self.target.kind == "operational":
            words += f" for {financial_year(self.period)}"
        text = f"{sign}{show(self.value, self.metric.unit)} {words} ({self.basis_words()})"
        return text + (f": {self.working}" if self.working else "")

    def reference_words(self) -> str:
        """'Constitutional standard ≥ 95%, for reference' (empty when it is the judging target or absent)."""
        if self.reference is None or self.reference is self.target or self.reference.value is None:
            return ""
        sign = {"higher": "≥ ", "lower": "≤ ", "neutral": ""}[self.metric.direction]
        return f"Constitutional standard {sign}{show(self.reference.value, self.metric.unit)}, for reference"


def _rule_value(metric: Metric, target: Target, org_code: str, values: pd.DataFrame | None) -> tuple[float | None, str]:
    """The rule's value for an organisation from its stored baseline month, with the arithmetic in words."""
    rule = target.rule
    assert rule is not None
    baseline = None
    if values is not None and not values.empty:
        hit = values.loc[values["period"] == rule.baseline, "value"]
        if not hit.empty and not np.isnan(float(hit.iloc[0])):
            baseline = float(hit.iloc[0])
    higher = metric.direction != "lower"
    word, sign = ("greater", "+") if higher else ("lower", "−")
    unit = metric.unit
    if baseline is None:
        return None, (
            f"{org_code} is held to the {word} of {show(rule.floor, unit)} or its {label(rule.baseline)} value "
            f"{sign} {rule.points:g} points, but {label(rule.baseline)} is not loaded for {org_code}: load that "
            "month to compute the target"
        )
    moved = baseline + rule.points if higher else baseline - rule.points
    value = max(rule.floor, moved) if higher else min(rule.floor, moved)
    working = (
        f"the {word} of {show(rule.floor, unit)} or {label(rule.baseline)} {show(round(baseline, 1), unit)} "
        f"{sign} {rule.points:g} points = {show(round(moved, 1), unit)}, so {show(round(value, 1), unit)}"
    )
    return round(value, 1), working


def _precedence(target: Target) -> int | None:
    """Rank of a target in the order above (None: shown for reference only, never judged)."""
    if target.kind == "organisation":
        return 0
    if target.kind == "local" and target.org is not None:
        return 1
    if target.kind == "operational":
        return 2
    if target.kind == "local":
        return 3
    return 4 if target.judge else None


def judge(config: Config, metric: Metric, period: str, org_code: str, values: pd.DataFrame | None = None) -> Judgement:
    """The one decision: which target judges this organisation's month, its value, and why (values: its series)."""
    is_trust = config.org_kind(org_code) == "trust"
    in_force = metric.targets_in_force(period, org_code, is_trust)
    reference = next((t for t in in_force if t.kind == "constitutional"), None)
    ranked = sorted((t for t in in_force if _precedence(t) is not None), key=lambda t: _precedence(t))
    if ranked:
        target = ranked[0]
        if target.rule is None:
            return Judgement(metric, period, org_code, target, target.value, reference=reference)
        value, working = _rule_value(metric, target, org_code, values)
        if value is None:
            return Judgement(metric, period, org_code, target, None, reason=working + ".", reference=reference)
        return Judgement(metric, period, org_code, target, value, working, reference=reference)
    if not metric.targets:
        return Judgement(metric, period, org_code, reason=metric.no_target_reason, reference=reference)
    return Judgement(metric, period, org_code, reason=_why_none(metric, period, reference), reference=reference)


def _why_none(metric: Metric, period: str, reference: Target | None) -> str:
    """Why no target judges a month, naming what exists before and after it."""
    year = financial_year(period)
    operational = [t for t in metric.targets if t.kind == "operational"]
    if operational:
        text = f"No national operational target is set for {year}"
        ended = [t for t in metric.targets if t.to_month is not None and t.to_month < period]
        later = [t for t in operational if t.from_month > period]
        if later:
            text += f"; the next starts {label(later[0].from_month)}"
        if ended:
            last = max(ended, key=lambda t: t.to_month or "")
            text += f"; the last ended {label(last.to_month)}" + (f" ({last.note.rstrip('.')})" if last.note else "")
    else:
        text = f"No target judges {label(period)}"
    if reference is not None and reference.value is not None:
        text += f"; the constitutional standard {show(reference.value, metric.unit)} is shown for reference"
    note = next((t.note for t in metric.targets if t.kind == "constitutional" and t.note), "")
    return text + "." + (f" {note.rstrip('.')}." if note else "")


def met(metric: Metric, value: float | None, goal: float | None) -> bool | None:
    """Whether a value meets a goal (a target or a plan) in the metric's direction (None: not judged)."""
    if value is None or goal is None or metric.direction == "neutral":
        return None
    if np.isnan(value) or np.isnan(goal):
        return None
    return value >= goal if metric.direction == "higher" else value <= goal


def agreement(met_now: bool | None, assurance: str | None, against: str) -> str:
    """Words that reconcile met-this-month with an assurance icon that reads the other way (empty if they agree)."""
    if met_now is None or assurance is None or (isinstance(assurance, float) and np.isnan(assurance)):
        return ""
    if met_now and assurance == "consistent_fail":
        return f"met this month; on its limits the {against} will often be missed"
    if not met_now and assurance == "consistent_pass":
        return f"not met this month; on its limits the {against} will often be met"
    return ""


def versus(met_now: bool | None, goal: float | None, unit: str, direction: str, missing: str = "no target") -> str:
    """'✓ Met (≥ 82%)', '✗ Not met (≤ 25 min)' or 'no target' / 'no plan': one cell of the vs columns."""
    if goal is None or (isinstance(goal, float) and np.isnan(goal)):
        return missing
    sign = {"higher": "≥ ", "lower": "≤ ", "neutral": ""}[direction]
    if met_now is None or (isinstance(met_now, float) and np.isnan(met_now)):
        return f"– ({sign}{show(goal, unit)})"
    return f"{'✓ Met' if met_now else '✗ Not met'} ({sign}{show(goal, unit)})"


def rule_words(target: Target, metric: Metric) -> str:
    """'greater of 65% or Mar 2026 + 7 points' for a rule; the value otherwise."""
    if target.rule is None:
        return show(target.value or 0.0, metric.unit)
    rule = target.rule
    word, sign = ("lower", "−") if metric.direction == "lower" else ("greater", "+")
    return f"{word} of {show(rule.floor, metric.unit)} or {label(rule.baseline)} {sign} {rule.points:g} points"


def catalogue(config: Config, metric: Metric, org_code: str | None = None) -> pd.DataFrame:
    """Every target of a metric (those for one organisation, when given) with its span, basis and source."""
    is_trust = org_code is not None and config.org_kind(org_code) == "trust"
    rows = [
        {
            "kind": KIND_WORDS[t.kind] + (" (judged)" if t.judge else ""),
            "target": rule_words(t, metric),
            "for": {"*": "each trust", None: "everyone"}.get(t.org, t.org),
            "from": label(t.from_month),
            "to": label(t.to_month) if t.to_month else "",
            "basis": {"monthly": "every month", "year_end": "end of year", "year_average": "year average"}[t.basis],
            "source": t.source,
            "note": t.note,
        }
        for t in metric.targets
        if org_code is None or t.for_org(org_code, is_trust)
    ]
    return pd.DataFrame(rows, columns=["kind", "target", "for", "from", "to", "basis", "source", "note"])
