"""The board pack: one A4-landscape PDF per organisation and month, made on the server. No Streamlit.

Cover, summary table with MDC icons, the variation × assurance matrix, then domain by domain each metric's
SPC chart with its definition, targets, the rules that fired and the analysts' commentary, and an appendix.
Charts are drawn by kaleido in one headless Chromium session with no network: plotly.js from disk, no
MathJax, and every http(s) request (Chromium's own housekeeping: Google accounts, component updates, its
clock) sent to a closed loopback port. fpdf2 lays the PDF out in DejaVu Sans.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import io
import logging
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import kaleido
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from perfdash import board, present, spc, spc_chart, store, theme, vocabulary
from perfdash.config import Config, Metric, Target
from perfdash.periods import label
from perfdash.store import Engine

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian fonts-dejavu-core (scripts/system-deps.sh)
NHS_BLUE = theme.rgb(theme.NHS_BLUE)
NHS_DARK_BLUE = theme.rgb(theme.NHS_DARK_BLUE)
NHS_GREY = theme.rgb(theme.NHS_DARK_GREY)
NHS_PALE_GREY = theme.rgb(theme.NHS_PALE_GREY)
WHITE = theme.rgb(theme.WHITE)
BLACK = theme.rgb(theme.NHS_TEXT)
DEMO_AMBER = theme.rgb(theme.NHS_WARM_YELLOW)

PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 12.0
TOP = 17.0  # below the running header
BOTTOM = 14.0  # above the footer
CONTENT_W = PAGE_W - 2 * MARGIN
CHART_W, CHART_H = 152.0, 68.0  # mm on the page: two metrics fit on a page
CHART_PX = (880, 394)  # the same aspect ratio in CSS pixels, drawn at scale 2
CHART_SCALE = 2
SIDE_X = MARGIN + CHART_W + 4  # the text column beside each chart
SIDE_W = PAGE_W - MARGIN - SIDE_X
SIDE_LABEL_W = 20.0
SIDE_SIZE = 7.0
BLOCK_TITLE_H = 8.0
OFFLINE_PROXY = "127.0.0.1:9"  # a closed loopback port: any http(s) request from Chromium fails at once
LONDON = "Europe/London"
log = logging.getLogger("perfdash")
CHROMIUM_HELP = "install it with `apt-get install chromium` (or `make run`, which runs scripts/system-deps.sh)"


class BoardPackError(RuntimeError):
    """A board pack cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class MetricEntry:
    """One metric in the pack as of the pack month: latest value, target, met, SPC reading and commentary."""

    metric: Metric
    series: pd.DataFrame = field(repr=False)
    value: float | None = None
    value_period: str | None = None
    target: Target | None = None
    met: bool | None = None
    reading: board.SpcReading | None = None
    latest_loaded: str | None = None
    stale: bool = False
    commentary: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def has_data(self) -> bool:
        """Whether there is a value up to the pack month (only these get a chart)."""
        return self.value_period is not None

    @property
    def result(self) -> spc.XmrResult | None:
        """The SPC result, if there is one."""
        return None if self.reading is None else self.reading.result

    def reading_text(self) -> str:
        """The SPC reading in words, as on the overview."""
        if not self.has_data:
            return "no data"
        result = self.result
        if result is None:
            return vocabulary.reading_text(None, None)
        return vocabulary.reading_text(result.variation, result.assurance, result.message)


@dataclass(frozen=True)
class BoardPack:
    """The PDF and what went into it (the tests check the PDF against this)."""

    pdf: bytes
    org_code: str
    period: str
    pages: int
    summary: tuple[str, ...]  # metric ids in the summary table, in order
    charted: tuple[str, ...]  # metric ids with a chart, in order
    file_name: str


# --------------------------------------------------------------------------------------------------
# Choosing what goes in


def org_name(config: Config, org_code: str) -> str:
    """The organisation's full name; BoardPackError for a code that is not the ICS, a trust or a place."""
    if org_code == config.system.code:
        return config.system.name
    for org in config.organisations:
        if org.code == org_code:
            return org.name
    for place in config.places:
        if place.code == org_code:
            return place.name
    choices = ", ".join(board.org_choices(config))
    raise BoardPackError(f"Unknown organisation {org_code!r}: use one of {choices}.")


def _series_by_metric(current: pd.DataFrame, config: Config, org_code: str) -> list[tuple[Metric, pd.DataFrame]]:
    """Every metric that applies to the organisation with its whole series (the ICS rolled up)."""
    return [
        (metric, board.series(current, config, metric, org_code))
        for metric in config.metrics
        if board.applies(config, metric, org_code)
    ]


def pack_period(current: pd.DataFrame, config: Config, org_code: str, period: str | None = None) -> str:
    """The pack month: as asked if the organisation has data in it, else the latest month with data."""
    org_name(config, org_code)
    months = sorted({str(p) for _, values in _series_by_metric(current, config, org_code) for p in values["period"]})
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


