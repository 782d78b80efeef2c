"""What goes in the board pack, and in which words. Every figure comes from `perfdash.board`; none is computed here.

A metric's row is `board.overview`'s row for the pack month. Where the metric has no value in that month (its
data is late), the row is `board.overview`'s for the latest month it has, flagged stale.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from perfdash import board, present, spc, targets
from perfdash.config import Config, Metric
from perfdash.periods import label
from perfdash.vocabulary import (
    NO_DATA,
    direction_sentence,
    no_narrative,
    reading_text,
    sentence,
    target_text,
    unit_name,
)

LONDON = "Europe/London"


class BoardPackError(RuntimeError):
    """A board pack cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class MetricEntry:
    """One metric in the pack: the board's row for the month it was last reported up to the pack month."""

    metric: Metric
    value: float | None = None
    value_period: str | None = None  # the month the figures are for (None: no data up to the pack month)
    target: float | None = None
    met: bool | None = None
    plan: float | None = None
    met_plan: bool | None = None
    agreement: str = ""  # words reconciling met with the assurance icon when they read differently
    variation: str | None = None
    assurance: str | None = None
    spc_note: str | None = None
    reading: board.SpcReading | None = field(default=None, repr=False)  # for the chart
    latest_loaded: str | None = None
    stale: bool = False
    commentary: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    series: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # for a rule target's baseline month

    @property
    def has_data(self) -> bool:
        """Whether there is a value up to the pack month (only these get a chart)."""
        return self.value_period is not None

    @property
    def result(self) -> spc.XmrResult | None:
        """The SPC result behind the chart, if there is one."""
        return None if self.reading is None else self.reading.result

    def reading_text(self) -> str:
        """The SPC reading in words, as on the overview."""
        if not self.has_data:
            return NO_DATA
        text = reading_text(self.variation, self.assurance, self.spc_note)
        return f"{text} ({self.agreement})" if self.agreement else text

    def target_text(self) -> str:
        """'≥ 78.0%', or 'no target'."""
        return target_text(self.metric.direction, self.target, self.metric.unit)

    def versus_target(self) -> str:
        """'✓ Met (≥ 78%)' against the month's target, 'no target' without one: the overview's vs target cell."""
        return targets.versus(self.met, self.target, self.metric.unit, self.metric.direction)

    def versus_plan(self) -> str:
        """'✗ Not met (≥ 79.5%)' against the month's plan, 'no plan' without one: the overview's vs plan cell."""
        return targets.versus(self.met_plan, self.plan, self.metric.unit, self.metric.direction, missing="no plan")

    def data_to(self) -> str:
        """The month of the figures, with ⚠ when it is older than the pack month."""
        if self.value_period is None:
            return f"⚠ {NO_DATA}"
        return f"⚠ {label(self.value_period)} stale" if self.stale else label(self.value_period)

    def variation_icon(self) -> str | None:
        """The MDC variation icon's name, None without a reading."""
        return present.variation_icon_name(self.variation, self.metric.direction)


class BoardFigures:
    """The board's figures for one organisation (with its plans), each computed once and shared by every page:
    every applicable metric's series, and `board.overview` for each month asked for."""

    def __init__(self, current: pd.DataFrame, config: Config, org_code: str, plans: pd.DataFrame | None) -> None:
        self.current, self.config, self.org_code, self.plans = current, config, org_code, plans
        self._series: list[tuple[Metric, pd.DataFrame]] | None = None
        self._months: dict[str, pd.DataFrame] = {}
        self._indexed: dict[str, pd.DataFrame] = {}

    def series(self) -> list[tuple[Metric, pd.DataFrame]]:
        """Every metric that applies to the organisation with its whole series (the ICS rolled up)."""
        if self._series is None:
            self._series = [
                (metric, board.series(self.current, self.config, metric, self.org_code))
                for metric in self.config.metrics
                if board.applies(self.config, metric, self.org_code)
            ]
        return self._series

    def overview(self, month: str) -> pd.DataFrame:
        """The board's rows for the month."""
        if month not in self._months:
            self._months[month] = board.overview(self.current, self.config, self.org_code, month, self.plans)
        return self._months[month]

    def row(self, month: str, metric_id: str) -> pd.Series:
        """One metric's row for the month."""
        if month not in self._indexed:
            self._indexed[month] = self.overview(month).set_index("metric_id")
        return self._indexed[month].loc[metric_id]


