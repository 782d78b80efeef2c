"""Plotly SPC and run charts and MDC-style SVG icons for `perfdash.spc` results (no Streamlit here)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import numpy as np
import plotly.graph_objects as go

from perfdash.markup import chart_text
from perfdash.periods import label as month_label
from perfdash.spc import VARIATION_ICONS, XmrResult
from perfdash.theme import (
    COMMON,
    CONCERN,
    FONT,
    IMPROVEMENT,
    NEUTRAL,
    NHS_BLUE,
    NHS_DARK_GREY,
    NHS_MID_GREY,
    NHS_PALE_GREY,
    PLAN,
    TARGET,
    WHITE,
)
from perfdash.vocabulary import (
    GHOSTED,
    NO_DATA,
    RUN_CHART_RULE,
    TOO_FEW_POINTS,
    VARIATION_ICON_DESCRIPTIONS,
    describe_assurance,
    format_value,
    point_type_name,
    rule_text,
    unit_words,
)

POINT_COLOURS = {
    "common_cause": COMMON,
    "special_cause_improvement": IMPROVEMENT,
    "special_cause_concern": CONCERN,
    "special_cause_neutral_high": NEUTRAL,
    "special_cause_neutral_low": NEUTRAL,
}
# Shapes carry the colours' message, so the chart still reads in greyscale or for colour-blind users.
POINT_SYMBOLS = {
    "common_cause": "circle",
    "special_cause_improvement": "diamond",
    "special_cause_concern": "square",
    "special_cause_neutral_high": "triangle-up",
    "special_cause_neutral_low": "triangle-down",
}
GHOST_NAME = GHOSTED


def _finite(values: Sequence[float | None]) -> list[float | None]:
    """Plain floats with None for gaps (NaN makes invalid JSON and Plotly treats None as a break)."""
    return [None if v is None or not math.isfinite(float(v)) else float(v) for v in values]


def _check_lengths(dates: Sequence[str], result: XmrResult, targets: Sequence[float | None] | None) -> None:
    """Dates and targets must line up with the result's points."""
    if len(dates) != len(result.points):
        raise ValueError(f"{len(dates)} dates for {len(result.points)} points")
    if targets is not None and len(targets) not in (0, len(dates)):
        raise ValueError(f"{len(targets)} targets for {len(dates)} points")


def _segments(dates: Sequence[str], values: np.ndarray, period: np.ndarray) -> tuple[list, list]:
    """x and y for a line that breaks (None) where a new period starts, as NHSRplotthedots draws it."""
    xs: list[str | None] = []
    ys: list[float | None] = []
    for k in np.unique(period):
        rows = np.flatnonzero(period == k)
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(dates[i] for i in rows)
        ys.extend(_finite(values[rows]))
    return xs, ys


def _hover(date: str, value: float, unit: str, rule: str, target: float | None, ghosted: bool) -> str:
    """Hover text for one point: month, value, the rule that fired, and the target."""
    lines = [f"<b>{month_label(date)}</b>", f"Value: {format_value(value, unit)}"]
    lines.append("Ghosted: left out of the calculations" if ghosted else f"Rule: {rule_text(rule)}")
    if target is not None:
        lines.append(f"Target: {format_value(target, unit)}")
    return "<br>".join(lines)


