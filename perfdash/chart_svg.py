"""A perfdash Plotly chart drawn as inline SVG on the server: the Metric page's chart without plotly.js.

It draws the subset of Plotly that `perfdash.spc_chart` uses (scatter lines with gaps, steps and dashes; marker
symbols; arrow and paper annotations; vertical line shapes; a horizontal legend), from the same figure, so the
page, the interactive chart and the board pack's PNG show one chart. Each point carries its hover text as an SVG
<title>, which the browser shows as a tooltip. Pure: no Streamlit. The SVG passes `html_table.sanitised` whole.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from perfdash.periods import label as month_label
from perfdash.theme import FONT, NHS_BLUE, NHS_DARK_GREY, NHS_MID_GREY, NHS_PALE_GREY, WHITE

if TYPE_CHECKING:  # html_table's sanitiser reads this module's vocabulary without loading Plotly
    import plotly.graph_objects as go

# About the width the Metric page gives the chart on a laptop, so its 13 px text shows at about 13 px.
WIDTH = 760
PLOT_HEIGHT = 300  # the plotting area; the title, axes and legend rows are added around it
RIGHT, TOP = 16, 58  # the left margin fits the widest y tick label (_frame)
LEGEND_ROW = 22
CHAR_WIDTH = 7.1  # an average character of 13 px Arial: enough to lay out legend entries and label boxes
TITLE_CHARACTERS = 76  # as many as fit across at 18 px; a longer title (a long organisation name) wraps
DASHES = {"dash": "7 4", "dot": "2 3", "dashdot": "7 3 2 3", "longdash": "12 4"}
# The SVG tags and attributes this module writes: html_table's sanitiser allows exactly these.
SVG_TAGS = frozenset(("svg", "g", "path", "circle", "rect", "text", "title"))
_PAINT = {"fill", "stroke", "stroke-width", "stroke-dasharray", "stroke-linejoin"}
SVG_ATTRIBUTES = {
    "svg": {"viewBox", "width", "font-family", "font-size", "fill", "focusable"},
    "g": {"font-size", "fill"},
    "path": _PAINT | {"d"},
    "circle": _PAINT | {"cx", "cy", "r"},
    "rect": _PAINT | {"x", "y", "width", "height", "rx"},
    "text": {"fill", "x", "y", "text-anchor", "font-size", "transform"},
}
_TAGS = re.compile(r"<[^>]+>")


def plain(text: object) -> str:
    """A Plotly label as plain text: <br> as a new line, other tags dropped, entities decoded."""
    return html.unescape(_TAGS.sub("", re.sub(r"<br\s*/?>", "\n", str(text or ""))))


def _month_number(x: object) -> int:
    """'2025-04' or '2025-04-01' as a count of months, so months are evenly spaced whatever their length."""
    year, month = str(x)[:7].split("-")
    return int(year) * 12 + int(month) - 1


def _period(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def _finite(value: object) -> bool:
    try:
        return value is not None and not isinstance(value, str) and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _values(values: object) -> list:
    """A trace's x or y as a list (Plotly keeps lists as tuples, arrays as arrays, and None for none)."""
    return [] if values is None else list(values)