def org_name(config: Config, org_code: str) -> str:
    """The organisation's full name; BoardPackError for a code that is not the ICS, a trust or a place."""
    if org_code == config.system.code:
        return config.system.name
    for org in [*config.organisations, *config.places]:
        if org.code == org_code:
            return org.name
    choices = ", ".join(board.org_choices(config))
    raise BoardPackError(f"Unknown organisation {org_code!r}: use one of {choices}.")


def pack_period(
    current: pd.DataFrame,
    config: Config,
    org_code: str,
    period: str | None = None,
    figures: BoardFigures | None = None,
) -> str:
    """The pack month: as asked if the organisation has data in it, else the latest month with data."""
    org_name(config, org_code)
    figures = figures or BoardFigures(current, config, org_code, None)
    months = sorted({str(p) for _, values in figures.series() for p in values["period"]})
    name = config.org_names.get(org_code, org_code)
    if not months:
        raise BoardPackError(f"There is no data for {name} ({org_code}) yet: load some before making a pack.")
    if period is None:
        return months[-1]
    if period not in months:
        raise BoardPackError(
            f"There is no data for {name} ({org_code}) in {period}: choose a month from {months[0]} to {months[-1]}."
        )
    return period


def _value(row: pd.Series, name: str) -> object:
    """A cell of an overview row with pandas' missing values as None."""
    value = row[name]
    return None if value is None or (not isinstance(value, (list, str, bool)) and pd.isna(value)) else value


def collect(
    current: pd.DataFrame,
    commentary: pd.DataFrame,
    config: Config,
    org_code: str,
    period: str,
    plans: pd.DataFrame | None = None,
    figures: BoardFigures | None = None,
) -> list[MetricEntry]:
    """Every metric that applies to the organisation, as of the pack month, in registry order."""
    figures = figures or BoardFigures(current, config, org_code, plans)
    entries = []
    for metric, values in figures.series():
        notes = commentary[
            (commentary["metric_id"] == metric.id)
            & (commentary["org_code"] == org_code)
            & (commentary["period"] <= period)
        ].sort_values("period")
        upto = values[values["period"] <= period]
        latest_loaded = None if values.empty else str(values["period"].max())
        if upto.empty:
            judgement = targets.judge(config, metric, period, org_code, values)
            entries.append(
                MetricEntry(
                    metric,
                    target=judgement.value,
                    latest_loaded=latest_loaded,
                    stale=True,
                    commentary=notes,
                    series=values,
                )
            )
            continue
        value_period = str(upto["period"].iloc[-1])
        row = figures.row(value_period, metric.id)
        entries.append(
            MetricEntry(
                metric,
                value=_value(row, "value"),
                value_period=value_period,
                target=_value(row, "target"),
                met=_value(row, "met"),
                plan=_value(row, "plan"),
                met_plan=_value(row, "met_plan"),
                agreement=str(_value(row, "agreement") or ""),
                variation=_value(row, "variation"),
                assurance=_value(row, "assurance"),
                spc_note=_value(row, "spc_note"),
                # The same call board.overview made for this row, kept for the chart and its rules.
                reading=board.spc_reading(config, metric, org_code, upto, plans=plans),
                latest_loaded=latest_loaded,
                stale=value_period < period,
                commentary=notes,
                series=values,
            )
        )
    return entries


def summary_table(entries: list[MetricEntry]) -> pd.DataFrame:
    """The columns present.summary_matrix needs (metric_id, value, variation, assurance) plus the name."""
    rows = [
        {
            "metric_id": e.metric.id,
            "metric": e.metric.name,
            "value": e.value if e.has_data else None,
            "variation": e.variation,
            "assurance": e.assurance,
        }
        for e in entries
    ]
    return pd.DataFrame(rows, columns=["metric_id", "metric", "value", "variation", "assurance"])