def _point_traces(
    fig: go.Figure,
    dates: Sequence[str],
    result: XmrResult,
    unit: str,
    targets: list[float | None],
    *,
    run_chart: bool,
) -> None:
    """The grey joining line, one marker trace per point type, and hollow ghosted points."""
    p = result.points
    values = p["value"].to_numpy(dtype=float)
    fig.add_trace(
        go.Scatter(
            x=list(dates),
            y=_finite(values),
            mode="lines",
            name="Values",
            line={"color": COMMON, "width": 1.5},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    present = ~np.isnan(values)
    ghosted = p["ghosted"].to_numpy(dtype=bool)
    types = p["point_type"].astype(str).to_numpy()
    rules = p["rule"].astype(str).to_numpy()
    if run_chart:
        rules = np.full(len(p), RUN_CHART_RULE, dtype=object)

    def hover(rows: np.ndarray) -> list[str]:
        """Hover texts for some rows."""
        return [_hover(dates[i], values[i], unit, rules[i], targets[i], bool(ghosted[i])) for i in rows]

    for point_type in POINT_COLOURS:
        name = point_type_name(point_type)
        rows = np.flatnonzero(present & ~ghosted & (types == point_type))
        if rows.size == 0:
            continue
        special = point_type != "common_cause"
        fig.add_trace(
            go.Scatter(
                x=[dates[i] for i in rows],
                y=values[rows].tolist(),
                mode="markers",
                name=name,
                marker={
                    "color": POINT_COLOURS[point_type],
                    "symbol": POINT_SYMBOLS[point_type],
                    "size": 11 if special else 8,
                    "line": {"color": WHITE, "width": 1},
                },
                hovertext=hover(rows),
                hoverinfo="text",
                meta={"point_type": point_type},
            )
        )
    rows = np.flatnonzero(present & ghosted)
    if rows.size:
        fig.add_trace(
            go.Scatter(
                x=[dates[i] for i in rows],
                y=values[rows].tolist(),
                mode="markers",
                name=GHOST_NAME,
                marker={"color": NHS_DARK_GREY, "symbol": "circle-open", "size": 9, "line": {"width": 1.5}},
                hovertext=hover(rows),
                hoverinfo="text",
            )
        )


def _target_trace(fig: go.Figure, dates: Sequence[str], targets: list[float | None]) -> None:
    """Target as a red step line that breaks where no target applies."""
    if any(t is not None for t in targets):
        fig.add_trace(
            go.Scatter(
                x=list(dates),
                y=targets,
                mode="lines",
                name="Target",
                line={"color": TARGET, "width": 2, "shape": "hv"},
                connectgaps=False,
                hoverinfo="skip",
            )
        )


def _plan_trace(fig: go.Figure, plans: Sequence[tuple[str, float]], unit: str) -> None:
    """The organisation's plan (trajectory) as a dashed line, months to come included."""
    if plans:
        months, values = zip(*sorted(plans), strict=True)
        fig.add_trace(
            go.Scatter(
                x=list(months),
                y=list(values),
                mode="lines",
                name="Plan",
                line={"color": PLAN, "width": 2, "dash": "dash"},
                connectgaps=False,
                text=[
                    f"Plan for {month_label(m)}: {format_value(v, unit)}" for m, v in zip(months, values, strict=True)
                ],
                hoverinfo="text",
            )
        )


def _annotations(
    fig: go.Figure, dates: Sequence[str], values: np.ndarray, annotations: Sequence[tuple[str, str]]
) -> None:
    """Labelled arrows for annotated months, plus a ring marker so they show in the legend and hover."""
    xs, ys, texts = [], [], []
    for period, text in annotations:
        if period not in dates:
            continue  # the annotation belongs to a month outside this chart's window
        i = list(dates).index(period)
        y = values[i] if math.isfinite(values[i]) else None
        fig.add_annotation(
            x=period,
            y=y if y is not None else 1.0,
            yref="y" if y is not None else "paper",
            text=chart_text(text),
            showarrow=True,
            arrowhead=2,
            arrowcolor=NHS_DARK_GREY,
            ax=0,
            ay=-36,
            font={"size": 11, "color": NHS_DARK_GREY},
            bgcolor="rgba(255,255,255,0.85)",
            bordercolor=NHS_DARK_GREY,
            borderwidth=1,
        )
        if y is not None:
            xs.append(period)
            ys.append(y)
            texts.append(f"<b>{month_label(period)}</b><br>{chart_text(text)}")
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                name="Annotation",
                marker={"color": NHS_BLUE, "symbol": "circle-open", "size": 18, "line": {"width": 2}},
                hovertext=texts,
                hoverinfo="text",
            )
        )