def _entry(
    metric: Metric, values: pd.DataFrame, commentary: pd.DataFrame, config: Config, org_code: str, period: str
) -> MetricEntry:
    """A metric as of the pack month: its latest value up to that month and everything judged on it."""
    latest_loaded = None if values.empty else str(values["period"].max())
    notes = commentary[
        (commentary["metric_id"] == metric.id) & (commentary["org_code"] == org_code) & (commentary["period"] <= period)
    ].sort_values("period")
    upto = values[values["period"] <= period]
    if upto.empty:
        target = metric.target_for(period, org_code)
        return MetricEntry(metric, upto, target=target, latest_loaded=latest_loaded, stale=True, commentary=notes)
    value_period = str(upto["period"].iloc[-1])
    value = float(upto["value"].iloc[-1])
    target = metric.target_for(value_period, org_code)
    return MetricEntry(
        metric,
        upto,
        value=value,
        value_period=value_period,
        target=target,
        met=board.met(metric, value, target),
        reading=board.spc_reading(config, metric, org_code, upto),
        latest_loaded=latest_loaded,
        # Stale: the latest month loaded for the metric is older than the pack month.
        stale=value_period < period,
        commentary=notes,
    )


def collect(
    current: pd.DataFrame, commentary: pd.DataFrame, config: Config, org_code: str, period: str
) -> list[MetricEntry]:
    """Every metric that applies to the organisation, as of the pack month, in registry order."""
    return [
        _entry(metric, values, commentary, config, org_code, period)
        for metric, values in _series_by_metric(current, config, org_code)
    ]


def summary_table(entries: list[MetricEntry]) -> pd.DataFrame:
    """The columns present.summary_matrix needs (metric_id, variation, assurance) plus the name."""
    rows = [
        {
            "metric_id": e.metric.id,
            "metric": e.metric.name,
            "variation": None if e.result is None else e.result.variation,
            "assurance": None if e.result is None else e.result.assurance,
        }
        for e in entries
    ]
    return pd.DataFrame(rows, columns=["metric_id", "metric", "variation", "assurance"])


# --------------------------------------------------------------------------------------------------
# Words


def target_text(metric: Metric, target: Target | None) -> str:
    """'≥ 78.0%' for a higher-is-better target, '≤ 10.0%' for lower, 'no target' when none is in force."""
    return vocabulary.target_text(metric.direction, None if target is None else target.value, metric.unit)


def targets_in_force(metric: Metric, org_code: str, period: str) -> list[str]:
    """Each target in force in the month, the one the board is held to first."""
    held = metric.target_for(period, org_code)
    lines = []
    for target in sorted(metric.targets_for(period, org_code), key=lambda t: t is not held):
        span = f"from {label(target.from_month)}" + (f" to {label(target.to_month)}" if target.to_month else "")
        text = f"{'Board target' if target is held else 'Also'}: {target_text(metric, target)} ({target.kind}, {span})."
        if target.note:
            text += f" {target.note.rstrip('.')}."
        lines.append(text)
    if not lines:
        reason = metric.no_target_reason.strip() or f"no target is in force in {label(period)}."
        lines.append(f"None. {reason[0].upper()}{reason[1:]}")
    return lines


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def commentary_lines(entry: MetricEntry, period: str, limit: int = 1) -> list[str]:
    """The latest commentary up to the pack month: narrative, then action, owner and due date."""
    notes = entry.commentary.sort_values("period", ascending=False).head(limit)
    lines = []
    for row in notes.itertuples():
        extras = [
            f"Action: {_sentence(str(row.action))}" if str(row.action).strip() else "",
            f"Owner: {_sentence(str(row.owner))}" if str(row.owner).strip() else "",
            f"Due: {_sentence(str(row.due))}" if str(row.due).strip() else "",
        ]
        text = f"{label(row.period)}: {_sentence(str(row.narrative))}"
        if any(extras):
            text += "\n" + " ".join(e for e in extras if e)
        lines.append(text)
    if not lines:
        return [f"None up to {label(period)}."]
    if str(notes["period"].iloc[0]) != period:
        lines.insert(0, f"None for {label(period)}; the latest is from an earlier month.")
    return lines


def _uk_time(stamp: str | datetime) -> str:
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
    return None if live.empty else _uk_time(str(live["uploaded_at"].max()))


def is_demo(uploads: pd.DataFrame, config: Config) -> bool:
    """Whether the synthetic demo data is loaded (a live upload carries the demo label as its note)."""
    live = _live(uploads)
    return not live.empty and bool((live["note"] == config.app.demo_label).any())


def pack_file_name(org_code: str, period: str) -> str:
    """'board-pack-QMF-2025-09.pdf'."""
    return f"board-pack-{org_code}-{period}.pdf"


# --------------------------------------------------------------------------------------------------
# Charts: kaleido in one Chromium session


def chromium_path() -> str:
    """The Chromium kaleido will use (BROWSER_PATH, else PATH and the usual places); BoardPackError if none."""
    from choreographer.browsers.chromium import Chromium

    explicit = os.environ.get("BROWSER_PATH")
    path = explicit or Chromium.find_browser(skip_local=False)
    if not path or not Path(path).is_file() or not os.access(path, os.X_OK):
        where = f" (BROWSER_PATH={explicit} is not a program)" if explicit else ""
        raise BoardPackError(f"Chromium is needed to draw the charts{where}: {CHROMIUM_HELP}.")
    return str(path)


def chart_page() -> kaleido.PageGenerator:
    """kaleido's page with plotly.js from the installed package and MathJax off: nothing from a CDN."""
    return kaleido.PageGenerator(mathjax=False)


class _OneTab(kaleido.Kaleido):
    """kaleido without its page reload after every figure (a private hook of the pinned kaleido 1.5)."""

    # The reload re-parses 4.6 MB of plotly.js each time: about 0.5 s a chart instead of 0.12 s, which put the
    # ICS pack over 30 s. Each render replaces the previous plot (a test checks that a chart drawn after others
    # is byte-identical to one drawn on a fresh page); if kaleido renames the hook this falls back to reloading.
    async def _return_kaleido_tab(self, tab: object) -> None:
        await self.tabs_ready.put(tab)