def nice_step(span: float, count: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `count` ticks over the span."""
    raw = (span or 1.0) / count
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= raw)


def month_step(months: int) -> int:
    """Months between x ticks: every month for a year or less, then 2, 3, 6, 12 or 24 so ten or fewer show."""
    return next(step for step in (1, 2, 3, 6, 12, 24, 48) if months / step <= 10)


@dataclass(frozen=True)
class _Frame:
    """Where data goes on the canvas."""

    first: float
    last: float
    low: float
    high: float
    bottom: float
    ticks: tuple[tuple[float, str], ...]  # the y axis's round values and their labels
    left: float

    def x(self, value: object) -> float:
        span = WIDTH - self.left - RIGHT
        return self.left + (_month_number(value) - self.first) / (self.last - self.first) * span

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * PLOT_HEIGHT

    def paper_x(self, value: float) -> float:
        return self.left + value * (WIDTH - self.left - RIGHT)

    def paper_y(self, value: float) -> float:
        return self.bottom - value * PLOT_HEIGHT


def _attrs(**values: object) -> str:
    """Attributes, escaped; a trailing underscore is dropped and other underscores become hyphens."""
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        text = f"{value:.1f}" if isinstance(value, float) else str(value)
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{html.escape(text)}"')
    return "".join(parts)


def _element(tag: str, content: str = "", **attributes: object) -> str:
    return f"<{tag}{_attrs(**attributes)}>{content}</{tag}>"


def _stroke(line) -> dict[str, object]:
    """A Plotly line's colour, width and dashes as SVG paint."""
    return {
        "stroke": line.color or NHS_DARK_GREY,
        "stroke_width": line.width or 2,
        "stroke_dasharray": DASHES.get(line.dash),
    }


def _title(text: str) -> str:
    return f"<title>{html.escape(text, quote=False)}</title>" if text else ""


def _text(x: float, y: float, text: str, **style: object) -> str:
    return f"<text{_attrs(x=x, y=y, **style)}>{html.escape(text, quote=False)}</text>"


def _hover_texts(trace: go.Scatter) -> list[str]:
    """Each point's hover text as plain text (hovertext, else text, else the month from a hovertemplate)."""
    count = len(_values(trace.x))
    for texts in (trace.hovertext, trace.text):
        if texts is not None and trace.hoverinfo != "skip":
            return [plain(t) for t in texts] if isinstance(texts, list | tuple) else [plain(texts)] * count
    if trace.hovertemplate:
        template = str(trace.hovertemplate).replace("<extra></extra>", "")
        return [plain(template.replace("%{x|%b %Y}", month_label(str(x)[:7]))) for x in _values(trace.x)]
    return [""] * count


def _line_path(trace: go.Scatter, frame: _Frame) -> str:
    """The trace's line as one path: broken at missing values, as steps where its shape is 'hv'."""
    step = trace.line.shape == "hv"
    commands: list[str] = []
    previous: tuple[float, float] | None = None
    for x, y in zip(_values(trace.x), _values(trace.y), strict=True):
        if x is None or not _finite(y):
            previous = None
            continue
        point = (frame.x(x), frame.y(float(y)))
        if previous is None:
            commands.append(f"M{point[0]:.1f} {point[1]:.1f}")
        elif step:
            commands.append(f"H{point[0]:.1f}V{point[1]:.1f}")
        else:
            commands.append(f"L{point[0]:.1f} {point[1]:.1f}")
        previous = point
    return "".join(commands)


def _symbol(symbol: str, x: float, y: float, size: float, fill: str, edge: str, edge_width: float) -> tuple[str, str]:
    """(tag, attributes) of one marker, about the size Plotly draws it, its class naming the symbol."""
    radius = size / 2
    hollow = symbol.endswith("-open")
    paint = _attrs(
        class_=f"pd-{symbol}",
        fill="none" if hollow else fill,
        stroke=fill if hollow else edge,
        stroke_width=edge_width if edge_width else (1.5 if hollow else None),
    )
    if symbol.startswith("circle"):
        return "circle", _attrs(cx=x, cy=y, r=radius) + paint
    r = radius * (1.3 if symbol.startswith("diamond") else 1.0)
    shapes = {
        "diamond": f"M{x:.1f} {y - r:.1f}L{x + r:.1f} {y:.1f}L{x:.1f} {y + r:.1f}L{x - r:.1f} {y:.1f}Z",
        "square": f"M{x - r:.1f} {y - r:.1f}H{x + r:.1f}V{y + r:.1f}H{x - r:.1f}Z",
        "triangle-up": f"M{x:.1f} {y - r * 1.2:.1f}L{x + r:.1f} {y + r * 0.8:.1f}H{x - r:.1f}Z",
        "triangle-down": f"M{x:.1f} {y + r * 1.2:.1f}L{x + r:.1f} {y - r * 0.8:.1f}H{x - r:.1f}Z",
    }
    return "path", _attrs(d=shapes.get(symbol.removesuffix("-open"), shapes["square"])) + paint


def _edge(marker) -> tuple[str | None, float]:
    """A marker's outline colour and width (none: 0)."""
    edge = marker.line.color if marker.line and isinstance(marker.line.color, str) else None
    return edge, (marker.line.width if marker.line and marker.line.width else 0)


def _markers(trace: go.Scatter, frame: _Frame) -> str:
    """One shape per point, each with its hover text as a tooltip."""
    marker = trace.marker
    colours = marker.color if isinstance(marker.color, list | tuple) else None
    edge, edge_width = _edge(marker)
    shapes = []
    for index, (x, y, hover) in enumerate(zip(_values(trace.x), _values(trace.y), _hover_texts(trace), strict=True)):
        if x is None or not _finite(y):
            continue
        fill = colours[index] if colours else (marker.color or NHS_DARK_GREY)
        tag, attributes = _symbol(
            marker.symbol or "circle", frame.x(x), frame.y(float(y)), marker.size or 6, fill, edge, edge_width
        )
        shapes.append(f"<{tag}{attributes}>{_title(hover)}</{tag}>")
    return "".join(shapes)


def _trace(trace: go.Scatter, frame: _Frame) -> str:
    mode = trace.mode or "lines+markers"
    parts = []
    if "lines" in mode:
        path = _line_path(trace, frame)
        if path:
            style = _stroke(trace.line)
            parts.append(
                _element("path", _title(trace.name or ""), d=path, fill="none", stroke_linejoin="round", **style)
            )
    if "markers" in mode:
        parts.append(_markers(trace, frame))
    return f"<g>{''.join(parts)}</g>"


def _y_values(fig: go.Figure) -> list[float]:
    values = [y for trace in fig.data for y in _values(trace.y) if _finite(y)]
    values += [a.y for a in fig.layout.annotations if a.yref in (None, "y") and _finite(a.y)]
    return values


def _frame(fig: go.Figure, bottom: float) -> _Frame:
    months = [_month_number(x) for trace in fig.data for x in _values(trace.x) if x is not None]
    first, last = (min(months), max(months)) if months else (0, 1)
    values = _y_values(fig) or [0.0, 1.0]
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    step = nice_step(high - low)
    marks = [step * n for n in range(math.ceil(low / step), math.floor(high / step) + 1)]
    ticks = tuple((mark, _tick_label(mark, step, fig.layout.yaxis)) for mark in marks)
    # Room for the widest tick label and the rotated axis title beside it.
    left = max(60.0, 34 + max((len(text) for _, text in ticks), default=0) * CHAR_WIDTH)
    # Half a month of room each side, so the first and last points are not cut by the axes; one month is centred.
    room = 0.6 if last > first else 1.0
    return _Frame(first - room, last + room, low, high, bottom, ticks, left)


def _tick_label(value: float, step: float, axis) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else (1 if step % 1 else 0)
    return f"{axis.tickprefix or ''}{value:,.{decimals}f}{axis.ticksuffix or ''}".replace("-", "−")


def _axes(fig: go.Figure, frame: _Frame) -> str:
    """Grid lines and y ticks, the month ticks, both axis lines and the y axis title."""
    right, left = WIDTH - RIGHT, frame.left
    parts = []
    for value, text in frame.ticks:
        y = frame.y(value)
        parts.append(_element("path", d=f"M{left:.1f} {y:.1f}H{right}", stroke=NHS_PALE_GREY))
        parts.append(_text(left - 6, y + 4, text, text_anchor="end"))
    first, last = math.ceil(frame.first + 0.5), math.floor(frame.last - 0.5)  # months with data, not the margins
    every = month_step(last - first + 1)
    for number in range(first, last + 1):
        if number % every:
            continue
        x = frame.x(_period(number))
        parts.append(_element("path", d=f"M{x:.1f} {frame.bottom}v5", stroke=NHS_MID_GREY))
        parts.append(_text(x, frame.bottom + 19, month_label(_period(number)), text_anchor="middle"))
    axis = f"M{left:.1f} {frame.bottom - PLOT_HEIGHT}V{frame.bottom}H{right}"
    parts.append(_element("path", d=axis, fill="none", stroke=NHS_MID_GREY))
    title = plain(fig.layout.yaxis.title.text)
    if title:
        middle = frame.bottom - PLOT_HEIGHT / 2
        parts.append(
            _text(18, middle, title, text_anchor="middle", transform=f"rotate(-90 18 {middle:.1f})", font_size=13)
        )
    return f'<g font-size="13" fill="{NHS_DARK_GREY}">{"".join(parts)}</g>'


def _shortened(text: str, limit: int = 48) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _annotation(note, frame: _Frame) -> str:
    """A label: boxed above its point with a line down to it, or placed on the plot's edge (paper)."""
    full = plain(note.text)
    text = _shortened(full)
    size = (note.font.size if note.font and note.font.size else 12) or 12
    width = len(text) * size * 0.55 + 8
    x = frame.paper_x(note.x) if note.xref == "paper" else frame.x(note.x)
    y = frame.paper_y(note.y) if note.yref == "paper" or not _finite(note.y) else frame.y(note.y)
    if note.showarrow is False:
        anchor = {"left": "start", "right": "end"}.get(note.xanchor, "middle")
        baseline = y - 4 if note.yanchor == "bottom" else y + size / 3
        return f"<g>{_title(full)}{_text(x, baseline, text, text_anchor=anchor, font_size=size)}</g>"
    rise = -(note.ay if _finite(note.ay) else -36)
    top = y - rise - size - 6
    left = min(max(x - width / 2, frame.left), WIDTH - RIGHT - width)
    arrow = _element("path", d=f"M{x:.1f} {top + size + 8:.1f}V{y - 6:.1f}", stroke=NHS_DARK_GREY)
    box = _element("rect", x=left, y=top, width=width, height=size + 8, rx=2, fill=WHITE, stroke=NHS_DARK_GREY)
    return f"<g>{_title(full)}{arrow}{box}{_text(left + 4, top + size + 1, text, font_size=size)}</g>"


def _shape(shape, frame: _Frame) -> str:
    """A vertical line across the plot at a month (the only shape perfdash draws)."""
    if shape.type != "line" or shape.x0 != shape.x1 or shape.xref not in (None, "x"):
        return ""
    x = frame.x(shape.x0)
    return _element("path", d=f"M{x:.1f} {frame.bottom - PLOT_HEIGHT}V{frame.bottom}", **_stroke(shape.line))


def _legend_entries(fig: go.Figure) -> list[go.Scatter]:
    return [trace for trace in fig.data if trace.name and trace.showlegend is not False]


def _legend_layout(entries: Sequence[go.Scatter], start: float) -> list[tuple[go.Scatter, float, int]]:
    """(trace, x, row) of each legend entry, wrapped across the chart's width from `start`."""
    placed, x, row = [], start, 0
    for trace in entries:
        width = 34 + len(trace.name) * CHAR_WIDTH + 18
        if x + width > WIDTH - RIGHT and x > start:
            x, row = start, row + 1
        placed.append((trace, x, row))
        x += width
    return placed


def _swatch(trace: go.Scatter, x: float, y: float) -> str:
    if "markers" in (trace.mode or ""):
        marker = trace.marker
        fill = marker.color if isinstance(marker.color, str) else NHS_DARK_GREY
        size = min(marker.size or 8, 12)
        tag, attributes = _symbol(marker.symbol or "circle", x + 14, y, size, fill, *_edge(marker))
        return f"<{tag}{attributes}></{tag}>"
    return _element("path", d=f"M{x:.1f} {y:.1f}h28", **_stroke(trace.line))


def _legend(placed: Iterable[tuple[go.Scatter, float, int]], top: float) -> str:
    parts = []
    for trace, x, row in placed:
        y = top + row * LEGEND_ROW
        parts.append(f"<g>{_swatch(trace, x, y)}{_text(x + 34, y + 4, trace.name)}</g>")
    return f'<g font-size="13" fill="{NHS_DARK_GREY}">{"".join(parts)}</g>'


def figure_svg(fig: go.Figure, *, description: str = "") -> str:
    """The figure as one <svg> that scales to its container's width, described for screen readers."""
    title = textwrap.wrap(plain(fig.layout.title.text), TITLE_CHARACTERS)[:2]
    bottom = TOP + 22 * max(len(title) - 1, 0) + PLOT_HEIGHT
    frame = _frame(fig, bottom)
    placed = _legend_layout(_legend_entries(fig), frame.left)
    rows = (max(row for _, _, row in placed) + 1) if placed else 0
    height = bottom + 44 + rows * LEGEND_ROW
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    label = description or meta.get("description") or " ".join(title)
    body = [
        _element("rect", x=0, y=0, width=WIDTH, height=height, fill=WHITE),
        *(_text(14, 26 + 22 * line, text, fill=NHS_BLUE, font_size=18) for line, text in enumerate(title)),
        _axes(fig, frame),
        *(_shape(shape, frame) for shape in fig.layout.shapes),
        *(_trace(trace, frame) for trace in fig.data),
        *(_annotation(note, frame) for note in fig.layout.annotations),
        _legend(placed, bottom + 44),
    ]
    size = _attrs(viewBox=f"0 0 {WIDTH} {height}", width="100%", role="img", aria_label=label)
    return (
        f'<svg class="pd-chart"{size} font-family="{FONT}" font-size="13" fill="{NHS_DARK_GREY}" focusable="false">'
        f"{''.join(body)}</svg>"
    )