def _rebase_marks(fig: go.Figure, dates: Sequence[str], rebases: Sequence[tuple[str, str]]) -> None:
    """A dotted line where the limits were recalculated, labelled with the reason, so no one reads the step as data."""
    for period, reason in rebases:
        if period not in dates:
            continue
        fig.add_shape(
            type="line",
            x0=period,
            x1=period,
            xref="x",
            y0=0,
            y1=1,
            yref="paper",
            line={"color": NHS_MID_GREY, "width": 1, "dash": "dot"},
        )
        fig.add_annotation(
            x=period,
            y=1,
            xref="x",
            yref="paper",
            yanchor="bottom",
            xanchor="left",
            text=escape(f"Limits recalculated: {reason.rstrip('.')}", quote=False),
            showarrow=False,
            font={"size": 10, "color": NHS_DARK_GREY},
            bgcolor="rgba(255,255,255,0.85)",
        )


def _layout(fig: go.Figure, title: str, unit: str, meta: dict, months: int) -> None:
    """NHS styling: white background, Arial, NHS Blue title, unit on the y axis, one tick per month when few."""
    u = unit_words(unit)
    fig.update_layout(
        title={"text": chart_text(title), "x": 0, "xanchor": "left", "font": {"color": NHS_BLUE, "size": 18}},
        font={"family": FONT, "color": NHS_DARK_GREY, "size": 13},
        plot_bgcolor=WHITE,
        paper_bgcolor=WHITE,
        hovermode="closest",
        hoverlabel={"bgcolor": WHITE, "font": {"family": FONT, "color": NHS_DARK_GREY}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        margin={"l": 60, "r": 20, "t": 70, "b": 60},
        meta=meta,
    )
    fig.update_xaxes(type="date", tickformat="%b %Y", showgrid=False, linecolor=NHS_MID_GREY, ticks="outside")
    if months <= 12:
        # Left to itself Plotly ticks a short span every few days, printing the same month several times.
        fig.update_xaxes(dtick="M1")
    fig.update_yaxes(
        title={"text": u.axis_title},
        tickprefix=u.tick_prefix,
        ticksuffix=u.tick_suffix,
        tickformat=u.tick_format,
        gridcolor=NHS_PALE_GREY,
        zeroline=False,
        linecolor=NHS_MID_GREY,
    )


def _targets(targets: Sequence[float | None] | None, n: int) -> list[float | None]:
    """The target in force each month, None where there is none."""
    return _finite(targets) if targets else [None] * n


def _meta(result: XmrResult, title: str, unit: str, dates: Sequence[str]) -> dict:
    """Figure metadata, including a text alternative for screen readers."""
    usable = result.points["value"].notna() & ~result.points["ghosted"]
    last = result.points.index[usable][-1] if usable.any() else None
    latest = (
        f"latest {month_label(dates[last])}: {format_value(float(result.points['value'].iat[last]), unit)}"
        if last is not None
        else NO_DATA
    )
    description = (
        f"{title}: {latest}. {VARIATION_ICON_DESCRIPTIONS[result.icon]}. {describe_assurance(result.assurance)}."
    )
    if result.run_chart_only:
        description = f"{title}: run chart, {result.message}; {latest}."
    return {
        "variation": result.variation,
        "assurance": result.assurance,
        "icon": result.icon,
        "profile": result.profile,
        "run_chart_only": result.run_chart_only,
        "description": description,
    }


def spc_figure(
    dates: Sequence[str],
    result: XmrResult,
    *,
    title: str,
    unit: str,
    targets: Sequence[float | None] | None = None,
    annotations: Sequence[tuple[str, str]] = (),
    show_near_limits: bool = False,
    rebases: Sequence[tuple[str, str]] = (),
    plans: Sequence[tuple[str, float]] = (),
) -> go.Figure:
    """XmR chart: points, mean, limits (broken at rebases, with the reason), target steps, plan, special causes."""
    _check_lengths(dates, result, targets)
    if result.run_chart_only:
        return run_chart_figure(
            dates, result, title=title, unit=unit, targets=targets, annotations=annotations, plans=plans
        )
    dates = list(dates)
    target_values = _targets(targets, len(dates))
    p = result.points
    period = p["period"].to_numpy()
    fig = go.Figure()
    lines = [
        ("Upper process limit", "upl", {"color": NHS_DARK_GREY, "width": 1.5, "dash": "dash"}),
        ("Lower process limit", "lpl", {"color": NHS_DARK_GREY, "width": 1.5, "dash": "dash"}),
    ]
    if show_near_limits:
        lines += [
            ("Upper 2-sigma line", "near_upl", {"color": NHS_MID_GREY, "width": 1, "dash": "dot"}),
            ("Lower 2-sigma line", "near_lpl", {"color": NHS_MID_GREY, "width": 1, "dash": "dot"}),
        ]
    lines.append(("Mean", "mean", {"color": NHS_DARK_GREY, "width": 2}))
    for name, column, style in lines:
        xs, ys = _segments(dates, p[column].to_numpy(dtype=float), period)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=name,
                line=style,
                connectgaps=False,
                hovertext=[None if y is None else f"{name}: {format_value(y, unit)}" for y in ys],
                hoverinfo="text",
            )
        )
    _target_trace(fig, dates, target_values)
    _plan_trace(fig, plans, unit)
    _point_traces(fig, dates, result, unit, target_values, run_chart=False)
    _annotations(fig, dates, p["value"].to_numpy(dtype=float), annotations)
    _rebase_marks(fig, dates, rebases)
    _layout(fig, title, unit, _meta(result, title, unit, dates), len(dates))
    return fig