def render_charts(
    figures: Sequence[go.Figure],
    *,
    width: int = CHART_PX[0],
    height: int = CHART_PX[1],
    scale: float = CHART_SCALE,
    proxy_server: str = OFFLINE_PROXY,
) -> list[bytes]:
    """PNG bytes of each Plotly figure, drawn one after another by a single headless Chromium."""
    if not figures:
        return []
    browser = chromium_path()
    opts = {"format": "png", "width": width, "height": height, "scale": scale}

    async def draw() -> list[bytes]:
        # One tab, in order: on two cores a second tab was no faster.
        k = _OneTab(n=1, page_generator=chart_page(), path=browser, proxy_server=proxy_server)
        try:
            await k.open()
            return [await k.calc_fig(figure, opts) for figure in figures]
        finally:
            # Close after a failed start too (`async with` would not): otherwise choreographer's non-daemon
            # thread reading Chromium's log pipe waits for ever and the process cannot exit.
            with contextlib.suppress(Exception):
                await k.close()

    # A thread of its own gives the browser its own event loop, also inside Streamlit's script thread.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="boardpack-charts") as pool:
        try:
            return pool.submit(asyncio.run, draw()).result()
        except Exception as error:  # choreographer and kaleido raise many kinds; each means "no charts"
            detail = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
            raise BoardPackError(
                f"Chromium ({browser}) could not draw the charts: {detail.rstrip('.')}. "
                f"Check that it starts, or reinstall it: {CHROMIUM_HELP}."
            ) from error


def _short(text: str, length: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def chart_figure(entry: MetricEntry, config: Config, org_code: str) -> go.Figure:
    """The SPC chart (a run chart with too few points) as on the Metric page, sized for the page."""
    reading = entry.reading
    if reading is None:
        raise ValueError(f"{entry.metric.id} has no data to chart")
    targets = board.target_series(entry.metric, org_code, reading.periods)
    # The full commentary sits beside the chart; on it a short label keeps the axes from stretching to fit.
    annotations = [
        (row.period, _short(row.narrative)) for row in entry.commentary.itertuples() if row.period in reading.periods
    ]
    title = f"{entry.metric.name}, {config.org_names.get(org_code, org_code)}"
    rebases = [(r.month, r.reason) for r in config.spc.rebase_months(entry.metric.id, org_code)]
    figure = spc_chart.spc_figure(
        reading.periods,
        reading.result,
        title=title,
        unit=entry.metric.unit,
        targets=targets,
        annotations=annotations,
        rebases=rebases,
    )
    # The block's title bar names the metric, so the chart gives its title's room to the plot.
    top = 34 if reading.result.run_chart_only or annotations else 14
    figure.update_layout(title=None, margin={"t": top, "l": 60, "r": 16, "b": 56}, width=CHART_PX[0])
    return figure


# --------------------------------------------------------------------------------------------------
# Icons: the app's own MDC SVGs (letters H/L/P/F/? and arrows, so they read in greyscale), drawn as vectors


def _svg(svg: str) -> io.BytesIO:
    # fpdf2 skips <title> with a warning; the PDF carries the description as the image's alt text instead.
    return io.BytesIO(re.sub(r"<title>.*?</title>", "", svg).encode("utf-8"))


def draw_variation_icon(pdf: FPDF, cx: float, cy: float, icon: str | None, d: float = 6.0) -> None:
    """The MDC variation icon centred at (cx, cy); a dashed ring when there is no reading."""
    name = icon or "none"
    svg = _svg(spc_chart.variation_icon_svg(name))
    pdf.image(svg, x=cx - d / 2, y=cy - d / 2, w=d, h=d, alt_text=vocabulary.VARIATION_ICON_DESCRIPTIONS[name])


def draw_assurance_icon(pdf: FPDF, cx: float, cy: float, assurance: str | None, d: float = 6.0) -> None:
    """The MDC assurance icon centred at (cx, cy); a dashed ring when there is none."""
    value = None if assurance is None or (isinstance(assurance, float) and np.isnan(assurance)) else assurance
    svg = _svg(spc_chart.assurance_icon_svg(value))
    pdf.image(svg, x=cx - d / 2, y=cy - d / 2, w=d, h=d, alt_text=vocabulary.ASSURANCE_DESCRIPTIONS[value])


def _variation_icon(entry: MetricEntry) -> str | None:
    result = entry.result
    return present.variation_icon_name(None if result is None else result.variation, entry.metric.direction)


# --------------------------------------------------------------------------------------------------
# The document


class _Pack(FPDF):
    """FPDF with the pack's running header and footer and a few layout helpers."""

    def __init__(self, title: str, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.pack_title = title
        self.footer_text = footer_text
        self.section = ""
        self.contents: list[tuple[str, int]] = []  # (section, page) for the cover's contents list
        self.contents_y = 0.0
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.alias_nb_pages()
        self.c_margin = 1.2

    def header(self) -> None:
        """NHS-blue rule with the pack title and section (not on the cover)."""
        if self.page_no() == 1:
            return
        self.set_fill_color(*NHS_BLUE)
        self.rect(0, 0, PAGE_W, 2.2, style="F")
        self.set_font("DejaVu", "B", 8)
        self.set_text_color(*NHS_DARK_BLUE)
        self.set_xy(MARGIN, 5)
        self.cell(CONTENT_W / 2, 5, self.pack_title)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*NHS_GREY)
        self.set_xy(MARGIN + CONTENT_W / 2, 5)
        self.cell(CONTENT_W / 2, 5, self.section, align="R")
        self.set_draw_color(*NHS_PALE_GREY)
        self.set_line_width(0.3)
        self.line(MARGIN, 11.5, PAGE_W - MARGIN, 11.5)
        self.set_text_color(*BLACK)
        self.set_y(TOP)

    def footer(self) -> None:
        """Data as-of date on the left, 'Page n of N' on the right."""
        self.set_y(PAGE_H - 10)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*NHS_GREY)
        self.set_x(MARGIN)
        self.cell(CONTENT_W * 0.8, 5, self.footer_text)
        self.set_x(MARGIN + CONTENT_W * 0.8)
        self.cell(CONTENT_W * 0.2, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*BLACK)

    def begin(self, section: str, entry: str | None = None) -> None:
        """Start a section on a new page: running header, PDF bookmark and a line in the contents."""
        self.section = section
        self.add_page()
        self.start_section(entry or section)
        self.contents.append((entry or section, self.page))

    def space_left(self) -> float:
        """Millimetres left above the footer on this page."""
        return PAGE_H - BOTTOM - self.get_y()

    def heading(self, text: str, size: float = 15) -> None:
        """A section heading in NHS dark blue."""
        self.set_font("DejaVu", "B", size)
        self.set_text_color(*NHS_DARK_BLUE)
        self.set_x(MARGIN)
        self.multi_cell(CONTENT_W, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*BLACK)
        self.ln(1.5)

    def para(
        self,
        text: str,
        size: float = 9,
        *,
        width: float = CONTENT_W,
        x: float | None = None,
        bold: bool = False,
        colour: tuple[int, int, int] = BLACK,
    ) -> None:
        """A left-aligned paragraph that wraps, leaving the cursor at the left margin below it."""
        self.set_font("DejaVu", "B" if bold else "", size)
        self.set_text_color(*colour)
        self.set_x(MARGIN if x is None else x)
        self.multi_cell(width, size * 0.48, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*BLACK)

    def text_height(self, text: str, width: float, size: float, bold: bool = False) -> float:
        """Height a paragraph would take."""
        self.set_font("DejaVu", "B" if bold else "", size)
        lines = self.multi_cell(width, size * 0.48, text, align="L", dry_run=True, output="LINES")
        return len(lines) * size * 0.48