def targets_in_force(
    config: Config, metric: Metric, org_code: str, period: str, values: pd.DataFrame | None = None
) -> list[str]:
    """The target judging the month first (with a rule's arithmetic and its source), then the others in force."""
    judgement = targets.judge(config, metric, period, org_code, values)
    if judgement.judged and judgement.target is not None:
        lines = [f"Board target: {judgement.describe()}. Source: {judgement.target.source or 'not recorded'}."]
    else:
        lines = [sentence(judgement.reason) if judgement.reason.strip() else "No target in force."]
    is_trust = config.org_kind(org_code) == "trust"
    for target in metric.targets_in_force(period, org_code, is_trust):
        if target is judgement.target or target.value is None:
            continue
        span = f"from {label(target.from_month)}" + (f" to {label(target.to_month)}" if target.to_month else "")
        words = target_text(metric.direction, target.value, metric.unit)
        lines.append(f"Also: {words} ({targets.KIND_WORDS[target.kind]}, {span}).")
    return lines


def _written(text: object) -> str:
    """A commentary field as written, '' when it was left empty (never 'None' or 'nan')."""
    return "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text).strip()


def commentary_lines(entry: MetricEntry, period: str, lead: str, limit: int = 1) -> list[str]:
    """The latest commentary up to the pack month: narrative, then action, owner and due date; without any,
    'No narrative provided by <lead>', as on the exception pages."""
    notes = entry.commentary.sort_values("period", ascending=False).head(limit)
    lines = []
    for row in notes.itertuples():
        extras = [
            f"{name}: {sentence(_written(text))}"
            for name, text in (("Action", row.action), ("Owner", row.owner), ("Due", row.due))
            if _written(text)
        ]
        text = f"{label(row.period)}: {sentence(_written(row.narrative))}"
        if extras:
            text += "\n" + " ".join(extras)
        lines.append(text)
    if not lines:
        return [no_narrative(lead)]
    if str(notes["period"].iloc[0]) != period:
        lines.insert(0, f"Nothing written for {label(period)}; the latest is from an earlier month.")
    return lines


def block_parts(entry: MetricEntry, config: Config, org_code: str, period: str) -> list[tuple[str, str]]:
    """(label, text) pairs for the column beside a chart: definition, source, targets, rules and commentary."""
    metric = entry.metric
    result = entry.result
    parts = [
        ("Definition", f"{sentence(metric.definition)} {direction_sentence(metric.direction)}"),
        ("Source", sentence(metric.source)),
        ("Targets", "\n".join(targets_in_force(config, metric, org_code, entry.value_period or period, entry.series))),
    ]
    if result is not None and result.run_chart_only:
        parts.append(("SPC", f"Run chart only: {result.message}."))
    elif entry.reading is not None:
        rules = present.rules_fired(entry.reading, limit=4)
        text = "\n".join(rules) if rules else "No rule fired: common cause variation only."
        if result is not None and result.message:
            text += f"\nNote: {result.message}."
        parts.append(("Rules fired", text))
    parts.append(("Commentary", "\n".join(commentary_lines(entry, period, config.lead_for(metric)))))
    return parts


def appendix_metric(entry: MetricEntry, config: Config, org_code: str, period: str) -> list[str]:
    """The appendix row of a metric: name with unit and direction, definition, source, targets."""
    metric = entry.metric
    return [
        f"{metric.name}\n({unit_name(metric.unit)}; {direction_sentence(metric.direction).rstrip('.').lower()})",
        metric.definition,
        metric.source,
        "\n".join(targets_in_force(config, metric, org_code, period, entry.series)),
    ]