def mark_synthetic(fig: go.Figure, dates: Sequence[str], values: Sequence[float], synthetic: Sequence[bool]) -> None:
    """Ring the points that are synthetic demo values, with a legend entry saying so (demo not yet withdrawn)."""
    shown = [(d, v) for d, v, s in zip(dates, values, synthetic, strict=True) if s and v == v]
    if not shown:
        return
    fig.add_trace(
        go.Scatter(
            x=[d for d, _ in shown],
            y=[v for _, v in shown],
            mode="markers",
            name="Synthetic demo value (made up)",
            marker={"symbol": "circle-open", "size": 15, "color": NHS_MID_GREY, "line": {"width": 2}},
            hovertemplate="%{x|%b %Y}: synthetic demo value, not real data<extra></extra>",
        )
    )
    fig.update_layout(meta={**(fig.layout.meta or {}), "synthetic_points": len(shown)})


def run_chart_figure(
    dates: Sequence[str],
    result: XmrResult,
    *,
    title: str,
    unit: str,
    targets: Sequence[float | None] | None = None,
    annotations: Sequence[tuple[str, str]] = (),
    show_near_limits: bool = False,
    rebases: Sequence[tuple[str, str]] = (),
    plans: Sequence[tuple[str, float]] = (),
) -> go.Figure:
    """Run chart for too-short series: points, median, target and plan, no limits or rules."""
    del show_near_limits, rebases  # same signature as spc_figure; a run chart has no limits to recalculate
    _check_lengths(dates, result, targets)
    dates = list(dates)
    target_values = _targets(targets, len(dates))
    p = result.points
    values = p["value"].to_numpy(dtype=float)
    usable = ~np.isnan(values) & ~p["ghosted"].to_numpy(dtype=bool)
    fig = go.Figure()
    if usable.any():
        median = float(np.median(values[usable]))
        fig.add_trace(
            go.Scatter(
                x=[dates[0], dates[-1]],
                y=[median, median],
                mode="lines",
                name="Median",
                line={"color": NHS_DARK_GREY, "width": 2},
                hovertemplate=f"Median: {format_value(median, unit)}<extra></extra>",
            )
        )
    _target_trace(fig, dates, target_values)
    _plan_trace(fig, plans, unit)
    _point_traces(fig, dates, result, unit, target_values, run_chart=True)
    _annotations(fig, dates, values, annotations)
    _layout(fig, title, unit, _meta(result, title, unit, dates), len(dates))
    note = result.message or TOO_FEW_POINTS
    fig.add_annotation(
        text=f"Run chart: {chart_text(note)}",
        xref="paper",
        yref="paper",
        x=0,
        y=1.06,
        xanchor="left",
        showarrow=False,
        font={"size": 12, "color": NHS_DARK_GREY},
    )
    return fig