def _load_fonts(pdf: FPDF) -> None:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.is_file() or not bold.is_file():
        raise BoardPackError(
            f"DejaVu Sans is needed for the board pack ({regular} not found): install it with "
            "`apt-get install fonts-dejavu-core` (scripts/system-deps.sh does this)."
        )
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))


def _row(pdf: _Pack, texts: list[str], widths: list[float], aligns: list[str], *, size: float, shade: bool) -> float:
    """Draw one table row as tall as its tallest cell; return its top y (the cursor ends below it)."""
    line = size * 0.48
    inner = [w - 2 * pdf.c_margin for w in widths]
    heights = [pdf.text_height(t, w, size) if t else line for t, w in zip(texts, inner, strict=True)]
    height = max(max(heights) + 2.4, 7.0)
    top = pdf.get_y()
    if shade:
        pdf.set_fill_color(*NHS_PALE_GREY)
        pdf.rect(MARGIN, top, sum(widths), height, style="F")
    x = MARGIN
    pdf.set_font("DejaVu", "", size)
    for text, width, align, h in zip(texts, inner, aligns, heights, strict=True):
        if text:
            pdf.set_xy(x + pdf.c_margin, top + (height - h) / 2)
            pdf.multi_cell(width, line, text, align=align)
        x += width + 2 * pdf.c_margin
    pdf.set_draw_color(*NHS_PALE_GREY)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, top + height, MARGIN + sum(widths), top + height)
    pdf.set_xy(MARGIN, top + height)
    return top


def _table_header(pdf: _Pack, columns: Sequence[tuple[str, float, str]]) -> None:
    pdf.set_font("DejaVu", "B", 7.5)
    pdf.set_fill_color(*NHS_BLUE)
    pdf.set_text_color(*WHITE)
    pdf.set_x(MARGIN)
    for heading, width, align in columns:
        pdf.cell(width, 6.5, heading, fill=True, align=align)
    pdf.ln(6.5)
    pdf.set_text_color(*BLACK)


# (heading, width mm, alignment); the widths add up to CONTENT_W.
SUMMARY_COLUMNS = [
    ("Metric", 78.0, "L"),
    ("Latest", 24.0, "R"),
    ("Target", 25.0, "R"),
    ("Met", 21.0, "L"),
    ("Variation", 16.0, "C"),
    ("Assurance", 17.0, "C"),
    ("SPC reading", 62.0, "L"),
    ("Data to", 30.0, "L"),
]


def _data_to(entry: MetricEntry) -> str:
    if entry.value_period is None:
        return "⚠ no data"
    return f"⚠ {label(entry.value_period)} stale" if entry.stale else label(entry.value_period)


def _met_text(entry: MetricEntry) -> str:
    if entry.value is None:
        return "–"
    return vocabulary.met_label(entry.met) if entry.target is not None else f"– {vocabulary.NO_TARGET}"