def profile_text(profile_name: str) -> str:
    """The SPC profile in use, in words, from its settings."""
    profile = spc.PROFILES[profile_name]
    source = {
        "mdc": "NHS England's Making Data Count SPC tool (its SQL query)",
        "ptd": "the NHSRplotthedots R package, version 0.2.2",
    }.get(profile_name, profile_name)
    if profile.screen_outliers:
        screening = "moving ranges of 3.267 × the mean moving range or more are left out of the limits"
        if profile.screen_mean_too:
            screening += ", and so are those points from the mean"
    else:
        screening = "no moving ranges are screened out"
    both = "the improvement is shown" if profile.improvement_wins else "the rule with the higher priority wins"
    on_limit = "counts" if profile.inclusive_assurance else "does not count"
    return (
        f"Profile in use: {profile_name.upper()}, which follows {source}. A chart needs at least "
        f"{profile.min_points} months for limits (with fewer it is a run chart, with no icons); {screening}; a "
        f"target exactly on a process limit {on_limit} as a pass or fail; where a point is flagged both ways "
        f"{both}; a calculation period with fewer than {profile.short_group} points has trial limits."
    )


def method_paragraphs(config: Config, org_code: str) -> list[str]:
    """The appendix's explanation of the SPC method, the profile, roll-ups and this organisation's rebases."""
    method = [
        "Each chart is an XmR (individuals) chart of the monthly values. The centre line is the mean; the process "
        "limits are mean ± 2.66 × the mean moving range (the average absolute change from one month to the next), "
        "about three standard deviations. Points inside the limits with no rule firing are common cause variation: "
        "the process as it is.",
        "Four rules mark special cause variation: (1) a single point outside the process limits; (2) a shift: 7 "
        "points in a row above, or below, the mean; (3) a trend: 7 points in a row all increasing, or all "
        "decreasing; (4) two out of three points in a row beyond two-thirds of the way to a limit (the two-sigma "
        "line), on the same side of the mean. A special cause is an improvement or a concern according to the "
        "direction that is better for the metric, or neither (unusually high or low) when no direction is better.",
        "Assurance compares the target with the process limits: a pass when the whole range between the limits "
        "meets the target, a fail when none of it does, and hit and miss when the target lies between the limits.",
        profile_text(config.app.spc_profile),
        "ICS figures are the ICS's own where loaded, else rolled up from its trusts (or places): percentages as "
        "summed numerators over summed denominators, counts summed, other measures as a weighted mean. A metric is "
        "stale (⚠) when its latest month loaded is older than the pack month; its value and chart are then as of "
        "that earlier month.",
    ]
    rebases = [r for r in config.spc.rebases if r.org in (org_code, "*")]
    ghosts = [g for g in config.spc.ghosts if g.org in (org_code, "*")]
    names = config.metric_by_id
    if rebases or ghosts:
        notes = [
            f"limits recalculated from {label(r.month)} for {names[r.metric].name}: {r.reason.rstrip('.')}"
            for r in rebases
        ]
        notes += [f"{label(g.month)} left out of {names[g.metric].name}: {g.reason.rstrip('.')}" for g in ghosts]
        method.append("For this organisation, " + "; ".join(notes) + ".")
    return method


def uk_time(stamp: str | datetime) -> str:
    """'23 Nov 2025 14:05 GMT' (London time; UTC if the zone database is missing)."""
    moment = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(ZoneInfo(LONDON))
    except (KeyError, ValueError, OSError):
        moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y %H:%M} {moment.tzname() or 'UTC'}"


def long_month(period: str) -> str:
    """'September 2025'."""
    return f"{calendar.month_name[int(period[5:7])]} {period[:4]}"


def _live(uploads: pd.DataFrame) -> pd.DataFrame:
    return uploads if uploads.empty else uploads[uploads["status"] == "live"]


def latest_upload(uploads: pd.DataFrame) -> str | None:
    """When the latest live upload was made, in words."""
    live = _live(uploads)
    return None if live.empty else uk_time(str(live["uploaded_at"].max()))


def pack_file_name(org_code: str, period: str, extension: str = "pdf") -> str:
    """'board-pack-QMF-2025-09.pdf' (or .pptx)."""
    return f"board-pack-{org_code}-{period}.{extension}"