# --------------------------------------------------------------------------------------------------
# Icons

ICON_COLOURS = {"improvement": IMPROVEMENT, "concern": CONCERN, "neutral": NEUTRAL, "common": COMMON}
ASSURANCE_STYLE = {
    "consistent_pass": (IMPROVEMENT, "P"),
    "consistent_fail": (CONCERN, "F"),
    "inconsistent": (COMMON, "?"),
}
_DOT_X = (22, 31, 40, 50, 60, 69, 78)


def _svg(size: int, description: str, body: str) -> str:
    """Self-contained SVG with a <title> for screen readers."""
    text = escape(description)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{int(size)}" height="{int(size)}" '
        f'viewBox="0 0 100 100" role="img" aria-label="{text}"><title>{text}</title>{body}</svg>'
    )


def _ring(colour: str, dashed: bool = False) -> str:
    """The icon's outer circle."""
    dash = ' stroke-dasharray="8 6"' if dashed else ""
    return f'<circle cx="50" cy="50" r="44" fill="{WHITE}" stroke="{colour}" stroke-width="6"{dash}/>'


def _letter(letter: str, colour: str, x: int, y: int, size: int) -> str:
    """A bold letter, so the icon reads without colour."""
    return (
        f'<text x="{x}" y="{y}" text-anchor="middle" font-family="{FONT}" font-size="{size}" '
        f'font-weight="bold" fill="{colour}">{escape(letter)}</text>'
    )


def _dots(ys: Sequence[int], colours: Sequence[str]) -> str:
    """A short run of joined dots like the MDC icons."""
    points = " ".join(f"{x},{y}" for x, y in zip(_DOT_X, ys, strict=True))
    line = f'<polyline points="{points}" fill="none" stroke="{COMMON}" stroke-width="2"/>'
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="4.5" fill="{c}"/>' for x, y, c in zip(_DOT_X, ys, colours, strict=True)
    )
    return line + dots


def variation_icon_svg(icon_name: str, size: int = 48) -> str:
    """MDC-style variation icon as an SVG string (one of spc.VARIATION_ICONS, or 'none')."""
    if icon_name not in (*VARIATION_ICONS, "none"):
        raise ValueError(f"unknown variation icon {icon_name!r}")
    description = VARIATION_ICON_DESCRIPTIONS[icon_name]
    if icon_name == "none":
        return _svg(size, description, _ring(COMMON, dashed=True))
    if icon_name == "common_cause":
        return _svg(size, description, _ring(COMMON) + _dots([55] * 7, [COMMON] * 7))
    kind, side = icon_name.split("_")
    colour = ICON_COLOURS[kind]
    high = side == "high"
    letter = "H" if high else "L"
    # Grey history, then the last three points moving away in the flagged direction.
    ys = [66, 66, 66, 66, 60, 54, 48] if high else [52, 52, 52, 52, 58, 64, 70]
    arrow = "M66 40 L66 16 M58 24 L66 16 L74 24" if high else "M66 14 L66 38 M58 30 L66 38 L74 30"
    body = (
        _ring(colour)
        + _letter(letter, colour, 40, 40, 30)
        + f'<path d="{arrow}" fill="none" stroke="{colour}" stroke-width="5" stroke-linecap="round"/>'
        + _dots(ys, [COMMON] * 4 + [colour] * 3)
    )
    return _svg(size, description, body)


def assurance_icon_svg(assurance: str | None, size: int = 48) -> str:
    """MDC-style assurance icon: blue P (pass), orange F (fail), grey ? (hit and miss), dashed ring (none)."""
    description = describe_assurance(assurance)  # raises ValueError for an unknown name
    if assurance is None:
        return _svg(size, description, _ring(COMMON, dashed=True))
    colour, letter = ASSURANCE_STYLE[assurance]
    body = (
        _ring(colour)
        + _letter(letter, colour, 50, 66, 48)
        + f'<line x1="24" y1="76" x2="76" y2="76" stroke="{colour}" stroke-width="4" stroke-linecap="round"/>'
    )
    return _svg(size, description, body)