def _summary_pages(pdf: _Pack, entries: list[MetricEntry], config: Config, period: str) -> None:
    pdf.begin("Summary of standards")
    pdf.heading(f"Summary of standards, {label(period)}")
    pdf.para(
        "Each metric's latest value up to the pack month against the target the board is held to; met is judged on "
        "that value. The variation and assurance icons follow Making Data Count (key in the appendix) and the SPC "
        "reading says the same in words. ⚠ marks a metric whose latest month loaded is older than the pack month.",
        8,
        colour=NHS_GREY,
    )
    pdf.ln(1.5)
    _table_header(pdf, SUMMARY_COLUMNS)
    widths = [w for _, w, _ in SUMMARY_COLUMNS]
    aligns = [a for _, _, a in SUMMARY_COLUMNS]
    variation_x = MARGIN + sum(widths[:4]) + widths[4] / 2
    assurance_x = MARGIN + sum(widths[:5]) + widths[5] / 2
    shade = False
    for domain in config.domains:
        rows = [e for e in entries if e.metric.domain == domain.id]
        if not rows:
            continue
        if pdf.space_left() < 16:
            pdf.add_page()
            _table_header(pdf, SUMMARY_COLUMNS)
        pdf.set_font("DejaVu", "B", 8)
        pdf.set_text_color(*NHS_DARK_BLUE)
        pdf.set_x(MARGIN)
        pdf.cell(CONTENT_W, 6, domain.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*BLACK)
        for entry in rows:
            if pdf.space_left() < 10:
                pdf.add_page()
                _table_header(pdf, SUMMARY_COLUMNS)
            metric = entry.metric
            texts = [
                metric.name,
                vocabulary.format_value(entry.value, metric.unit),
                target_text(metric, entry.target),
                _met_text(entry),
                "",
                "",
                entry.reading_text(),
                _data_to(entry),
            ]
            top = _row(pdf, texts, widths, aligns, size=7.5, shade=shade)
            middle = (top + pdf.get_y()) / 2
            bottom = pdf.get_y()
            draw_variation_icon(pdf, variation_x, middle, _variation_icon(entry))
            draw_assurance_icon(pdf, assurance_x, middle, None if entry.result is None else entry.result.assurance)
            pdf.set_xy(MARGIN, bottom)
            shade = not shade


# One example icon per matrix row.
ROW_ICONS = {
    "improvement": "improvement_high",
    "common_cause": "common_cause",
    "concern": "concern_low",
    "neutral": "neutral_high",
    "none": None,
}


def _matrix_page(pdf: _Pack, entries: list[MetricEntry], period: str) -> None:
    table = summary_table(entries)
    cells = present.summary_matrix(table)
    names = dict(zip(table["metric_id"], table["metric"], strict=True))
    pdf.begin("Variation and assurance matrix")
    pdf.heading(f"Variation and assurance, {label(period)}")
    pdf.para(
        "Each metric sits in one cell: its SPC variation (rows) against the assurance that it will meet its target "
        "(columns). The large number is the count of metrics in the cell.",
        8,
        colour=NHS_GREY,
    )
    pdf.ln(2)
    first = 56.0
    other = (CONTENT_W - first) / len(vocabulary.ASSURANCE_COLUMNS)
    header_h = 12.0
    top = pdf.get_y()
    pdf.set_fill_color(*NHS_BLUE)
    pdf.rect(MARGIN, top, CONTENT_W, header_h, style="F")
    pdf.set_text_color(*WHITE)
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_xy(MARGIN + 2, top + 3.5)
    pdf.cell(first - 4, 5, "Variation \\ Assurance")
    x = MARGIN + first
    for key, text in vocabulary.ASSURANCE_COLUMNS:
        offset = 2.0
        if key != "none":
            draw_assurance_icon(pdf, x + 5.5, top + header_h / 2, key, d=7)
            offset = 11.0
        pdf.set_text_color(*WHITE)
        pdf.set_font("DejaVu", "B", 8)
        lines = pdf.text_height(text, other - offset - 2, 8, bold=True)
        pdf.set_xy(x + offset, top + (header_h - lines) / 2)
        pdf.multi_cell(other - offset - 2, 8 * 0.48, text, align="L")
        x += other
    pdf.set_text_color(*BLACK)
    y = top + header_h
    line = 7 * 0.48
    for row_key, row_text in vocabulary.VARIATION_ROWS:
        texts = [
            "\n".join(f"• {names[i]}" for i in cells[(row_key, column)]) for column, _ in vocabulary.ASSURANCE_COLUMNS
        ]
        needed = max(pdf.text_height(t, other - 4, 7) if t else 0.0 for t in texts)
        height = max(needed + 10, pdf.text_height(row_text, first - 14, 8, bold=True) + 6, 15)
        if y + height > PAGE_H - BOTTOM:
            pdf.add_page()
            y = pdf.get_y()
        pdf.set_fill_color(*NHS_PALE_GREY)
        pdf.rect(MARGIN, y, first, height, style="F")
        pdf.set_draw_color(*NHS_GREY)
        pdf.set_line_width(0.2)
        pdf.rect(MARGIN, y, CONTENT_W, height)
        draw_variation_icon(pdf, MARGIN + 6, y + 6, ROW_ICONS[row_key], d=7)
        pdf.set_font("DejaVu", "B", 8)
        pdf.set_xy(MARGIN + 12, y + 2.5)
        pdf.multi_cell(first - 14, 4, row_text, align="L")
        x = MARGIN + first
        for (column, _), text in zip(vocabulary.ASSURANCE_COLUMNS, texts, strict=True):
            count = len(cells[(row_key, column)])
            pdf.line(x, y, x, y + height)
            pdf.set_font("DejaVu", "B", 12)
            pdf.set_text_color(*(NHS_DARK_BLUE if count else NHS_GREY))
            pdf.set_xy(x + 2, y + 1.5)
            pdf.cell(other - 4, 6, str(count))
            pdf.set_text_color(*BLACK)
            if text:
                pdf.set_font("DejaVu", "", 7)
                pdf.set_xy(x + 2, y + 8)
                pdf.multi_cell(other - 4, line, text, align="L")
            x += other
        y += height
    pdf.set_xy(MARGIN, y + 3)
    pdf.para(
        "Row icons show one example of each kind: improvement, concern and neither can be high (H) or low (L), "
        "depending on which way is better for the metric.",
        7.5,
        colour=NHS_GREY,
    )


def _block_parts(entry: MetricEntry, org_code: str, period: str) -> list[tuple[str, str]]:
    """(label, text) pairs for the column beside a chart."""
    metric = entry.metric
    result = entry.result
    parts = [
        ("Definition", f"{_sentence(metric.definition)} {vocabulary.direction_sentence(metric.direction)}"),
        ("Source", _sentence(metric.source)),
        ("Targets", "\n".join(targets_in_force(metric, org_code, entry.value_period or period))),
    ]
    if result is not None and result.run_chart_only:
        parts.append(("SPC", f"Run chart only: {result.message}."))
    elif entry.reading is not None:
        rules = present.rules_fired(entry.reading, limit=4)
        text = "\n".join(rules) if rules else "None: common cause variation only."
        if result is not None and result.message:
            text += f"\nNote: {result.message}."
        parts.append(("Rules fired", text))
    parts.append(("Commentary", "\n".join(commentary_lines(entry, period))))
    return parts


def _side_height(pdf: _Pack, parts: list[tuple[str, str]]) -> float:
    width = SIDE_W - SIDE_LABEL_W
    return sum(pdf.text_height(text, width, SIDE_SIZE) + 1.4 for _, text in parts)


def _metric_block(pdf: _Pack, entry: MetricEntry, png: bytes, org_code: str, period: str) -> None:
    """Title bar, chart on the left, definition, targets, rules and commentary on the right."""
    metric = entry.metric
    parts = _block_parts(entry, org_code, period)
    height = BLOCK_TITLE_H + max(CHART_H, _side_height(pdf, parts)) + 3
    if height > pdf.space_left():
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_fill_color(*NHS_PALE_GREY)
    pdf.rect(MARGIN, top, CONTENT_W, BLOCK_TITLE_H - 1, style="F")
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.set_xy(MARGIN + 1.5, top + 0.5)
    name_w = min(pdf.get_string_width(metric.name) + 4, CONTENT_W * 0.5)
    pdf.cell(name_w, 6, metric.name)
    pdf.set_text_color(*BLACK)
    stale = " ⚠ stale" if entry.stale else ""
    summary = (
        f"{label(entry.value_period or period)}{stale}: {vocabulary.format_value(entry.value, metric.unit)}   "
        f"Target {target_text(metric, entry.target)}   {_met_text(entry)}   {entry.reading_text()}"
    )
    pdf.set_font("DejaVu", "", 8)
    pdf.set_xy(MARGIN + name_w, top + 0.5)
    pdf.cell(CONTENT_W - name_w - 17, 6, summary, align="R")
    draw_variation_icon(pdf, PAGE_W - MARGIN - 11, top + 3.5, _variation_icon(entry))
    draw_assurance_icon(pdf, PAGE_W - MARGIN - 4, top + 3.5, None if entry.result is None else entry.result.assurance)
    body = top + BLOCK_TITLE_H
    kind = "Run" if entry.result is not None and entry.result.run_chart_only else "SPC"
    alt = (
        f"{kind} chart of {metric.name} for {org_code}: {vocabulary.format_value(entry.value, metric.unit)} in "
        f"{label(entry.value_period or period)}; {entry.reading_text()}"
    )
    pdf.image(io.BytesIO(png), x=MARGIN, y=body, w=CHART_W, h=CHART_H, alt_text=alt)
    y, page = body, pdf.page
    for heading, text in parts:
        pdf.set_xy(SIDE_X, y)
        pdf.set_font("DejaVu", "B", SIDE_SIZE)
        pdf.set_text_color(*NHS_DARK_BLUE)
        pdf.cell(SIDE_LABEL_W, SIDE_SIZE * 0.48, heading)
        pdf.set_text_color(*BLACK)
        pdf.set_font("DejaVu", "", SIDE_SIZE)
        pdf.set_xy(SIDE_X + SIDE_LABEL_W, y)
        pdf.multi_cell(SIDE_W - SIDE_LABEL_W, SIDE_SIZE * 0.48, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        # A very long commentary may run onto the next page; carry on from wherever the text ended.
        y = pdf.get_y() + 1.4
    pdf.set_xy(MARGIN, (max(y, body + CHART_H) if pdf.page == page else y) + 3)


def _domain_pages(
    pdf: _Pack, entries: list[MetricEntry], charts: dict[str, bytes], config: Config, org_code: str, period: str
) -> None:
    for domain in config.domains:
        shown = [e for e in entries if e.metric.domain == domain.id and e.metric.id in charts]
        if not shown:
            continue
        pdf.begin(domain.name)
        pdf.heading(domain.name, 13)
        for entry in shown:
            _metric_block(pdf, entry, charts[entry.metric.id], org_code, period)


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


APPENDIX_COLUMNS = [("Metric", 52.0, "L"), ("Definition", 92.0, "L"), ("Source", 58.0, "L"), ("Targets", 71.0, "L")]


def _appendix(pdf: _Pack, entries: list[MetricEntry], config: Config, org_code: str, period: str) -> None:
    pdf.begin("Appendix", "Appendix: definitions, sources and targets")
    pdf.heading("Appendix: definitions, sources and targets")
    _table_header(pdf, APPENDIX_COLUMNS)
    widths = [w for _, w, _ in APPENDIX_COLUMNS]
    for index, entry in enumerate(entries):
        metric = entry.metric
        texts = [
            f"{metric.name}\n({vocabulary.unit_name(metric.unit)}; {vocabulary.DIRECTION_WORDS[metric.direction]})",
            metric.definition,
            metric.source,
            "\n".join(targets_in_force(metric, org_code, period)),
        ]
        needed = max(pdf.text_height(t, w - 2 * pdf.c_margin, 7) for t, w in zip(texts, widths, strict=True)) + 2.4
        if needed > pdf.space_left():
            pdf.add_page()
            _table_header(pdf, APPENDIX_COLUMNS)
        _row(pdf, texts, widths, ["L"] * 4, size=7, shade=index % 2 == 1)

    pdf.begin("Appendix", "Appendix: the SPC method and icons")
    pdf.heading("Appendix: how the SPC charts and icons work")
    rebases = [r for r in config.spc.rebases if r.org in (org_code, "*")]
    ghosts = [g for g in config.spc.ghosts if g.org in (org_code, "*")]
    names = config.metric_by_id
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
    if rebases or ghosts:
        notes = [
            f"limits recalculated from {label(r.month)} for {names[r.metric].name}: {r.reason.rstrip('.')}"
            for r in rebases
        ]
        notes += [f"{label(g.month)} left out of {names[g.metric].name}: {g.reason.rstrip('.')}" for g in ghosts]
        method.append("For this organisation, " + "; ".join(notes) + ".")
    for text in method:
        pdf.para(text, 8.5)
        pdf.ln(1.2)
    pdf.ln(1.5)
    rows = len(spc.VARIATION_ICONS) + 1
    if pdf.space_left() < 8 + rows * 7.5:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.cell(CONTENT_W / 2, 6, "Variation icons")
    pdf.cell(CONTENT_W / 2, 6, "Assurance icons", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*BLACK)
    top = pdf.get_y() + 1
    for index, name in enumerate([*spc.VARIATION_ICONS, "none"]):
        y = top + index * 7.5
        draw_variation_icon(pdf, MARGIN + 4, y + 3, name, d=6.5)
        pdf.set_font("DejaVu", "", 8)
        pdf.set_xy(MARGIN + 10, y)
        pdf.cell(CONTENT_W / 2 - 12, 6, vocabulary.VARIATION_ICON_DESCRIPTIONS[name])
    half = MARGIN + CONTENT_W / 2
    assurances = [*spc.ASSURANCES[1:], None]
    for index, name in enumerate(assurances):
        y = top + index * 7.5
        draw_assurance_icon(pdf, half + 4, y + 3, name, d=6.5)
        pdf.set_font("DejaVu", "", 8)
        pdf.set_xy(half + 10, y)
        pdf.cell(CONTENT_W / 2 - 12, 6, vocabulary.ASSURANCE_DESCRIPTIONS[name])
    pdf.set_xy(half, top + len(assurances) * 7.5 + 2)
    pdf.para(
        "The icons carry letters as well as colour: H and L, with an arrow, say a special cause is high or low; P, "
        "F and ? mean pass, fail and hit and miss; a flat line of dots is common cause and a dashed ring means no "
        "reading. Blue is improvement, orange concern and purple neither, and the SPC reading column says the same "
        "in words, so the pack reads in greyscale.",
        7.5,
        width=CONTENT_W / 2,
        x=half,
        colour=NHS_GREY,
    )


def _cover(
    pdf: _Pack,
    config: Config,
    org_code: str,
    period: str,
    *,
    data_month: str,
    uploaded: str | None,
    generated: str,
    generated_by: str,
    demo: bool,
) -> None:
    pdf.add_page()
    pdf.set_fill_color(*NHS_BLUE)
    pdf.rect(0, 0, PAGE_W, 52, style="F")
    pdf.set_text_color(*WHITE)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_xy(MARGIN + 4, 12)
    pdf.cell(CONTENT_W, 6, config.app.title)
    pdf.set_font("DejaVu", "B", 26)
    pdf.set_xy(MARGIN + 4, 22)
    pdf.cell(CONTENT_W, 12, "Board performance pack")
    pdf.set_font("DejaVu", "", 16)
    pdf.set_xy(MARGIN + 4, 36)
    pdf.cell(CONTENT_W, 8, long_month(period))
    pdf.set_xy(MARGIN + 4, 60)
    pdf.set_font("DejaVu", "B", 18)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.multi_cell(CONTENT_W - 8, 9, org_name(config, org_code), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*BLACK)
    pdf.ln(3)
    facts = [
        ("Month", label(period)),
        ("Data as of", f"{label(data_month)} (latest month loaded)"),
        ("Latest upload", uploaded or "none recorded"),
        ("Generated", f"{generated} by {generated_by}"),
        ("SPC profile", config.app.spc_profile.upper()),
    ]
    for key, value in facts:
        pdf.set_x(MARGIN + 4)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(40, 6.5, key)
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(CONTENT_W - 48, 6.5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if demo:
        pdf.ln(4)
        top = pdf.get_y()
        pdf.set_fill_color(*DEMO_AMBER)
        pdf.rect(MARGIN + 4, top, CONTENT_W - 8, 13, style="F")
        pdf.set_xy(MARGIN + 8, top + 1.5)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(CONTENT_W - 16, 5.5, f"⚠ {config.app.demo_label.upper()}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(MARGIN + 8)
        pdf.set_font("DejaVu", "", 9)
        pdf.cell(
            CONTENT_W - 16,
            5,
            f"Showing {config.app.demo_label}: every number in this pack is made up for demonstration.",
        )
        pdf.set_y(top + 15)
    pdf.ln(4)
    pdf.set_x(MARGIN + 4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.cell(CONTENT_W, 7, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*BLACK)
    pdf.contents_y = pdf.get_y()


def _contents(pdf: _Pack) -> None:
    """Write the contents list on the cover once every section's page is known."""
    last = pdf.page
    pdf.page = 1
    pdf.set_y(pdf.contents_y)
    pdf.set_font("DejaVu", "", 9.5)
    for name, page in pdf.contents:
        pdf.set_x(MARGIN + 4)
        pdf.cell(120, 5.6, name, link=pdf.add_link(page=page))
        pdf.cell(20, 5.6, str(page), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.page = last


# --------------------------------------------------------------------------------------------------
# Entry points


def make_pack(
    current: pd.DataFrame,
    config: Config,
    org_code: str,
    period: str | None = None,
    *,
    commentary: pd.DataFrame,
    uploads: pd.DataFrame,
    generated_by: str,
    generated_at: datetime | None = None,
) -> BoardPack:
    """Build the pack from frames the caller already has (the app passes its cached ones)."""
    # current: store.read_current's frame; commentary: store.read_commentary's (latest per month); uploads:
    # store.list_uploads' (latest upload time, demo label). period: default the latest month with data.
    started = time.perf_counter()
    name = org_name(config, org_code)
    period = pack_period(current, config, org_code, period)
    chromium_path()  # fail before the slow part when the charts cannot be drawn
    entries = collect(current, commentary, config, org_code, period)
    charted = [e for e in entries if e.reading is not None]
    pngs = render_charts([chart_figure(e, config, org_code) for e in charted])
    charts = dict(zip([e.metric.id for e in charted], pngs, strict=True))
    data_month = max(e.latest_loaded for e in entries if e.latest_loaded)
    uploaded = latest_upload(uploads)
    demo = is_demo(uploads, config)
    short = config.org_names.get(org_code, org_code)
    footer = f"{short} · data as of {label(data_month)}" + (f", latest upload {uploaded}" if uploaded else "")
    if demo:
        footer += f" · {config.app.demo_label}"
    pdf = _Pack(f"{short} · Board performance pack · {label(period)}", footer)
    _load_fonts(pdf)
    pdf.set_title(f"Board performance pack: {name}, {label(period)}")
    pdf.set_author(generated_by)
    pdf.set_creator("perfdash")
    pdf.set_lang("en-GB")
    _cover(
        pdf,
        config,
        org_code,
        period,
        data_month=data_month,
        uploaded=uploaded,
        generated=_uk_time(generated_at or datetime.now(UTC)),
        generated_by=generated_by,
        demo=demo,
    )
    _summary_pages(pdf, entries, config, period)
    _matrix_page(pdf, entries, period)
    _domain_pages(pdf, entries, charts, config, org_code, period)
    _appendix(pdf, entries, config, org_code, period)
    _contents(pdf)
    data = bytes(pdf.output())
    log.info(
        "board pack %s %s for %s: %d pages, %d charts in %.1fs",
        org_code,
        period,
        generated_by,
        pdf.pages_count,
        len(charted),
        time.perf_counter() - started,
    )
    return BoardPack(
        pdf=data,
        org_code=org_code,
        period=period,
        pages=pdf.pages_count,
        summary=tuple(e.metric.id for e in entries),
        charted=tuple(e.metric.id for e in charted),
        file_name=pack_file_name(org_code, period),
    )


def build_pack(
    current: pd.DataFrame,
    config: Config,
    org_code: str,
    period: str | None = None,
    *,
    commentary: pd.DataFrame,
    uploads: pd.DataFrame,
    generated_by: str,
    generated_at: datetime | None = None,
) -> bytes:
    """The pack's PDF bytes (see make_pack)."""
    return make_pack(
        current,
        config,
        org_code,
        period,
        commentary=commentary,
        uploads=uploads,
        generated_by=generated_by,
        generated_at=generated_at,
    ).pdf


def pack_from_store(
    engine: Engine, config: Config, org_code: str, period: str | None = None, *, generated_by: str
) -> BoardPack:
    """Read current values, commentary and uploads from the store, then build the pack."""
    return make_pack(
        store.read_current(engine),
        config,
        org_code,
        period,
        commentary=store.read_commentary(engine, org_code=org_code),
        uploads=store.list_uploads(engine),
        generated_by=generated_by,
    )
